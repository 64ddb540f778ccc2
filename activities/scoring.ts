/**
 * Quarterly scoring, set-based: one SQL statement sums every organisation's quarter from
 * the raw rows (receipts with their invitations, rounds, responses) into indicator
 * snapshots; the levels above the organisation are sums of those rows (see
 * src/services/reports.ts). A recomputation keeps an audit of what it changed.
 */
import { Context } from '@temporalio/activity';
import type { Db } from '../src/db/client';
import type { Metrics } from '../src/metrics';
import { ITEM_KEYS } from '../src/domain/questionnaire';
import { MAX_PERIODS_BETWEEN, comparePeriods, periodBounds, periodOf, periodsBetween, shiftPeriod, type Period } from '../src/domain/periods';

/** The snapshot's additive columns, compared by the audit. */
const METRICS = [
  'receipts', 'late', 'no_account', 'activated', 'notified', 'completed', 'score_sum', 'score_sum_sq',
  ...ITEM_KEYS.flatMap((k) => [`${k}_sum`, `${k}_count`]),
];
const MAX_AUDITED_CHANGES = 500;
/** Twice the scoring activity's start-to-close timeout (workflows/scoring.ts). */
const ABANDONED_AFTER_MS = 2 * 60 * 60_000;

/**
 * A score is the mean of at most ITEM_KEYS.length answers, so score × lcm(1..n) is a whole
 * number. Summing those integers is exact and independent of row order (a float sum is
 * not), so recomputing unchanged data gives identical bits and the audit sees no phantom
 * change, without sorting the rows.
 */
const SCORE_UNIT = Array.from({ length: ITEM_KEYS.length }, (_, i) => i + 1).reduce((a, b) => (a * b) / gcd(a, b));
function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

// $1 period, $2 start, $3 end, $4 final, $5 run id, $6 computed at. Cancelled receipts leave the indicators.
// A plain SELECT (into a temporary table) rather than INSERT … SELECT: Postgres plans only
// the former in parallel (bench/scoring.ts measured 2.6× the raw aggregate before, ~1× after).
const inQuarter = (column: string) => `(${column} >= $2 AND ${column} < $3)`;
const SELECT_SNAPSHOTS = `
WITH funnel AS (
  SELECT r.organization_id,
         count(*) FILTER (WHERE ${inQuarter('r.received_at')}) AS receipts,
         count(*) FILTER (WHERE ${inQuarter('r.received_at')} AND r.late) AS late,
         count(*) FILTER (WHERE ${inQuarter('r.received_at')} AND i.status = 'no_account') AS no_account,
         count(*) FILTER (WHERE ${inQuarter('i.activated_at')}) AS activated
  FROM receipt r LEFT JOIN invitation i ON i.receipt_id = r.id
  WHERE r.status = 'active' AND (${inQuarter('r.received_at')} OR ${inQuarter('i.activated_at')})
  GROUP BY r.organization_id
), notified AS (
  SELECT r.organization_id, count(*) AS notified
  FROM invitation_round ir JOIN invitation i ON i.id = ir.invitation_id JOIN receipt r ON r.id = i.receipt_id
  WHERE r.status = 'active' AND ${inQuarter('ir.notified_at')}
  GROUP BY r.organization_id
), answered AS (
  SELECT a.organization_id, count(*) AS completed,
         sum(round(a.score * ${SCORE_UNIT})::bigint)::float8 / ${SCORE_UNIT} AS score_sum,
         sum(round(a.score * ${SCORE_UNIT})::bigint * round(a.score * ${SCORE_UNIT})::bigint)::float8 / ${SCORE_UNIT * SCORE_UNIT} AS score_sum_sq,
         ${ITEM_KEYS.map((k) => `coalesce(sum(a.${k}), 0) AS ${k}_sum, count(a.${k}) AS ${k}_count`).join(', ')}
  FROM response a
  WHERE ${inQuarter('a.submitted_at')}
    AND NOT EXISTS (SELECT 1 FROM invitation i JOIN receipt r ON r.id = i.receipt_id WHERE i.id = a.invitation_id AND r.status <> 'active')
  GROUP BY a.organization_id
)
SELECT $1::varchar AS period, o.id AS organization_id, o.region_code, o.type_code, t.sector, $4::boolean AS final,
       $6::timestamptz AS computed_at, $5::uuid AS run_id,
       coalesce(f.receipts, 0) AS receipts, coalesce(f.late, 0) AS late, coalesce(f.no_account, 0) AS no_account,
       coalesce(f.activated, 0) AS activated, coalesce(n.notified, 0) AS notified, coalesce(an.completed, 0) AS completed,
       coalesce(an.score_sum, 0) AS score_sum, coalesce(an.score_sum_sq, 0) AS score_sum_sq,
       ${ITEM_KEYS.map((k) => `coalesce(an.${k}_sum, 0) AS ${k}_sum, coalesce(an.${k}_count, 0) AS ${k}_count`).join(', ')}
FROM organization o
JOIN organization_type t ON t.code = o.type_code
LEFT JOIN funnel f ON f.organization_id = o.id
LEFT JOIN notified n ON n.organization_id = o.id
LEFT JOIN answered an ON an.organization_id = o.id
WHERE f.organization_id IS NOT NULL OR n.organization_id IS NOT NULL OR an.organization_id IS NOT NULL`;
const SNAPSHOT_COLUMNS = `period, organization_id, region_code, type_code, sector, final, computed_at, run_id, ${METRICS.join(', ')}`;

