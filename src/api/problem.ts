/** RFC 9457 problem details: the one error format of the API. */
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { FieldError } from '../domain/field-errors';

export const ZProblem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    /** `urn:request:<X-Request-Id>`: the id of this request, in its response header and log lines. */
    instance: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .describe('application/problem+json (RFC 9457)');

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

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly errors?: FieldError[],
  ) {
    super(detail);
  }
}

export function problemBody(status: number, detail?: string, errors?: FieldError[], requestId?: string) {
  return {
    type: `https://feedback.example/problems/${status}`,
    title: TITLES[status] ?? 'Error',
    status,
    ...(detail ? { detail } : {}),
    ...(requestId ? { instance: `urn:request:${requestId}` } : {}),
    ...(errors ? { errors } : {}),
  };
}

/** Retry-After of a 503: a dependency is down, a later repeat of the request may work. */
export const RETRY_AFTER_SECONDS = 5;

export function sendProblem(reply: FastifyReply, status: number, detail?: string, errors?: FieldError[]) {
  if (status === 503) reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  return reply.code(status).type('application/problem+json').send(problemBody(status, detail, errors, reply.request.id));
}
