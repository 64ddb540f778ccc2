/**
 * API-key authentication (`Authorization: Bearer <key>`) and role checks. Routes declare
 * `onRequest: app.authorize('admin', ...)`; the principal is then on `request.principal`.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { adminRegions, type Principal, type RoleName } from '../../domain/scope';
import { ApiKeyCache } from '../../keys';
import type { ProblemCode } from '../../domain/error-codes';
import { sendProblem } from '../problem';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyInstance {
    authorize(...roles: RoleName[]): (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
  interface FastifyContextConfig {
    /** An admin-only route that a region's administrator may use too (it checks the region itself). */
    regionalAdmin?: boolean;
  }
}

/** The code says which; the detail stays the same for all three (existing clients read it). */
const KEY_REFUSALS = { unknown: 'unauthorized', revoked: 'key_revoked', expired: 'key_expired' } as const satisfies Record<string, ProblemCode>;

export default fp(
  async (app) => {
    app.decorateRequest('principal', null);
    const keys = new ApiKeyCache(app.deps.db, app.deps.config.apiKeyCacheMs);
    app.decorate('authorize', (...roles: RoleName[]) => async (request: FastifyRequest, reply: FastifyReply) => {
      const header = request.headers.authorization ?? '';
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      const check = match ? await keys.check(match[1]) : null;
      if (!check?.ok) {
        reply.header('www-authenticate', 'Bearer');
        if (!check) return sendProblem(reply, 'unauthorized', 'An API key is required: Authorization: Bearer <key>');
        return sendProblem(reply, KEY_REFUSALS[check.reason], 'The API key is unknown, revoked or expired');
      }
      const { principal } = check;
      if (roles.length > 0 && !roles.includes(principal.role)) {
        return sendProblem(reply, 'wrong_role', `This route is for ${roles.join(' or ')} keys`);
      }
      // Admin-only routes are national unless they say otherwise; routes open to other roles
      // too (the reports) clip a region's administrator to its regions as a region key.
      if (adminRegions(principal) && roles.length === 1 && roles[0] === 'admin' && !request.routeOptions.config.regionalAdmin) {
        return sendProblem(reply, 'out_of_scope', 'This route is for national admin keys (a key without --region)');
      }
      request.principal = principal;
    });
  },
  { name: 'auth', dependencies: ['deps'] },
);

/** The authenticated principal of a route guarded by `authorize`. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error('route is missing its authorize hook');
  return request.principal;
}
