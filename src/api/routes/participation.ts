/** Monitoring the experiment (Regulation I.9б, I.10г, I.12д, II.4; docs/reports.md). */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { fieldError } from '../../domain/field-errors';
import { ZPeriod } from '../../domain/period-schema';
import { GROUP_BY } from '../../domain/scope';
import { CHANNELS, NOTIFICATION_OUTCOMES, type ParticipationReport } from '../../services/participation';
import { principalOf } from '../plugins/auth';
import { HttpProblem, KEY_PROBLEMS, SERVER_PROBLEMS, problemResponses } from '../problem';
import { ZFilters, ZFormat, sendCsv, sendJson, wantsCsv } from './reports';

const PARTICIPANTS = ['admin', 'federal', 'sector', 'region', 'organization', 'integrator'] as const;
const TABLES = ['groups', 'integrators', 'silent'] as const;

const ZCount = z.number().int();
const ZOutcomes = z.object(Object.fromEntries(NOTIFICATION_OUTCOMES.map((o) => [o, ZCount])) as Record<(typeof NOTIFICATION_OUTCOMES)[number], typeof ZCount>);
const ZParticipation = z.object({
  period: z.string().nullable(),
  since: z.literal('start').nullable(),
  from: z.string().nullable().describe('start of the window (null: since the start)'),
  to: z.string().describe('end of the window, exclusive'),
  groupBy: z.enum(GROUP_BY),
  rows: z.array(z.object({
    key: z.record(z.string(), z.string()),
    name: z.string(),
    organizations: z.object({ registered: ZCount, sending: ZCount, silent: ZCount }),
    receipts: z.object({ received: ZCount, late: ZCount, cancelled: ZCount }),
    notifications: z.object({ email: ZOutcomes, portal: ZOutcomes }).describe('by channel (e-mail, the portal\'s personal account), then outcome'),
    unsubscribed: ZCount,
    citizens: z.object({ invited: ZCount, answering: ZCount }).describe('distinct portal accounts'),
  })),
  integrators: z.array(z.object({
    integrator: z.string(),
    receipts: ZCount,
    late: ZCount,
    latePercent: z.number().nullable(),
    medianDelayHours: z.number().nullable().describe('from 00:00 Moscow of the service day to arrival; late from 48 h'),
  })),
  silent: z.object({
    total: ZCount,
    organizations: z.array(z.object({ code: z.string(), name: z.string(), region: z.string(), organizationType: z.string() })),
  }),
});

const EXAMPLE = {
  period: '2026-Q2', since: null, from: '2026-03-31T21:00:00.000Z', to: '2026-06-30T21:00:00.000Z', groupBy: 'region',
  rows: [{
    key: { region: '42' }, name: 'Кемеровская область – Кузбасс',
    organizations: { registered: 4, sending: 2, silent: 2 },
    receipts: { received: 9, late: 4, cancelled: 2 },
    notifications: { email: { sent: 5, failed: 1, pending: 1, skipped: 1 }, portal: { sent: 3, failed: 0, pending: 0, skipped: 1 } },
    unsubscribed: 1,
    citizens: { invited: 4, answering: 2 },
  }],
  integrators: [{ integrator: 'his-42', receipts: 6, late: 3, latePercent: 50, medianDelayHours: 41.5 }],
  silent: { total: 2, organizations: [{ code: '1024200000003', name: 'Детский сад № 12', region: '42', organizationType: 'preschool_education' }] },
};

const routes: FastifyPluginAsyncZod = async (app) => {
  const { participation } = app.deps;

  app.get('/v1/reports/participation', {
    onRequest: app.authorize(...PARTICIPANTS),
    schema: {
      tags: ['reports'],
      operationId: 'getParticipation',
      summary: 'Organisations registered and sending, per-integrator timeliness, notifications by channel and outcome, cancellations, distinct citizens invited and answering',
      security: [{ apiKey: [] }],
      querystring: z.object({
        period: ZPeriod.optional().describe('a quarter (default: the current one)'),
        since: z.enum(['start']).optional().describe('instead of period: everything up to now'),
        groupBy: z.enum(GROUP_BY).default('federation'),
        ...ZFilters,
        format: ZFormat,
        table: z.enum(TABLES).default('groups').describe('which table a CSV holds (silent: every silent organisation)'),
      }),
      response: {
        200: ZParticipation.meta({ examples: [EXAMPLE] }),
        ...problemResponses(...KEY_PROBLEMS, ...SERVER_PROBLEMS, 'out_of_scope', 'validation_failed'),
      },
      produces: ['application/json', 'text/csv'],
    },
  }, async (request, reply) => {
    const { period, since, groupBy, format, table, ...filters } = request.query;
    if (period && since) {
      throw new HttpProblem('validation_failed', 'Give a period or since=start, not both', [fieldError('since', 'invalid_value', 'cannot be combined with period')]);
    }
    const window = since ? { since } : period ? { period } : undefined;
    const csv = wantsCsv(request, format);
    const report = await participation.report(principalOf(request), { window, groupBy, filters }, csv && table === 'silent' ? { silentLimit: null } : {});
    if (!csv) return sendJson(reply, report);
    const name = `participation-${report.period ?? 'since-start'}-${table}.csv`;
    return sendCsv(reply, name, csvRows(report, table));
  });
};

function csvRows(report: ParticipationReport, table: (typeof TABLES)[number]): Record<string, unknown>[] {
  if (table === 'integrators') return report.integrators.map((i) => ({ integrator: i.integrator, receipts: i.receipts, late: i.late, late_percent: i.latePercent, median_delay_hours: i.medianDelayHours }));
  if (table === 'silent') return report.silent.organizations.map((o) => ({ code: o.code, name: o.name, region: o.region, organization_type: o.organizationType }));
  return report.rows.map((r) => ({
    ...r.key,
    name: r.name,
    organizations_registered: r.organizations.registered,
    organizations_sending: r.organizations.sending,
    organizations_silent: r.organizations.silent,
    receipts: r.receipts.received,
    receipts_late: r.receipts.late,
    receipts_cancelled: r.receipts.cancelled,
    ...Object.fromEntries(CHANNELS.flatMap((c) => NOTIFICATION_OUTCOMES.map((o) => [`${c}_${o}`, r.notifications[c][o]]))),
    unsubscribed: r.unsubscribed,
    citizens_invited: r.citizens.invited,
    citizens_answering: r.citizens.answering,
  }));
}

export default routes;
