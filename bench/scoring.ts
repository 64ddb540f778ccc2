/**
 * Benchmark, not a test: the quarterly scoring of a quarter with 1,000,000 responses against
 * the equivalent single raw SQL aggregate over the same rows.
 *
 *   npx tsx bench/scoring.ts
 *
 * A scratch database (migrated, seeded, dropped at the end, also on an error or Ctrl-C) gets
 * realistic raw rows generated set-based in SQL: organisations over the 30 seeded regions
 * and 5 types (sizes skewed: a few big hospitals, many small schools), receipts,
 * invitations, accounts, links, rounds and responses. Then, 3 times each, alternately:
 *   (a) the real activity, createScoringActivities({ db }).computeSnapshots({ final: true }),
 *       with the time of each statement it runs inside its transaction;
 *   (b) one SELECT computing per organisation what the snapshot's coverage and satisfaction
 *       need (responses: count, score sum and sum of squares, item sums and counts; rounds:
 *       notified count) from the same rows with the same filters, no insert.
 * When (a) takes more than 2× (b), or with BENCH_EXPLAIN=1, it prints EXPLAIN (ANALYZE,
 * BUFFERS) of the activity's statements (captured as the activity sent them) and of (b).
 *
 * Sizes (environment): BENCH_ORGS=5000, BENCH_RESPONSES=1000000 (answered rounds of the
 * quarter), BENCH_NOTIFIED=1300000 (rounds notified in the quarter, answered ones included),
 * BENCH_NO_ROUND=200000 (receipts of the quarter whose invitation never got a round: no
 * account, or pending), BENCH_LONG_SHARE=0.08 (notified invitations that are long services
 * with a first round, answered, in 2025-Q4: their quarter round is round 2), BENCH_RUNS=3.
 *
 * The data is loaded the way pg_restore does it (keys, indexes and foreign keys of the bulk
 * tables dropped, rows inserted, everything re-created and so re-checked), then VACUUM
 * ANALYZE and CHECKPOINT, so that the timings see settled, analysed tables.
 */
import { cpus, loadavg } from 'node:os';
import type { Client } from 'pg';
import type { Db } from '../src/db/client';
import { periodBounds } from '../src/domain/periods';
import { ITEM_KEYS } from '../src/domain/questionnaire';
import { createScoringActivities } from '../activities/scoring';
import { fmt, insertOrganizations, median, ms, serverSettings, withScratchDatabase } from './lib/scratch-db';

