/** Health, and the development outbox (only when e-mails go to the outbox). */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ZProblem } from '../problem';

const ZHealth = z.object({ status: z.enum(['ok', 'degraded']), database: z.enum(['up', 'down']), temporal: z.enum(['up', 'down']) });

const routes: FastifyPluginAsyncZod = async (app) => {
  const { db, mailer, temporalHealthy } = app.deps;

  app.get('/health', {
    schema: { tags: ['operations'], summary: 'Liveness of the API and its dependencies', response: { 200: ZHealth, 503: ZHealth } },
  }, async (_request, reply) => {
    const [database, temporal] = await Promise.all([
      db.$queryRaw`SELECT 1`.then(() => 'up' as const, () => 'down' as const),
      temporalHealthy().then((ok) => (ok ? ('up' as const) : ('down' as const)), () => 'down' as const),
    ]);
    const ok = database === 'up' && temporal === 'up';
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded', database, temporal });
  });

  if (mailer.kind !== 'outbox') return;
  app.get('/v1/dev/outbox', {
    onRequest: app.authorize('admin'),
    schema: {
      tags: ['operations'],
      summary: 'E-mails written to the outbox (development mode, no RESEND_API_KEY; admin)',
      security: [{ apiKey: [] }],
      querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
      response: {
        200: z.object({
          emails: z.array(z.object({
            id: z.string(), notificationId: z.string(), to: z.string(), subject: z.string(), text: z.string(), html: z.string(), createdAt: z.string(),
          })),
        }),
        401: ZProblem,
        403: ZProblem,
      },
    },
  }, async (request) => {
    const rows = await db.outboxEmail.findMany({ orderBy: { createdAt: 'desc' }, take: request.query.limit });
    return { emails: rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() })) };
  });
};

export default routes;
