/** Field-level validation errors, as the API reports them in problem+json `errors`. */
import type { FieldErrorCode } from './error-codes';

export type { FieldErrorCode };

export interface FieldError {
  /** Dotted path into the request, e.g. `recipient.snils` or `representatives.0.birthDate`. */
  path: string;
  /** Stable and documented (src/domain/error-codes.ts); clients branch on it, not on `message`. */
  code: FieldErrorCode;
  /** For people; never repeats the value that was sent. */
  message: string;
}

export function fieldError(path: string, code: FieldErrorCode, message: string): FieldError {
  return { path, code, message };
}

/**
 * The `params` a custom zod check (`refine`, `addIssue`) carries so that its field error
 * gets a code of its own: `.refine(ok, { message, params: codeParams('invalid_date') })`.
 */
export function codeParams(code: FieldErrorCode): { code: FieldErrorCode } {
  return { code };
}

interface IssueLike {
  code: string;
  path: readonly PropertyKey[];
  message: string;
  keys?: readonly string[];
  origin?: string;
  minimum?: unknown;
  format?: string;
  params?: unknown;
}

/**
 * Maps zod issues to field errors; an unknown key is reported at its own path. `input`, the
 * value that was validated, tells a missing field (`required`) from one of the wrong type.
 */
export function fieldErrors(issues: readonly IssueLike[], input?: unknown): FieldError[] {
  return issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys' && issue.keys
      ? issue.keys.map((key) => fieldError(joinPath([...issue.path, key]), 'unknown_field', 'is not a known field'))
      : [fieldError(joinPath(issue.path), issueCode(issue, input), issue.message)],
  );
}

function issueCode(issue: IssueLike, input: unknown): FieldErrorCode {
  switch (issue.code) {
    case 'invalid_type':
      return isMissing(issue, input) ? 'required' : 'invalid_type';
    case 'too_small':
      if (issue.origin === 'array' || issue.origin === 'set') return 'too_few';
      if (issue.origin === 'string') return issue.minimum === 1 ? 'required' : 'too_short';
      return 'out_of_range';
    case 'too_big':
      if (issue.origin === 'array' || issue.origin === 'set') return 'too_many';
      return issue.origin === 'string' ? 'too_long' : 'out_of_range';
    case 'invalid_format':
      return issue.format === 'email' ? 'invalid_email' : 'invalid_format';
    case 'invalid_value':
    case 'invalid_union':
    case 'invalid_key':
      return 'invalid_value';
    case 'custom':
      return customCode(issue.params) ?? 'invalid_value';
    default:
      return 'invalid_value';
  }
}

function customCode(params: unknown): FieldErrorCode | undefined {
  return (params as { code?: FieldErrorCode } | undefined)?.code;
}

/** Missing: the input has nothing at the path (or, without the input, zod says it received undefined). */
function isMissing(issue: IssueLike, input: unknown): boolean {
  if (input === undefined) return / received undefined$/.test(issue.message);
  let value: unknown = input;
  for (const key of issue.path) {
    if (value === null || typeof value !== 'object') return false;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value === undefined;
}

function joinPath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}
