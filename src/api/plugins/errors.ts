/** Turns every error into problem+json; never echoes request values (they may be personal data). */
import type { FastifyError } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { fieldErrors } from '../../domain/field-errors';
import { HttpProblem, sendProblem } from '../problem';

export default fp(
  async (app) => {
    app.setErrorHandler<FastifyError>((err, request, reply) => {
      if (err instanceof HttpProblem) return sendProblem(reply, err.status, err.detail, err.errors);
      if (hasZodFastifySchemaValidationErrors(err)) {
        const errors = fieldErrors(
          err.validation.map((v) => ({
            code: v.keyword,
            path: v.instancePath.split('/').filter(Boolean),
            message: v.message ?? 'is invalid',
            keys: (v.params as { keys?: string[] }).keys,
          })),
        );
        const where = err.validationContext === 'body' ? 'request body' : err.validationContext ?? 'request';
        return sendProblem(reply, 422, `The ${where} is invalid`, errors);
      }
      const status = typeof err.statusCode === 'number' && err.statusCode >= 400 ? err.statusCode : 500;
      if (status >= 500) {
        request.log.error({ err: { name: err.name, code: err.code, stack: err.stack } }, 'request failed');
        return sendProblem(reply, status, 'Something went wrong on our side; the request can be retried');
      }
      // Fastify's own 4xx (malformed JSON, body too large, wrong content type): safe messages.
      return sendProblem(reply, status, err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err.name === 'SyntaxError' ? 'The body is not valid JSON' : err.message);
    });
    app.setNotFoundHandler((request, reply) => sendProblem(reply, 404, 'No such route'));
  },
  { name: 'errors' },
);
