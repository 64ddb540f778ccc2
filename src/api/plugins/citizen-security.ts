/**
 * What the citizen routes (authorised by the token in their path) need beyond the rest:
 * a per-address rate limit, a strict Content-Security-Policy that the questionnaire page
 * passes, no caching, no Referer (the URL is the credential), no indexing. Routes opt in
 * with `config: TOKEN_ROUTE`. Request logs never carry URLs, only route patterns (see
 * app.ts), so tokens stay out of the logs.
 */
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyContextConfig {
    citizen?: boolean;
    /** An HTML page for citizens: its errors are Russian pages too, never problem+json. */
    page?: boolean;
  }
}

/** Route config of every route whose path carries a questionnaire token. */
export const TOKEN_ROUTE = { citizen: true, rateLimit: {} } as const;
/** Route config of the citizen pages behind a token (`/q/…`, `/u/…`). */
export const TOKEN_PAGE = { ...TOKEN_ROUTE, page: true } as const;

export const CITIZEN_CSP = [
  "default-src 'none'",
  "style-src 'self'",
  "script-src 'self'",
  "img-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

export default fp(
  async (app) => {
    // Headers for every response; the CSP is set per route (Swagger UI at /docs needs its own).
    await app.register(helmet, { contentSecurityPolicy: false, referrerPolicy: { policy: 'no-referrer' } });
    await app.register(rateLimit, {
      global: false,
      max: app.deps.config.citizenRateLimitPerMinute,
      timeWindow: 60_000,
      errorResponseBuilder: (_request, context) => ({
        statusCode: 429,
        message: `Too many requests; try again in ${Math.ceil(context.ttl / 1000)} s`,
      }),
    });
    app.addHook('onSend', async (request, reply) => {
      if (!request.routeOptions.config.citizen) return;
      reply.header('content-security-policy', CITIZEN_CSP);
      reply.header('cache-control', 'no-store');
      reply.header('x-robots-tag', 'noindex, nofollow');
    });
  },
  { name: 'citizen-security', dependencies: ['deps'] },
);
