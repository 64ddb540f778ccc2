/**
 * Monitoring the experiment (Regulation I.9б, I.10г, I.12д, II.4; DESIGN §6): who is
 * connected and who is silent, how timely each integrator is, what became of the
 * notifications, how many citizens were invited and answered. For a quarter or since the
 * start, grouped like the indicators, clipped to the caller's scope like them.
 *
 * Read live from the operational tables, one set-based query per figure family (never a
 * query per organisation). Events are counted by the moment they happened: a receipt when
 * it arrived, a cancellation when it was withdrawn, a notification when it was sent or
 * failed (a pending or skipped one when it was created), an unsubscription when it was
 * made, an invited citizen when their link was made, an answering citizen when the answer
 * came. Citizens are counted by their portal account id, distinct within each row; the
 * report names no one.
 */
import type { Db } from '../db/client';
import { currentPeriod, periodBounds, type Period } from '../domain/periods';
import type { GroupBy, Principal, ReportClip } from '../domain/scope';
import type { ReportAuthorizer } from './comments';
import { SECTOR_NAMES, type FilterCodes, type ReportKey } from './reports';
import { GROUP_KEY_SQL, scopeConditions, SqlParams } from './scope-sql';

/** How many silent organisations the JSON lists (the CSV lists them all: `silentLimit: null`). */
export const SILENT_LIST_LIMIT = 1000;

/** Notification channels: the e-mail, and the portal's personal account (docs/portal.md). */
export const CHANNELS = ['email', 'portal'] as const;
type Channel = (typeof CHANNELS)[number];
export const NOTIFICATION_OUTCOMES = ['sent', 'failed', 'pending', 'skipped'] as const;
type Outcome = (typeof NOTIFICATION_OUTCOMES)[number];

export type ParticipationWindow = { period: Period } | { since: 'start' };

export interface ParticipationQuery {
  window?: ParticipationWindow;
  groupBy: GroupBy;
  filters: FilterCodes;
}

export interface ParticipationRow {
  key: ReportKey;
  name: string;
  organizations: { registered: number; sending: number; silent: number };
  receipts: { received: number; late: number; cancelled: number };
  notifications: Record<Channel, Record<Outcome, number>>;
  unsubscribed: number;
  citizens: { invited: number; answering: number };
}

export interface IntegratorTimeliness {
  integrator: string;
  receipts: number;
  late: number;
  latePercent: number | null;
  /** From 00:00 Moscow of the service day to arrival; II.4 allows one day (late from 48 h). */
  medianDelayHours: number | null;
}

export interface SilentOrganization {
  code: string;
  name: string;
  region: string;
  organizationType: string;
}

export interface ParticipationReport {
  period: Period | null;
  since: 'start' | null;
  from: string | null;
  to: string;
  groupBy: GroupBy;
  rows: ParticipationRow[];
  integrators: IntegratorTimeliness[];
  silent: { total: number; organizations: SilentOrganization[] };
}

interface Window {
  from: Date | null;
  to: Date;
}

export class ParticipationService {
  constructor(private readonly deps: { db: Db; access: ReportAuthorizer; now?: () => Date }) {}

  async report(principal: Principal, query: ParticipationQuery, options: { silentLimit?: number | null } = {}): Promise<ParticipationReport> {
    const now = this.deps.now?.() ?? new Date();
    const chosen = query.window ?? { period: currentPeriod(now) };
    const clip = await this.deps.access.authorize(principal, query.groupBy, query.filters);
    const window: Window = 'period' in chosen ? { from: periodBounds(chosen.period).start, to: periodBounds(chosen.period).end } : { from: null, to: now };
    const scope = { clip, filters: query.filters, window };
    const [organizations, receipts, notifications, citizens, integrators, silent] = await Promise.all([
      this.organizations(scope, query.groupBy),
      this.receipts(scope, query.groupBy),
      this.notifications(scope, query.groupBy),
      this.citizens(scope, query.groupBy),
      this.integrators(scope),
      this.silent(scope, options.silentLimit === undefined ? SILENT_LIST_LIMIT : options.silentLimit),
    ]);
    const rows = organizations.map((g): ParticipationRow => {
      const r = receipts.get(g.key);
      const c = citizens.get(g.key);
      return {
        key: g.key === null || query.groupBy === 'federation' ? {} : { [query.groupBy]: g.key },
        name: query.groupBy === 'sector' ? (SECTOR_NAMES[g.key ?? ''] ?? g.key ?? '') : g.name,
        organizations: { registered: g.registered, sending: g.sending, silent: g.registered - g.sending },
        receipts: { received: r?.received ?? 0, late: r?.late ?? 0, cancelled: r?.cancelled ?? 0 },
        notifications: notifications.get(g.key) ?? zeroChannels(),
        unsubscribed: c?.unsubscribed ?? 0,
        citizens: { invited: c?.invited ?? 0, answering: c?.answering ?? 0 },
      };
    });
    return {
      period: 'period' in chosen ? chosen.period : null,
      since: 'since' in chosen ? 'start' : null,
      from: window.from?.toISOString() ?? null,
      to: window.to.toISOString(),
      groupBy: query.groupBy,
      rows,
      integrators,
      silent,
    };
  }

