/** Participants' reports (DESIGN §6–7): indicators, history, rankings, funnel; clipped to the caller's scope. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { GROWTH_STATUSES } from '../../domain/indicators';
import { ITEM_KEYS } from '../../domain/questionnaire';
import { ZPeriod } from '../../domain/period-schema';
import { periodDistance, MAX_PERIODS_BETWEEN } from '../../domain/periods';
import { GROUP_BY } from '../../domain/scope';
import { ZText } from '../../domain/text';
import { principalOf } from '../plugins/auth';
import { FUNNEL_EXAMPLE, HISTORY_EXAMPLE, INDICATORS_EXAMPLE, RANKINGS_EXAMPLE } from '../examples';
import { HttpProblem, KEY_PROBLEMS, SERVER_PROBLEMS, problemResponses } from '../problem';
import { toCsv } from '../csv';

const PARTICIPANTS = ['admin', 'federal', 'sector', 'region', 'organization', 'integrator'] as const;
export const ZFilters = {
  region: ZText.max(2).optional(),
  sector: ZText.max(32).optional(),
  organizationType: ZText.max(64).optional(),
  organization: ZText.max(64).optional(),
};
export const ZFormat = z.enum(['json', 'csv']).optional().describe('csv: the same rows as text/csv (or send Accept: text/csv)');
const ZKey = z.record(z.string(), z.string());
const ZCi = z.tuple([z.number(), z.number()]).nullable();
const ZComparison = z.object({ satisfaction: z.number().nullable(), delta: z.number().nullable() }).nullable();
const ZGrowth = z.enum(GROWTH_STATUSES).nullable();
const ZIndicatorRow = z.object({
  key: ZKey,
  name: z.string(),
  notified: z.number(),
  completed: z.number(),
  coverage: z.number().nullable(),
  responses: z.number(),
  satisfaction: z.number().nullable(),
  ci: ZCi.describe('95 % confidence interval of the satisfaction'),
  suppressed: z.boolean().describe('satisfaction, interval and item means hidden from this reader: fewer responses than the small-numbers threshold (heads of organisations, admin)'),
  lowResponses: z.boolean().describe('fewer responses than the small-numbers threshold; federal, sector and region keys still see the figures'),
  items: z.record(z.string(), z.number().nullable()).nullable(),
  previous: ZComparison,
  yearAgo: ZComparison,
  targets: z.object({
    coverage: z.boolean().nullable(),
    satisfaction: z.boolean().nullable(),
    growth: z.boolean().nullable().describe('deprecated: growth.yearly as a boolean (met or not_applicable: true; not_met: false; no_base: null)'),
  }),
  growth: z.object({
    quarterly: ZGrowth.describe('against the previous quarter, +0.2 (the regional recommendation, I.12е)'),
    yearly: ZGrowth.describe('against the same quarter a year earlier, +0.2 (the federal text, I.4ж)'),
  }),
});
const ZStatus = { period: z.string(), final: z.boolean(), computedAt: z.string().nullable() };
const problems = problemResponses(...KEY_PROBLEMS, ...SERVER_PROBLEMS, 'out_of_scope', 'validation_failed');

const routes: FastifyPluginAsyncZod = async (app) => {
  const { reports } = app.deps;
  const guard = { onRequest: app.authorize(...PARTICIPANTS) };
  const security = [{ apiKey: [] }];

  app.get('/v1/reports/indicators', {
    ...guard,
    schema: {
      tags: ['reports'],
      operationId: 'getIndicators',
      summary: 'Coverage and satisfaction for a quarter by a level; the current quarter is cumulative to date (final: false)',
      security,
      querystring: z.object({ period: ZPeriod.optional(), groupBy: z.enum(GROUP_BY).default('federation'), ...ZFilters, format: ZFormat }),
      response: { 200: z.object({ ...ZStatus, rows: z.array(ZIndicatorRow) }).meta({ examples: [INDICATORS_EXAMPLE] }), ...problems },
      produces: ['application/json', 'text/csv'],
    },
  }, async (request, reply) => {
    const { period, groupBy, format: _f, ...filters } = request.query;
    const report = await reports.indicators(principalOf(request), { period, groupBy, filters });
    if (wantsCsv(request, request.query.format)) return sendCsv(reply, `indicators-${report.period}.csv`, report.rows.map(flattenIndicatorRow));
    return sendJson(reply, report);
  });

  app.get('/v1/reports/indicators/history', {
    ...guard,
    schema: {
      tags: ['reports'],
      operationId: 'getIndicatorHistory',
      summary: 'A series per group over a range of quarters, for charts',
      security,
      querystring: z.object({ from: ZPeriod, to: ZPeriod, groupBy: z.enum(GROUP_BY).default('federation'), ...ZFilters }),
      response: {
        200: z.object({
          from: z.string(),
          to: z.string(),
          series: z.array(z.object({
            key: ZKey,
            name: z.string(),
            points: z.array(z.object({
              period: z.string(), final: z.boolean(), notified: z.number(), completed: z.number(), coverage: z.number().nullable(),
              responses: z.number(), satisfaction: z.number().nullable(), ci: ZCi, suppressed: z.boolean(), lowResponses: z.boolean(),
            })),
          })),
        }).meta({ examples: [HISTORY_EXAMPLE] }),
        ...problems,
      },
    },
  }, async (request, reply) => {
    const { from, to, groupBy, ...filters } = request.query;
    const span = periodDistance(from, to);
    if (span < 0 || span >= MAX_PERIODS_BETWEEN) {
      throw new HttpProblem('validation_failed', `from must not be after to, and the range at most ${MAX_PERIODS_BETWEEN} quarters`, [{ path: 'to', code: 'out_of_range', message: 'out of range' }]);
    }
    return sendJson(reply, await reports.history(principalOf(request), { from, to, groupBy, filters }));
  });

  app.get('/v1/reports/rankings', {
    ...guard,
    schema: {
      tags: ['reports'],
      operationId: 'getRankings',
      summary: 'Organisations of a region and type, best and worst by satisfaction (ties: more responses first, then code)',
      security,
      querystring: z.object({
        period: ZPeriod.optional(),
        region: ZText.max(2),
        organizationType: ZText.max(64),
        limit: z.coerce.number().int().min(1).max(100).default(10),
        format: ZFormat,
      }),
      response: {
        200: z.object({
          ...ZStatus,
          region: z.string(),
          organizationType: z.string(),
          ranked: z.number().int(),
          best: z.array(z.object({ rank: z.number().int(), code: z.string(), name: z.string(), satisfaction: z.number().nullable(), responses: z.number(), ci: ZCi })),
          worst: z.array(z.object({ rank: z.number().int(), code: z.string(), name: z.string(), satisfaction: z.number().nullable(), responses: z.number(), ci: ZCi })),
          unranked: z.array(z.object({ code: z.string(), name: z.string(), responses: z.number(), suppressed: z.boolean() })),
        }).meta({ examples: [RANKINGS_EXAMPLE] }),
        ...problems,
      },
    },
  }, async (request, reply) => {
    const { format, ...query } = request.query;
    const result = await reports.rankings(principalOf(request), query);
    const strip = <T extends { suppressed: boolean }>({ suppressed: _s, ...rest }: T) => rest;
    const body = { ...result, best: result.best.map(strip), worst: result.worst.map(strip), unranked: result.unranked.map(({ code, name, responses, suppressed }) => ({ code, name, responses, suppressed })) };
    if (wantsCsv(request, format)) {
      const line = (list: string, r: (typeof body.best)[number]) => ({ list, rank: r.rank, code: r.code, name: r.name, satisfaction: r.satisfaction, ci_low: r.ci?.[0] ?? null, ci_high: r.ci?.[1] ?? null, responses: r.responses });
      return sendCsv(reply, `rankings-${result.period}.csv`, [...body.best.map((r) => line('best', r)), ...body.worst.map((r) => line('worst', r))]);
    }
    return body;
  });

  app.get('/v1/reports/funnel', {
    ...guard,
    schema: {
      tags: ['reports'],
      operationId: 'getFunnel',
      summary: 'Receipts, late, without an account, activated, notified, completed',
      security,
      querystring: z.object({ period: ZPeriod.optional(), groupBy: z.enum(GROUP_BY).default('federation'), ...ZFilters, format: ZFormat }),
      response: {
        200: z.object({
          ...ZStatus,
          rows: z.array(z.object({
            key: ZKey, name: z.string(), receipts: z.number(), late: z.number(), noAccount: z.number(), activated: z.number(), notified: z.number(), completed: z.number(),
          })),
        }).meta({ examples: [FUNNEL_EXAMPLE] }),
        ...problems,
      },
      produces: ['application/json', 'text/csv'],
    },
  }, async (request, reply) => {
    const { period, groupBy, format, ...filters } = request.query;
    const report = await reports.funnel(principalOf(request), { period, groupBy, filters });
    if (wantsCsv(request, format)) return sendCsv(reply, `funnel-${report.period}.csv`, report.rows.map(({ key, ...rest }) => ({ ...key, ...rest })));
    return sendJson(reply, report);
  });
};

export function wantsCsv(request: FastifyRequest, format: string | undefined): boolean {
  return format === 'csv' || (format === undefined && (request.headers.accept ?? '').includes('text/csv'));
}

/**
 * Report bodies are built field by field by the service (the response schemas document them
 * and the tests check them), so they skip the per-request zod validation of the serializer:
 * on a 5,000-row answer that validation costs more than the query.
 */
