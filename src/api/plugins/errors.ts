/**
 * Turns every error into problem+json, or into a Russian page on the citizen pages
 * (`/q/…`, `/u/…`); never echoes request values (they may be personal data). A database
 * that cannot be reached is a 503 with Retry-After, not a 500.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { isDatabaseUnavailable } from '../../db/unavailable';
import { fieldErrors } from '../../domain/field-errors';
import { errorPage, linkStatusPage, type ErrorPageKind } from '../../web/pages';
import type { ProblemCode } from '../../domain/error-codes';
import { HttpProblem, RETRY_AFTER_SECONDS, sendProblem } from '../problem';

const HTML = 'text/html; charset=utf-8';

export default fp(
  async (app) => {
    app.setErrorHandler<FastifyError>((err, request, reply) => {
      const page = request.routeOptions.config?.page === true;
      if (isDatabaseUnavailable(err)) {
        request.log.warn({ err: { name: err.name, code: err.code } }, 'database unavailable');
        return page ? sendPage(reply, 503, 'unavailable') : sendProblem(reply, 'database_unavailable', 'The database is unavailable; repeat the request later');
      }
      if (err instanceof HttpProblem) return page ? sendPage(reply, err.status, pageKind(err.status)) : sendProblem(reply, err.code, err.detail, err.errors);
      if (hasZodFastifySchemaValidationErrors(err)) {
        if (page) return sendPage(reply, 400, 'bad_request');
        const errors = fieldErrors(
          err.validation.map((v) => ({
            code: v.keyword,
            path: v.instancePath.split('/').filter(Boolean),
            message: v.message ?? 'is invalid',
            ...(v.params as { keys?: string[]; origin?: string; minimum?: unknown; format?: string; params?: unknown }),
          })),
          validatedInput(request, err.validationContext),
        );
        return sendProblem(reply, 'validation_failed', INVALID[err.validationContext ?? ''] ?? 'The request is invalid', errors);
      }
      const status = typeof err.statusCode === 'number' && err.statusCode >= 400 ? err.statusCode : 500;
      if (status >= 500) {
        request.log.error({ err: { name: err.name, code: err.code, stack: err.stack } }, 'request failed');
        return page ? sendPage(reply, status, 'failed') : sendProblem(reply, 'internal_error', 'Something went wrong on our side; the request can be retried');
      }
      if (page) return sendPage(reply, status, pageKind(status));
      // Fastify's own 4xx (malformed JSON, body too large, wrong content type) and the rate limit: safe messages.
      const code = frameworkProblem(err, status);
      return sendProblem(reply, code, FRAMEWORK_DETAILS[code] ?? err.message);
    });
    app.setNotFoundHandler((request, reply) => {
      if (isCitizenPath(request)) return reply.code(404).type(HTML).send(linkStatusPage('unknown'));
      return sendProblem(reply, 'no_such_route', 'No such route');
    });
  },
  { name: 'errors' },
);

/**
 * Errors Fastify raises before any route is chosen (a URL that is not valid percent-encoded
 * UTF-8): problem+json, or the page on a citizen path. Passed as `frameworkErrors`.
 */
export function frameworkError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400;
  if (isCitizenPath(request)) sendPage(reply, status, 'bad_request');
  else sendProblem(reply, status === 414 ? 'uri_too_long' : 'bad_request', 'The URL is not valid');
}

/** The detail of a schema validation failure, by the part of the request that failed. */
const INVALID: Record<string, string> = {
  body: 'The request body is invalid',
  querystring: 'The query string is invalid',
  params: 'The path parameters are invalid',
  headers: 'The request headers are invalid',
};

/** Fixed texts where Fastify's own message would repeat what the request sent (its Content-Type). */
const FRAMEWORK_DETAILS: Partial<Record<ProblemCode, string>> = {
  invalid_json: 'The body is not valid JSON',
  unsupported_media_type: 'The body\'s Content-Type is not one this route reads; send application/json',
};

/** The code of an error Fastify or one of its plugins raised with a 4xx status. */
function frameworkProblem(err: FastifyError, status: number): ProblemCode {
  if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err.name === 'SyntaxError') return 'invalid_json';
  switch (status) {
    case 413:
      return 'payload_too_large';
    case 414:
      return 'uri_too_long';
    case 415:
      return 'unsupported_media_type';
    case 429:
      return 'rate_limited';
    default:
      return 'bad_request';
  }
}

/** The part of the request a schema validation failed on, to tell a missing field from a wrong one. */
function validatedInput(request: FastifyRequest, context: string | undefined): unknown {
  switch (context) {
    case 'body':
      return request.body;
    case 'querystring':
      return request.query;
    case 'params':
      return request.params;
    case 'headers':
      return request.headers;
    default:
      return undefined;
  }
}

function pageKind(status: number): ErrorPageKind {
  if (status === 503) return 'unavailable';
  if (status === 429) return 'too_many_requests';
  return status >= 500 ? 'failed' : 'bad_request';
}

function sendPage(reply: FastifyReply, status: number, kind: ErrorPageKind) {
  if (status === 503) reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  return reply.code(status).type(HTML).send(errorPage(kind));
}

/** A mistyped citizen link (`/q/…`, `/u/…`) or public organisation page (`/o/…`) gets a page, not JSON. */
function isCitizenPath(request: FastifyRequest): boolean {
  return /^\/[quo]\//.test(request.url);
}
