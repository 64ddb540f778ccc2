/** Field-level validation errors, as the API reports them in problem+json `errors`. */
export interface FieldError {
  /** Dotted path into the request body, e.g. `recipient.snils` or `representatives.0.birthDate`. */
  path: string;
  message: string;
}

interface IssueLike {
  code: string;
  path: readonly PropertyKey[];
  message: string;
  keys?: readonly string[];
}

/** Maps zod issues to field errors; an unknown key is reported at its own path. */
export function fieldErrors(issues: readonly IssueLike[]): FieldError[] {
  return issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys' && issue.keys
      ? issue.keys.map((key) => ({ path: joinPath([...issue.path, key]), message: 'is not a known field' }))
      : [{ path: joinPath(issue.path), message: issue.message }],
  );
}

function joinPath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}