export function sendJson(reply: FastifyReply, body: object) {
  let json = serialized.get(body);
  if (json === undefined) {
    json = JSON.stringify(body);
    serialized.set(body, json);
  }
  return reply.type('application/json; charset=utf-8').serializer((payload: unknown) => payload as string).send(json);
}
/** The service hands out the same object for a cached answer: it is serialised once. */
const serialized = new WeakMap<object, string>();

export function sendCsv(reply: FastifyReply, filename: string, rows: Record<string, unknown>[]) {
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${filename}"`)
    .serializer((payload: unknown) => payload as string)
    .send(toCsv(rows));
}

function flattenIndicatorRow(r: z.infer<typeof ZIndicatorRow>): Record<string, unknown> {
  return {
    ...r.key,
    name: r.name,
    notified: r.notified,
    completed: r.completed,
    coverage: r.coverage,
    responses: r.responses,
    satisfaction: r.satisfaction,
    ci_low: r.ci?.[0] ?? null,
    ci_high: r.ci?.[1] ?? null,
    suppressed: r.suppressed,
    low_responses: r.lowResponses,
    ...Object.fromEntries(ITEM_KEYS.map((k) => [`item_${k}`, r.items?.[k] ?? null])),
    previous_satisfaction: r.previous?.satisfaction ?? null,
    previous_delta: r.previous?.delta ?? null,
    year_ago_satisfaction: r.yearAgo?.satisfaction ?? null,
    year_ago_delta: r.yearAgo?.delta ?? null,
    target_coverage: r.targets.coverage,
    target_satisfaction: r.targets.satisfaction,
    target_growth: r.targets.growth,
    growth_quarterly: r.growth.quarterly,
    growth_yearly: r.growth.yearly,
  };
}

export default routes;
