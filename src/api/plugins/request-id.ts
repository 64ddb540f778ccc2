/**
 * X-Request-Id: the caller's id when it looks like one (at most 128 characters of
 * [A-Za-z0-9._-]), a new UUID otherwise. It is `request.id`, so Fastify puts it on every
 * log line of the request (`reqId`); it goes back in the response header and is the
 * `instance` of a problem+json (`urn:request:<id>`).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import fp from 'fastify-plugin';

export const REQUEST_ID_HEADER = 'x-request-id';
const SANE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * Fastify's `genReqId`. Fastify's own `requestIdHeader` would take any value as it comes
 * (a line break, a megabyte, a token pasted by mistake), so the header is read here instead.
 */
export function genReqId(request: IncomingMessage): string {
  const sent = request.headers[REQUEST_ID_HEADER];
  return typeof sent === 'string' && SANE_REQUEST_ID.test(sent) ? sent : randomUUID();
}

export default fp(
  async (app) => {
    app.addHook('onRequest', async (request, reply) => {
      reply.header(REQUEST_ID_HEADER, request.id);
    });
  },
  { name: 'request-id' },
);