const metricsJson = (alias: string) => `jsonb_build_object(${METRICS.map((m) => `'${m}', ${alias}.${m}`).join(', ')})`;
const DIFF = `
SELECT o.code AS organization,
       CASE WHEN p.organization_id IS NULL THEN NULL ELSE ${metricsJson('p')} END AS before,
       CASE WHEN n.organization_id IS NULL THEN NULL ELSE ${metricsJson('n')} END AS after,
       count(*) OVER () AS total
FROM (SELECT * FROM indicator_snapshot WHERE period = $1) n
FULL JOIN previous_snapshot p ON p.organization_id = n.organization_id
JOIN organization o ON o.id = coalesce(n.organization_id, p.organization_id)
WHERE p.organization_id IS NULL OR n.organization_id IS NULL
   OR (${METRICS.map((m) => `p.${m}`).join(', ')}) IS DISTINCT FROM (${METRICS.map((m) => `n.${m}`).join(', ')})
ORDER BY o.code
LIMIT ${MAX_AUDITED_CHANGES}`;

export interface ScoringResult {
  runId: string;
  period: Period;
  final: boolean;
  organizations: number;
  changed: number;
  /** A provisional run for a quarter that already has final values does nothing. */
  skipped: boolean;
}

/** How often a long activity tells Temporal it is alive (its heartbeat timeout is a minute). */
export const HEARTBEAT_EVERY_MS = 10_000;

/**
 * Heartbeats while `work` runs, so that a worker killed mid-run is noticed within the
 * heartbeat timeout and the activity is retried then, not after its hour-long time limit.
 * Outside an activity (benchmarks, tests calling it directly) it just awaits the work.
 */