  /**
   * Every organisation of the scope (the registry as it is now: a deactivated one only if it
   * sent a receipt in the window), and which of them sent a receipt in the window.
   */
  private async organizations(s: Scope, groupBy: GroupBy) {
    const p = new SqlParams();
    const where = scopeConditions(p, s.clip, s.filters);
    const key = GROUP_KEY_SQL[groupBy];
    const name = { federation: `'Российская Федерация'`, region: 'g.name', sector: 't.sector', organizationType: 't.name', organization: 'o.name' }[groupBy];
    const rows = await this.deps.db.$queryRawUnsafe<{ key: string | null; name: string; registered: bigint; sending: bigint }[]>(
      `SELECT ${key} AS key, min(${name}) AS name, count(*) AS registered,
              count(*) FILTER (WHERE EXISTS (SELECT 1 FROM receipt rc WHERE rc.organization_id = o.id AND ${during(p, 'rc.received_at', s.window)})) AS sending
       FROM organization o JOIN organization_type t ON t.code = o.type_code JOIN region g ON g.code = o.region_code
       ${whereClause([...where, `(o.deactivated_at IS NULL OR EXISTS (SELECT 1 FROM receipt rc WHERE rc.organization_id = o.id AND ${during(p, 'rc.received_at', s.window)}))`])}
       GROUP BY 1 ORDER BY 1`,
      ...p.values,
    );
    return rows.map((r) => ({ key: r.key, name: r.name, registered: Number(r.registered), sending: Number(r.sending) }));
  }

  private async receipts(s: Scope, groupBy: GroupBy) {
    const p = new SqlParams();
    const where = scopeConditions(p, s.clip, s.filters);
    const arrived = during(p, 'rc.received_at', s.window);
    const withdrawn = during(p, 'rc.cancelled_at', s.window);
    const rows = await this.deps.db.$queryRawUnsafe<{ key: string | null; received: bigint; late: bigint; cancelled: bigint }[]>(
      `SELECT ${GROUP_KEY_SQL[groupBy]} AS key,
              count(*) FILTER (WHERE ${arrived}) AS received,
              count(*) FILTER (WHERE ${arrived} AND rc.late) AS late,
              count(*) FILTER (WHERE ${withdrawn}) AS cancelled
       FROM receipt rc JOIN organization o ON o.id = rc.organization_id JOIN organization_type t ON t.code = o.type_code
       ${whereClause([...where, `(${arrived} OR ${withdrawn})`])}
       GROUP BY 1`,
      ...p.values,
    );
    return new Map(rows.map((r) => [r.key, { received: Number(r.received), late: Number(r.late), cancelled: Number(r.cancelled) }]));
  }

  private async notifications(s: Scope, groupBy: GroupBy) {
    const p = new SqlParams();
    const where = scopeConditions(p, s.clip, s.filters);
    const rows = await this.deps.db.$queryRawUnsafe<{ key: string | null; channel: Channel; status: Outcome; count: bigint }[]>(
      `SELECT ${GROUP_KEY_SQL[groupBy]} AS key, n.channel::text AS channel, n.status::text AS status, count(*) AS count
       FROM notification n
       JOIN invitation i ON i.id = n.invitation_id
       JOIN receipt rc ON rc.id = i.receipt_id
       JOIN organization o ON o.id = rc.organization_id JOIN organization_type t ON t.code = o.type_code
       ${whereClause([...where, during(p, 'coalesce(n.sent_at, n.failed_at, n.created_at)', s.window)])}
       GROUP BY 1, 2, 3`,
      ...p.values,
    );
    const byKey = new Map<string | null, Record<Channel, Record<Outcome, number>>>();
    for (const r of rows) {
      const channels = byKey.get(r.key) ?? zeroChannels();
      channels[r.channel][r.status] = Number(r.count);
      byKey.set(r.key, channels);
    }
    return byKey;
  }

