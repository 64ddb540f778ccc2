/** RFC 9457 problem details: the one error format of the API. */
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { FIELD_ERROR_CODES, PROBLEM_CODES, problemStatus, type ProblemCode } from '../domain/error-codes';
import type { FieldError } from '../domain/field-errors';

export const PROBLEM_JSON = 'application/problem+json';

const problemCodes = Object.keys(PROBLEM_CODES) as [ProblemCode, ...ProblemCode[]];
const fieldErrorCodes = Object.keys(FIELD_ERROR_CODES) as [keyof typeof FIELD_ERROR_CODES, ...(keyof typeof FIELD_ERROR_CODES)[]];

export const ZFieldError = z.object({
  path: z.string().describe('dotted path into the request: `recipient.snils`, `representatives.0.birthDate`'),
  code: z.enum(fieldErrorCodes).describe('stable machine code (docs/integrators.md)'),
  message: z.string().describe('for people; never repeats the value sent'),
});

export const ZProblem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.enum(problemCodes).describe('stable machine code (docs/integrators.md); branch on this, not on title or detail'),
    detail: z.string().optional(),
    /** `urn:request:<X-Request-Id>`: the id of this request, in its response header and log lines. */
    instance: z.string().optional(),
    errors: z.array(ZFieldError).optional(),
  })
  .describe('application/problem+json (RFC 9457)')
  .meta({ id: 'Problem' });

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict',
  410: 'Gone',
  413: 'Payload too large',
  414: 'URI too long',
  415: 'Unsupported media type',
  422: 'Validation failed',
  429: 'Too many requests',
  500: 'Internal server error',
  503: 'Service unavailable',
};

/** A problem a route or service raises; its status follows from its code (src/domain/error-codes.ts). */
export class HttpProblem extends Error {
  readonly status: number;

  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    readonly errors?: FieldError[],
  ) {
    super(detail);
    this.status = problemStatus(code);
  }
}

export function problemBody(code: ProblemCode, detail?: string, errors?: FieldError[], requestId?: string) {
  const status = problemStatus(code);
  return {
    type: `https://feedback.example/problems/${status}`,
    title: TITLES[status] ?? 'Error',
    status,
    code,
    ...(detail ? { detail } : {}),
    ...(requestId ? { instance: `urn:request:${requestId}` } : {}),
    ...(errors ? { errors } : {}),
  };
}

/** Retry-After of a 503: a dependency is down, a later repeat of the request may work. */
export const RETRY_AFTER_SECONDS = 5;

export function sendProblem(reply: FastifyReply, code: ProblemCode, detail?: string, errors?: FieldError[]) {
  const status = problemStatus(code);
  const { request } = reply;
  reply.server.metrics?.httpProblems.inc({ route: request.routeOptions.url ?? 'unmatched', method: request.method, status: String(status), code });
  if (status === 503) reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  return reply.code(status).type(PROBLEM_JSON).send(problemBody(code, detail, errors, reply.request.id));
}

/**
 * The error responses of a route, declared by the codes it can answer with: one
 * `application/problem+json` response per status, described by its codes. Spread into a
 * route's `schema.response`.
 */
export function problemResponses(...codes: ProblemCode[]) {
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of codes) byStatus.set(problemStatus(code), [...(byStatus.get(problemStatus(code)) ?? []), code]);
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [
      status,
      { description: `${TITLES[status] ?? 'Error'}: ${list.map((c) => `\`${c}\``).join(', ')}`, content: { [PROBLEM_JSON]: { schema: ZProblem } } },
    ]),
  ) as Record<number, { description: string; content: { [PROBLEM_JSON]: { schema: typeof ZProblem } } }>;
}

/** What any route that reads a JSON body can also answer: malformed JSON, an empty or malformed body, too large, wrong type. */
export const BODY_PROBLEMS = ['invalid_json', 'bad_request', 'payload_too_large', 'unsupported_media_type'] as const satisfies readonly ProblemCode[];
/** What any route with an API key can answer before it runs. */
export const KEY_PROBLEMS = ['unauthorized', 'key_expired', 'key_revoked', 'wrong_role'] as const satisfies readonly ProblemCode[];
/** What an admin-only route can answer before it runs: a region's administrator is `out_of_scope` on a national one (src/api/plugins/auth.ts). */
export const ADMIN_KEY_PROBLEMS = [...KEY_PROBLEMS, 'out_of_scope'] as const satisfies readonly ProblemCode[];
/** What any route can answer when something fails on our side. */
export const SERVER_PROBLEMS = ['internal_error', 'database_unavailable'] as const satisfies readonly ProblemCode[];