export async function heartbeatWhile<T>(work: Promise<T>, everyMs = HEARTBEAT_EVERY_MS): Promise<T> {
  let context: Context;
  try {
    context = Context.current();
  } catch {
    return work;
  }
  context.heartbeat();
  const timer = setInterval(() => context.heartbeat(), everyMs);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

export function createScoringActivities({ db, clock = () => new Date(), metrics }: {
  db: Db;
  clock?: () => Date | Promise<Date>;
  /** feedback_scoring_run_seconds, by final/provisional and status. */
  metrics?: Pick<Metrics, 'scoringRunSeconds'>;
}) {
  /** (Re)computes a quarter's snapshots in one transaction, recording the run and what it changed. */
  async function computeSnapshots(input: {
    period: Period;
    final: boolean;
    trigger: 'schedule' | 'backfill' | 'admin' | 'provisional';
    workflowId?: string;
  }): Promise<ScoringResult> {
    const { period, final } = input;
    const { start, end } = periodBounds(period);
    const timer = metrics?.scoringRunSeconds.startTimer({ final: String(final) });
    const now = await clock();
    // A run still 'running' after twice the activity's time limit died with its worker.
    await db.scoringRun.updateMany({
      where: { period, status: 'running', startedAt: { lt: new Date(now.getTime() - ABANDONED_AFTER_MS) } },
      data: { status: 'failed', finishedAt: now, error: 'abandoned: its worker stopped before it finished' },
    });
    const run = await db.scoringRun.create({
      data: { period, final, trigger: input.trigger, workflowId: input.workflowId ?? null, startedAt: now },
    });
    try {
      const result = await heartbeatWhile(db.$transaction(
        async (tx) => {
          await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`scoring:${period}`}))`;
          if (!final && (await tx.indicatorSnapshot.count({ where: { period, final: true } })) > 0) {
            return { organizations: 0, changed: 0, changes: [], skipped: true };
          }
          await tx.$executeRawUnsafe('CREATE TEMP TABLE previous_snapshot ON COMMIT DROP AS SELECT * FROM indicator_snapshot WHERE period = $1', period);
          await tx.$executeRawUnsafe(`CREATE TEMP TABLE new_snapshot ON COMMIT DROP AS ${SELECT_SNAPSHOTS}`, period, start, end, final, run.id, now);
          await tx.$executeRawUnsafe('DELETE FROM indicator_snapshot WHERE period = $1', period);
          const organizations = await tx.$executeRawUnsafe(
            `INSERT INTO indicator_snapshot (${SNAPSHOT_COLUMNS}) SELECT ${SNAPSHOT_COLUMNS} FROM new_snapshot`,
          );
          const changes = await tx.$queryRawUnsafe<{ organization: string; before: object | null; after: object | null; total: bigint }[]>(DIFF, period);
          return {
            organizations,
            changed: changes.length > 0 ? Number(changes[0].total) : 0,
            changes: changes.map(({ total: _total, ...change }) => change),
            skipped: false,
          };
        },
        { timeout: 30 * 60_000, maxWait: 60_000 },
      ));
      await db.scoringRun.update({
        where: { id: run.id },
        data: {
          status: 'completed',
          finishedAt: await clock(),
          organizations: result.organizations,
          changed: result.changed,
          changes: result.changes,
          error: result.skipped ? 'skipped: the quarter already has final values' : null,
        },
      });
      timer?.({ status: result.skipped ? 'skipped' : 'completed' });
      return { runId: run.id, period, final, organizations: result.organizations, changed: result.changed, skipped: result.skipped };
    } catch (err) {
      timer?.({ status: 'failed' });
      await db.scoringRun.update({ where: { id: run.id }, data: { status: 'failed', finishedAt: await clock(), error: (err as Error).message.slice(0, 1000) } });
      throw err;
    }
  }

  /**
   * Finished quarters, from the first receipt's up to `upTo`, that have no final values
   * yet: what a missed schedule left behind.
   */
  async function missingFinalPeriods(input: { upTo: Period }): Promise<Period[]> {
    const first = await db.receipt.findFirst({ orderBy: { receivedAt: 'asc' }, select: { receivedAt: true } });
    if (!first) return [];
    const from = periodOf(first.receivedAt);
    if (comparePeriods(from, input.upTo) > 0) return [];
    const done = await db.scoringRun.findMany({
      where: { final: true, status: 'completed', error: null },
      distinct: ['period'],
      select: { period: true },
    });
    const finalised = new Set(done.map((r) => r.period));
    // Back-fill at most the last MAX_PERIODS_BETWEEN quarters: older ones need an admin run.
    const earliest = shiftPeriod(input.upTo, 1 - MAX_PERIODS_BETWEEN);
    return periodsBetween(comparePeriods(from, earliest) < 0 ? earliest : from, input.upTo).filter((p) => !finalised.has(p));
  }

  return { computeSnapshots, missingFinalPeriods };
}