const PERIOD = '2026-Q2';
const HISTORY_START = '2025-10-01T00:00:00+03:00'; // 2025-Q4, Moscow
const int = (name: string, fallback: number) => {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a non-negative number`);
  return Math.floor(v);
};
const ORGS = int('BENCH_ORGS', 5_000);
const RESPONSES = int('BENCH_RESPONSES', 1_000_000);
const NOTIFIED = Math.max(int('BENCH_NOTIFIED', 1_300_000), RESPONSES);
const NO_ROUND = int('BENCH_NO_ROUND', 200_000);
const LONG_SHARE = Number(process.env.BENCH_LONG_SHARE ?? 0.08);
const RUNS = Math.max(1, int('BENCH_RUNS', 3));
const EXPLAIN = process.env.BENCH_EXPLAIN === '1';

const { start, end } = periodBounds(PERIOD);

// ---------- data ----------

/**
 * One staging row per receipt: its ids, organisation, kind and instants, so that every
 * table below is one INSERT … SELECT and agrees with the others (FKs stay enforced).
 * Rows 1..NOTIFIED have a round notified in the quarter; 1..RESPONSES of them are answered.
 */
const STAGING = `
CREATE UNLOGGED TABLE bench_g AS
SELECT b.n, b.receipt_id, b.invitation_id, b.link_id, b.long, b.notified, b.answered, b.cancelled, b.late, b.minor,
       md5('account' || (1 + b.n % $7::int))::uuid AS account_id,
       o.id AS organization_id, o.region_code,
       CASE WHEN b.notified THEN b.t END AS notified_at,
       CASE WHEN b.notified THEN date_trunc('milliseconds', b.t - b.d_open) END AS opened_at,
       CASE WHEN b.answered THEN date_trunc('milliseconds', b.t + b.f_sub * least(interval '30 days', $2::timestamptz - b.t)) END AS submitted_at,
       CASE WHEN b.long THEN b.h + interval '1 day'
            WHEN b.notified THEN date_trunc('milliseconds', b.t - b.d_open) END AS activated_at,
       CASE WHEN b.long THEN b.h
            WHEN b.notified THEN date_trunc('milliseconds', b.t - b.d_open - b.d_recv)
            ELSE b.t END AS received_at,
       b.h AS history_at
FROM (
  SELECT n,
         gen_random_uuid() AS receipt_id,
         gen_random_uuid() AS invitation_id,
         CASE WHEN n <= $4 THEN gen_random_uuid() END AS link_id,
         -- skewed sizes: organisation 1 gets ~0.7 % of everything, the last ones ~0.01 %
         1 + floor($3::int * power(random(), 1.7))::int AS org_n,
         n <= $4 AND random() < $6 AS long,
         n <= $4 AS notified,
         n <= $5 AS answered,
         random() < 0.01 AS cancelled,
         random() < 0.05 AS late,
         random() < 0.15 AS minor,
         -- notified_at for rows with a round, received_at for the others: uniform over the quarter
         date_trunc('milliseconds', $1::timestamptz + random() * ($2::timestamptz - $1::timestamptz)) AS t,
         random() * interval '2 days' AS d_open,
         interval '1 day' + random() * interval '3 days' AS d_recv,
         random() AS f_sub,
         date_trunc('milliseconds', $8::timestamptz + random() * interval '75 days') AS h
  FROM generate_series(1, $4::int + $9::int) n
) b
JOIN organization o ON o.code = '90' || lpad(b.org_n::text, 11, '0')`;

const ITEM_VALUE = (k: string) =>
  k === 'overall'
    ? `(1 + floor(5 * sqrt(random())))::smallint AS ${k}` // always answered
    : `CASE WHEN random() < 0.08 THEN NULL ELSE (1 + floor(5 * sqrt(random())))::smallint END AS ${k}`;

const GENERATE: { label: string; sql: string }[] = [
  {
    label: 'integrator',
    sql: `INSERT INTO integrator (id, code) SELECT gen_random_uuid(), 'mis-' || code FROM region ON CONFLICT (code) DO NOTHING`,
  },
  {
    label: 'receipt',
    sql: `INSERT INTO receipt (id, integrator_id, external_id, body_hash, organization_id, service_kind, service_date, service_end,
                               minor, late, status, received_at, cancelled_at, workflow_started_at)
          SELECT receipt_id, i.id, 'bench-' || n, md5(n::text), organization_id,
                 CASE WHEN long THEN 'long' ELSE 'one_time' END::service_kind,
                 (received_at AT TIME ZONE 'Europe/Moscow')::date - CASE WHEN long THEN 30 ELSE 1 END,
                 CASE WHEN long THEN (received_at AT TIME ZONE 'Europe/Moscow')::date + 335 END,
                 minor, late, CASE WHEN cancelled THEN 'cancelled' ELSE 'active' END::receipt_status,
                 received_at, CASE WHEN cancelled THEN received_at + interval '3 days' END, received_at + interval '1 second'
          FROM bench_g JOIN integrator i ON i.code = 'mis-' || bench_g.region_code`,
  },
  {
    label: 'invitation',
    sql: `INSERT INTO invitation (id, receipt_id, status, round, activated_at, closes_at, closed_at, close_reason, updated_at)
          SELECT invitation_id, receipt_id,
                 CASE WHEN NOT notified THEN CASE WHEN n % 4 = 0 THEN 'pending' ELSE 'no_account' END
                      WHEN answered AND NOT long THEN 'closed' ELSE 'active' END::invitation_status,
                 CASE WHEN NOT notified THEN 0 WHEN long THEN 2 ELSE 1 END,
                 activated_at,
                 opened_at + interval '1 month',
                 CASE WHEN answered AND NOT long THEN submitted_at END,
                 CASE WHEN answered AND NOT long THEN 'completed' END::close_reason,
                 coalesce(submitted_at, notified_at, received_at)
          FROM bench_g`,
  },
  {
    label: 'account',
    sql: `INSERT INTO account (id, snils_hash, email, confirmed, updated_at)
          SELECT md5('account' || k)::uuid, md5('snils' || k), 'citizen' || k || '@example.test', true, now()
          FROM generate_series(1, $1::int) k`,
  },
  {
    label: 'invitation_link',
    sql: `INSERT INTO invitation_link (id, invitation_id, account_id, token_nonce, token_hash, created_at)
          SELECT link_id, invitation_id, account_id, md5('nonce' || n), md5('token' || n), coalesce(history_at, opened_at)
          FROM bench_g WHERE notified`,
  },
  {
    label: 'invitation_round',
    sql: `INSERT INTO invitation_round (invitation_id, round, opened_at, notified_at, completed_at)
          SELECT invitation_id, CASE WHEN long THEN 2 ELSE 1 END, opened_at, notified_at, submitted_at FROM bench_g WHERE notified
          UNION ALL
          SELECT invitation_id, 1, history_at + interval '1 day', history_at + interval '25 hours', history_at + interval '3 days'
          FROM bench_g WHERE long`,
  },
  {
    label: 'response',
    sql: `INSERT INTO response (id, invitation_id, round, link_id, organization_id, questionnaire_version,
                                ${ITEM_KEYS.join(', ')}, score, comment, submitted_at)
          SELECT gen_random_uuid(), invitation_id, round, link_id, organization_id, 1, ${ITEM_KEYS.join(', ')},
                 (SELECT avg(v) FROM unnest(ARRAY[${ITEM_KEYS.join(', ')}]) v)::float8,
                 CASE WHEN random() < 0.05 THEN 'Спасибо, всё хорошо' END, submitted_at
          FROM (
            SELECT s.*, ${ITEM_KEYS.map(ITEM_VALUE).join(', ')}
            FROM (
              SELECT invitation_id, CASE WHEN long THEN 2 ELSE 1 END AS round, link_id, organization_id, submitted_at FROM bench_g WHERE answered
              UNION ALL
              SELECT invitation_id, 1, link_id, organization_id, history_at + interval '3 days' FROM bench_g WHERE long
            ) s
          ) x`,
  },
];

/** The tables bulk-loaded below: their keys, indexes and foreign keys are set aside meanwhile. */
const BULK = ['receipt', 'invitation', 'account', 'invitation_link', 'invitation_round', 'response'];

/** Every constraint and index of the schema, to check it is restored exactly as migrated. */
const SCHEMA_FINGERPRINT = `
SELECT md5(string_agg(d, E'\n' ORDER BY d)) AS fingerprint, count(*) AS objects FROM (
  SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) AS d FROM pg_constraint WHERE connamespace = 'public'::regnamespace
  UNION ALL
  SELECT indexrelid::regclass || ' ' || pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid::regclass::text NOT LIKE 'pg_%'
    AND indrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace)
) x`;

/**
 * Loads the way pg_restore does: the bulk tables' foreign keys, keys and indexes are
 * dropped, the rows inserted set-based, then everything is re-created from its own
 * definition; re-adding each primary key, unique key and foreign key makes Postgres check
 * all the rows against it, and the fingerprint checks the schema is back as migrated.
 */
async function generate(sql: Client): Promise<void> {
  const accounts = Math.max(1, Math.round(NOTIFIED * 0.85));
  const step = async (label: string, text: string, params: unknown[] = []) => {
    const t0 = process.hrtime.bigint();
    const r = await sql.query(text, params);
    console.log(`  ${label.padEnd(26)} ${String(r.rowCount ?? '').padStart(9)} rows  ${fmt(ms(t0) / 1000)} s`);
  };
  const before = (await sql.query(SCHEMA_FINGERPRINT)).rows[0];
  const tOrg = process.hrtime.bigint();
  const orgs = await insertOrganizations(sql, ORGS);
  console.log(`  ${'organization'.padEnd(26)} ${String(orgs).padStart(9)} rows  ${fmt(ms(tOrg) / 1000)} s`);

  // Set aside: foreign keys touching a bulk table, then its primary and unique keys, then its other indexes.
  const { rows: fks } = await sql.query<{ tbl: string; name: string; def: string }>(
    `SELECT conrelid::regclass::text AS tbl, conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint
     WHERE contype = 'f' AND (conrelid::regclass::text = ANY($1) OR confrelid::regclass::text = ANY($1))`, [BULK]);
  const { rows: keys } = await sql.query<{ tbl: string; name: string; def: string }>(
    `SELECT conrelid::regclass::text AS tbl, conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint
     WHERE contype IN ('p', 'u') AND conrelid::regclass::text = ANY($1)`, [BULK]);
  const { rows: indexes } = await sql.query<{ name: string; def: string }>(
    `SELECT indexrelid::regclass::text AS name, pg_get_indexdef(indexrelid) AS def FROM pg_index
     WHERE indrelid::regclass::text = ANY($1) AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = indexrelid)`, [BULK]);
  for (const f of fks) await sql.query(`ALTER TABLE ${f.tbl} DROP CONSTRAINT "${f.name}"`);
  for (const k of keys) await sql.query(`ALTER TABLE ${k.tbl} DROP CONSTRAINT "${k.name}"`);
  for (const i of indexes) await sql.query(`DROP INDEX ${i.name}`);

  await step('staging (bench_g)', STAGING, [start, end, ORGS, NOTIFIED, RESPONSES, LONG_SHARE, accounts, HISTORY_START, NO_ROUND]);
  for (const g of GENERATE) await step(g.label, g.sql, g.label === 'account' ? [accounts] : []);
  await sql.query('DROP TABLE bench_g');

  await sql.query(`SET maintenance_work_mem = '512MB'`); // this session only: index builds
  const tKeys = process.hrtime.bigint();
  for (const k of keys) await sql.query(`ALTER TABLE ${k.tbl} ADD CONSTRAINT "${k.name}" ${k.def}`);
  for (const i of indexes) await sql.query(i.def);
  console.log(`  ${`${keys.length} keys, ${indexes.length} indexes`.padEnd(26)} ${''.padStart(9)}       ${fmt(ms(tKeys) / 1000)} s`);
  const tFks = process.hrtime.bigint();
  for (const f of fks) await sql.query(`ALTER TABLE ${f.tbl} ADD CONSTRAINT "${f.name}" ${f.def}`);
  console.log(`  ${`${fks.length} foreign keys (checked)`.padEnd(26)} ${''.padStart(9)}       ${fmt(ms(tFks) / 1000)} s`);
  await sql.query('RESET maintenance_work_mem');
  const after = (await sql.query(SCHEMA_FINGERPRINT)).rows[0];
  if (after.fingerprint !== before.fingerprint) throw new Error('the schema was not restored as migrated after the bulk load');
  console.log(`  schema restored as migrated (${after.objects} constraints and indexes, fingerprint ${String(after.fingerprint).slice(0, 8)})`);

  // Production tables are vacuumed and analysed by autovacuum; here explicitly, so that the
  // timed runs neither set hint bits nor wait on a checkpoint.
  await step('VACUUM ANALYZE', 'VACUUM ANALYZE');
  await step('CHECKPOINT', 'CHECKPOINT');
}

// ---------- (b) the raw aggregate ----------

/** Per organisation, what coverage and satisfaction need, from the same rows with the same filters; no insert. */
const RAW_AGGREGATE = `
SELECT coalesce(an.organization_id, n.organization_id) AS organization_id, coalesce(n.notified, 0) AS notified, an.*
FROM (
  SELECT a.organization_id, count(*) AS completed, sum(a.score) AS score_sum, sum(a.score * a.score) AS score_sum_sq,
         ${ITEM_KEYS.map((k) => `coalesce(sum(a.${k}), 0) AS ${k}_sum, count(a.${k}) AS ${k}_count`).join(', ')}
  FROM response a JOIN invitation i ON i.id = a.invitation_id JOIN receipt r ON r.id = i.receipt_id
  WHERE r.status = 'active' AND a.submitted_at >= $1 AND a.submitted_at < $2
  GROUP BY a.organization_id
) an
FULL JOIN (
  SELECT r.organization_id, count(*) AS notified
  FROM invitation_round ir JOIN invitation i ON i.id = ir.invitation_id JOIN receipt r ON r.id = i.receipt_id
  WHERE r.status = 'active' AND ir.notified_at >= $1 AND ir.notified_at < $2
  GROUP BY r.organization_id
) n ON n.organization_id = an.organization_id`;

// ---------- (a) the activity, with each statement of its transaction timed ----------

interface Traced {
  label: string;
  ms: number;
  sql?: string;
  params?: unknown[];
}

const labelOf = (sql: string) => {
  const s = sql.replace(/\s+/g, ' ').trim();
  if (s.startsWith('SELECT pg_advisory_xact_lock')) return 'advisory lock';
  if (s.startsWith('CREATE TEMP TABLE previous_snapshot')) return 'copy previous (temp table)';
  if (s.startsWith('DELETE FROM indicator_snapshot')) return 'delete old snapshots';
  if (s.startsWith('WITH arrived') || s.includes('INSERT INTO indicator_snapshot')) return 'INSERT … SELECT snapshots';
  if (s.startsWith('SELECT o.code AS organization')) return 'diff (audit)';
  return s.slice(0, 40);
};

/** The Prisma client, with the raw statements inside `$transaction` timed and recorded. */
function tracing(db: Db, log: Traced[]): Db {
  const timed = (label: (args: unknown[]) => string, fn: (...args: unknown[]) => Promise<unknown>, keep: boolean) =>
    async (...args: unknown[]) => {
      const t0 = process.hrtime.bigint();
      try {
        return await fn(...args);
      } finally {
        const entry: Traced = { label: label(args), ms: ms(t0) };
        if (keep && typeof args[0] === 'string') Object.assign(entry, { sql: args[0], params: args.slice(1) });
        log.push(entry);
      }
    };
  const wrapTx = (tx: object) =>
    new Proxy(tx, {
      get(target, prop) {
        const value = Reflect.get(target, prop) as unknown;
        if (typeof value !== 'function') return value;
        const bound = (value as (...a: unknown[]) => Promise<unknown>).bind(target);
        if (prop === '$executeRawUnsafe' || prop === '$queryRawUnsafe') return timed((a) => labelOf(a[0] as string), bound, true);
        if (prop === '$executeRaw' || prop === '$queryRaw') return timed((a) => labelOf((a[0] as string[]).join('?')), bound, false);
        return bound;
      },
    });
  return new Proxy(db, {
    get(target, prop) {
      const value = Reflect.get(target, prop) as unknown;
      if (prop === '$transaction') {
        return (fn: (tx: object) => Promise<unknown>, options: unknown) =>
          (target.$transaction as (f: (tx: object) => Promise<unknown>, o: unknown) => Promise<unknown>)((tx) => fn(wrapTx(tx)), options);
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

async function explain(sql: Client, title: string, text: string, params: unknown[]): Promise<void> {
  const { rows } = await sql.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS, SETTINGS) ${text}`, params);
  console.log(`\n--- EXPLAIN (ANALYZE, BUFFERS) ${title} ---`);
  for (const r of rows) console.log(r['QUERY PLAN']);
}

