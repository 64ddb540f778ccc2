/** Admin: recompute a finished quarter's final values, and see a quarter's scoring runs. */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ZPeriod } from '../../domain/period-schema';
import { comparePeriods, lastFinishedPeriod } from '../../domain/periods';
import { actorOf, audit } from '../../services/audit';
import { scoringWorkflowId } from '../../temporal/shared';
import { principalOf } from '../plugins/auth';
import { ADMIN_KEY_PROBLEMS, BODY_PROBLEMS, HttpProblem, SERVER_PROBLEMS, problemResponses } from '../problem';

const ZRun = z.object({
  id: z.string(),
  trigger: z.enum(['schedule', 'backfill', 'admin', 'provisional']),
  final: z.boolean(),
  status: z.enum(['running', 'completed', 'failed']),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  organizations: z.number().nullable(),
  changed: z.number().nullable().describe('organisations whose sums changed compared with the previous snapshot'),
  changes: z.unknown().describe('up to 500 of those changes: organisation, before, after'),
  error: z.string().nullable(),
});

const routes: FastifyPluginAsyncZod = async (app) => {
  const { db, scoring } = app.deps;
  const admin = { onRequest: app.authorize('admin') };

  app.post('/v1/scoring/runs', {
    ...admin,
    schema: {
      tags: ['scoring'],
      operationId: 'startScoringRun',
      summary: 'Recompute a finished quarter\'s final values (keeps an audit record of what changed)',
      security: [{ apiKey: [] }],
      body: z.strictObject({ period: ZPeriod }),
      response: { 202: z.object({ workflowId: z.string() }), ...problemResponses(...ADMIN_KEY_PROBLEMS, ...SERVER_PROBLEMS, ...BODY_PROBLEMS, 'validation_failed', 'workflow_unreachable') },
    },
  }, async (request, reply) => {
    const { period } = request.body;
    if (comparePeriods(period, lastFinishedPeriod(new Date())) > 0) {
      throw new HttpProblem('validation_failed', 'Only a finished quarter has final values', [{ path: 'period', code: 'period_not_finished', message: 'must be a finished quarter' }]);
    }
    let workflowId: string;
    try {
      workflowId = await scoring.recompute(period);
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) workflowId = scoringWorkflowId(period);
      else throw new HttpProblem('workflow_unreachable', 'The scoring run could not be started; repeat the request');
    }
    await audit(app.deps.db, actorOf(principalOf(request)), 'scoring.recompute', `period:${period}`, { workflowId });
    return reply.code(202).send({ workflowId });
  });

  app.get('/v1/scoring/runs/:period', {
    ...admin,
    schema: {
      tags: ['scoring'],
      operationId: 'getScoringRuns',
      summary: 'Whether a quarter has final values, when they were computed, and its runs (newest first)',
      security: [{ apiKey: [] }],
      params: z.object({ period: ZPeriod }),
      response: {
        200: z.object({ period: z.string(), final: z.boolean(), computedAt: z.string().nullable(), runs: z.array(ZRun) }),
        ...problemResponses(...ADMIN_KEY_PROBLEMS, ...SERVER_PROBLEMS, 'validation_failed'),
      },
    },
  }, async (request) => {
    const { period } = request.params;
    const runs = await db.scoringRun.findMany({ where: { period }, orderBy: { startedAt: 'desc' }, take: 50 });
    const lastFinal = runs.find((r) => r.final && r.status === 'completed' && r.error === null);
    return {
      period,
      final: Boolean(lastFinal),
      computedAt: lastFinal?.finishedAt?.toISOString() ?? null,
      runs: runs.map((r) => ({ ...r, startedAt: r.startedAt.toISOString(), finishedAt: r.finishedAt?.toISOString() ?? null })),
    };
  });
};

export default routes;
