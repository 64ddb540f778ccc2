/**
 * The process's metrics registry on the app (`app.metrics`), and the duration of every
 * request by route pattern (`/q/:token`, never the URL: tokens are credentials), method
 * and status. GET /metrics is in routes/operations.ts.
 */
import fp from 'fastify-plugin';
import { createMetrics, type Metrics } from '../../metrics';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
  }
}

export default fp(
  async (app) => {
    // Tests that build an app without metrics still get a registry of their own.
    app.decorate('metrics', app.deps.metrics ?? createMetrics({ defaultMetrics: false }));
    app.addHook('onResponse', async (request, reply) => {
      app.metrics.httpRequestDuration.observe(
        { route: request.routeOptions.url ?? 'unmatched', method: request.method, status: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    });
  },
  { name: 'metrics', dependencies: ['deps'] },
);