  /** Distinct accounts invited (a link made) and answering (a response given), and unsubscriptions. */
  private async citizens(s: Scope, groupBy: GroupBy) {
    const p = new SqlParams();
    const where = scopeConditions(p, s.clip, s.filters);
    const made = during(p, 'l.created_at', s.window);
    const left = during(p, 'l.unsubscribed_at', s.window);
    // A link answers at most once a round: joined to its answers of the window, so counted by distinct ids.
    const rows = await this.deps.db.$queryRawUnsafe<{ key: string | null; invited: bigint; answering: bigint; unsubscribed: bigint }[]>(
      `SELECT ${GROUP_KEY_SQL[groupBy]} AS key,
              count(DISTINCT l.account_id) FILTER (WHERE ${made}) AS invited,
              count(DISTINCT l.account_id) FILTER (WHERE r.id IS NOT NULL) AS answering,
              count(DISTINCT l.id) FILTER (WHERE ${left}) AS unsubscribed
       FROM invitation_link l
       JOIN invitation i ON i.id = l.invitation_id
       JOIN receipt rc ON rc.id = i.receipt_id
       JOIN organization o ON o.id = rc.organization_id JOIN organization_type t ON t.code = o.type_code
       LEFT JOIN response r ON r.link_id = l.id AND ${during(p, 'r.submitted_at', s.window)}
       ${whereClause([...where, `l.created_at < ${p.add(s.window.to)}`])}
       GROUP BY 1`,
      ...p.values,
    );
    return new Map(rows.map((r) => [r.key, { invited: Number(r.invited), answering: Number(r.answering), unsubscribed: Number(r.unsubscribed) }]));
  }

  /** Per integrator: receipts that arrived, late ones, and the median delay from the service day. */
  private async integrators(s: Scope): Promise<IntegratorTimeliness[]> {
    const p = new SqlParams();
    const where = scopeConditions(p, s.clip, s.filters);
    // 00:00 Moscow (UTC+3 all year) of the service day, as src/domain/receipt.ts isLate measures.
    const serviceDayStart = `((rc.service_date::timestamp AT TIME ZONE 'UTC') - interval '3 hours')`;
    const rows = await this.deps.db.$queryRawUnsafe<{ integrator: string; receipts: bigint; late: bigint; median: number | null }[]>(
      `SELECT ig.code AS integrator, count(*) AS receipts, count(*) FILTER (WHERE rc.late) AS late,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM rc.received_at - ${serviceDayStart})) / 3600 AS median
       FROM receipt rc JOIN integrator ig ON ig.id = rc.integrator_id
       JOIN organization o ON o.id = rc.organization_id JOIN organization_type t ON t.code = o.type_code
       ${whereClause([...where, during(p, 'rc.received_at', s.window)])}
       GROUP BY ig.code ORDER BY ig.code`,
      ...p.values,
    );
    return rows.map((r) => {
      const receipts = Number(r.receipts);
      const late = Number(r.late);
      return {
        integrator: r.integrator,
        receipts,
        late,
        latePercent: receipts > 0 ? Math.round((late / receipts) * 1000) / 10 : null,
        medianDelayHours: r.median === null ? null : Math.round(Number(r.median) * 10) / 10,
      };
    });
  }

  /** Organisations of the scope that sent no receipt in the window, by code; a deactivated one is not expected to. */
  private async silent(s: Scope, limit: number | null): Promise<{ total: number; organizations: SilentOrganization[] }> {
    const p = new SqlParams();
    const where = scopeConditions(p, s.clip, s.filters);
    const rows = await this.deps.db.$queryRawUnsafe<{ code: string; name: string; region: string; type: string; total: bigint }[]>(
      `SELECT o.code, o.name, o.region_code AS region, o.type_code AS type, count(*) OVER () AS total
       FROM organization o JOIN organization_type t ON t.code = o.type_code
       ${whereClause([...where, 'o.deactivated_at IS NULL', `NOT EXISTS (SELECT 1 FROM receipt rc WHERE rc.organization_id = o.id AND ${during(p, 'rc.received_at', s.window)})`])}
       ORDER BY o.code LIMIT ${p.add(limit)}`,
      ...p.values,
    );
    return {
      total: Number(rows[0]?.total ?? 0),
      organizations: rows.map((r) => ({ code: r.code, name: r.name, region: r.region, organizationType: r.type })),
    };
  }
}

interface Scope {
  clip: ReportClip;
  filters: FilterCodes;
  window: Window;
}

/** `column` inside the window: [from, to), or before `to` since the start. */
function during(p: SqlParams, column: string, w: Window): string {
  const upper = `${column} < ${p.add(w.to)}`;
  return w.from ? `(${column} >= ${p.add(w.from)} AND ${upper})` : `(${column} IS NOT NULL AND ${upper})`;
}

function whereClause(conditions: string[]): string {
  return conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
}

function zeroOutcomes(): Record<Outcome, number> {
  return { sent: 0, failed: 0, pending: 0, skipped: 0 };
}

function zeroChannels(): Record<Channel, Record<Outcome, number>> {
  return { email: zeroOutcomes(), portal: zeroOutcomes() };
}
