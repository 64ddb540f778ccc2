/**
 * Probes (/health: liveness; /ready: PostgreSQL and Temporal answer), the metrics
 * (/metrics), and the development outbox (only when e-mails go to the outbox).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { metricsAuthorized } from '../../metrics';
import { ADMIN_KEY_PROBLEMS, SERVER_PROBLEMS, problemResponses, sendProblem } from '../problem';

const ZLive = z.object({ status: z.literal('ok') });
const ZReady = z.object({
  status: z.enum(['ok', 'degraded']),
  database: z.enum(['up', 'down']),
  temporal: z.enum(['up', 'down']),
  /** The dependencies that are down, named in a sentence. */
  detail: z.string().optional(),
});

const routes: FastifyPluginAsyncZod = async (app) => {
  const { db, mailer, temporalHealthy, config } = app.deps;

  app.get('/health', {
    schema: { tags: ['operations'], operationId: 'health', summary: 'Liveness: 200 while the process serves requests; checks no dependency', response: { 200: ZLive } },
  }, async () => ({ status: 'ok' as const }));

  app.get('/ready', {
    schema: {
      tags: ['operations'],
      operationId: 'ready',
      summary: 'Readiness: PostgreSQL and Temporal answer (503 naming the one that is down)',
      response: { 200: ZReady, 503: ZReady.describe('degraded: which dependency is down (JSON, not a problem)') },
    },
  }, async (_request, reply) => {
    const [database, temporal] = await Promise.all([
      db.$queryRaw`SELECT 1`.then(() => 'up' as const, () => 'down' as const),
      temporalHealthy().then((ok) => (ok ? ('up' as const) : ('down' as const)), () => 'down' as const),
    ]);
    const down = [database === 'down' && 'PostgreSQL', temporal === 'down' && 'Temporal'].filter((d): d is string => d !== false);
    if (down.length === 0) return reply.code(200).send({ status: 'ok', database, temporal });
    return reply.code(503).send({ status: 'degraded', database, temporal, detail: `${down.join(' and ')} ${down.length > 1 ? 'are' : 'is'} down` });
  });

  app.get('/metrics', {
    schema: {
      tags: ['operations'],
      operationId: 'metrics',
      summary: 'Prometheus metrics (text format); a bearer METRICS_TOKEN when one is set. Not for the public internet',
      response: {
        200: { description: 'Prometheus text exposition format 0.0.4', content: { 'text/plain': { schema: z.string() } } },
        ...problemResponses('unauthorized'),
      },
    },
  }, async (request, reply) => {
    if (!metricsAuthorized(request.headers.authorization, config.metrics.token)) {
      reply.header('www-authenticate', 'Bearer');
      return sendProblem(reply, 'unauthorized', 'A metrics token is required: Authorization: Bearer <METRICS_TOKEN>');
    }
    const { registry } = app.metrics;
    return reply.type(registry.contentType).send(await registry.metrics());
  });

  if (mailer.kind !== 'outbox') return;
  app.get('/v1/dev/outbox', {
    onRequest: app.authorize('admin'),
    schema: {
      tags: ['operations'],
      operationId: 'listOutboxEmails',
      summary: 'E-mails written to the outbox (development mode, no RESEND_API_KEY; admin)',
      security: [{ apiKey: [] }],
      querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
      response: {
        200: z.object({
          emails: z.array(z.object({
            id: z.string(), notificationId: z.string(), to: z.string(), subject: z.string(), text: z.string(), html: z.string(), createdAt: z.string(),
          })),
        }),
        ...problemResponses(...ADMIN_KEY_PROBLEMS, ...SERVER_PROBLEMS, 'validation_failed'),
      },
    },
  }, async (request) => {
    const rows = await db.outboxEmail.findMany({ orderBy: { createdAt: 'desc' }, take: request.query.limit });
    return { emails: rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() })) };
  });
};

export default routes;