// ---------- main ----------

async function main(): Promise<void> {
  const t0 = process.hrtime.bigint();
  console.log(`bench/scoring: ${PERIOD} (${start.toISOString()} .. ${end.toISOString()}), ${RUNS} runs each`);
  await withScratchDatabase('bench_scoring', 10, async ({ db, sql, name }) => {
    console.log(`scratch database: ${name}; created, migrated and seeded in ${fmt(ms(t0) / 1000)} s`);
    console.log(`postgres: ${(await serverSettings(sql)).join(', ')}`);

    console.log(`\ndata generation (set-based SQL): ${ORGS} organisations, ${NOTIFIED} rounds notified in ${PERIOD} of which ${RESPONSES} answered, ` +
      `${NO_ROUND} receipts without a round, long services ${LONG_SHARE * 100} % (first round answered in 2025-Q4)`);
    const tGen = process.hrtime.bigint();
    await generate(sql);
    const genSeconds = ms(tGen) / 1000;
    const counts = (await sql.query(`
      SELECT (SELECT count(*) FROM organization) AS organization, (SELECT count(*) FROM receipt) AS receipt,
             (SELECT count(*) FROM invitation) AS invitation, (SELECT count(*) FROM account) AS account,
             (SELECT count(*) FROM invitation_link) AS invitation_link, (SELECT count(*) FROM invitation_round) AS invitation_round,
             (SELECT count(*) FROM response) AS response,
             (SELECT count(*) FROM response WHERE submitted_at >= $1 AND submitted_at < $2) AS responses_in_quarter,
             (SELECT count(*) FROM invitation_round WHERE notified_at >= $1 AND notified_at < $2) AS notified_in_quarter,
             (SELECT pg_size_pretty(pg_database_size(current_database()))) AS database_size`, [start, end])).rows[0];
    console.log(`data generation: ${fmt(genSeconds)} s  (${Object.entries(counts).map(([k, v]) => `${k}=${v}`).join(', ')})`);

    // (a) and (b) alternate, so that load from elsewhere on the machine falls on both alike.
    const aTimes: number[] = [];
    const bTimes: number[] = [];
    let lastTrace: Traced[] = [];
    console.log(`\n(a) computeSnapshots({ period: '${PERIOD}', final: true, trigger: 'admin' }) and (b) the raw aggregate, alternately:`);
    for (let i = 1; i <= RUNS; i++) {
      const trace: Traced[] = [];
      const activity = createScoringActivities({ db: tracing(db, trace) });
      let t = process.hrtime.bigint();
      const result = await activity.computeSnapshots({ period: PERIOD, final: true, trigger: 'admin' });
      aTimes.push(ms(t));
      lastTrace = trace;
      console.log(`  (a) run ${i}: ${fmt(aTimes[i - 1])} ms  (organizations=${result.organizations}, changed=${result.changed})  ` +
        trace.map((x) => `${x.label} ${fmt(x.ms)}`).join(' | '));
      t = process.hrtime.bigint();
      const rows = await db.$queryRawUnsafe<unknown[]>(RAW_AGGREGATE, start, end);
      bTimes.push(ms(t));
      console.log(`  (b) run ${i}: ${fmt(bTimes[i - 1])} ms  (${rows.length} rows)`);
    }

    const aMin = Math.min(...aTimes);
    const bMin = Math.min(...bTimes);
    const aMed = median(aTimes);
    const bMed = median(bTimes);
    console.log('\n=== summary ===');
    console.log(`postgres:              ${(await serverSettings(sql)).join(', ')}`);
    console.log(`machine:               ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} (1/5/15 min; other work on the machine skews both timings)`);
    console.log(`data generation:       ${fmt(genSeconds)} s for ${counts.responses_in_quarter} responses / ${counts.notified_in_quarter} notified rounds in ${PERIOD} (database ${counts.database_size})`);
    console.log(`(a) scoring activity:  min ${fmt(aMin)} ms, median ${fmt(aMed)} ms  (runs: ${aTimes.map(fmt).join(', ')})`);
    console.log(`(b) raw SQL aggregate: min ${fmt(bMin)} ms, median ${fmt(bMed)} ms  (runs: ${bTimes.map(fmt).join(', ')})`);
    console.log(`ratio (a)/(b):         ${(aMin / bMin).toFixed(2)}× by min, ${(aMed / bMed).toFixed(2)}× by median  (target ≤ 2×: ${aMed / bMed <= 2 ? 'met' : 'NOT met'})`);

    if (EXPLAIN || aMed / bMed > 2) {
      // The activity's own statements as it sent them, replayed in a transaction rolled back.
      const insert = lastTrace.find((s) => s.label === 'INSERT … SELECT snapshots');
      const diff = lastTrace.find((s) => s.label === 'diff (audit)');
      if (insert?.sql) {
        await sql.query('BEGIN');
        try {
          await explain(sql, 'copy previous (temp table)', 'CREATE TEMP TABLE previous_snapshot ON COMMIT DROP AS SELECT * FROM indicator_snapshot WHERE period = $1', [PERIOD]);
          await explain(sql, 'delete old snapshots', 'DELETE FROM indicator_snapshot WHERE period = $1', [PERIOD]);
          await explain(sql, 'the activity\'s INSERT … SELECT', insert.sql, insert.params ?? []);
          if (diff?.sql) await explain(sql, 'the activity\'s diff', diff.sql, diff.params ?? []);
        } finally {
          await sql.query('ROLLBACK');
        }
      }
      await explain(sql, '(b) raw aggregate', RAW_AGGREGATE, [start, end]);
    }
  });
  console.log(`\ntotal: ${fmt(ms(t0) / 1000)} s`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
