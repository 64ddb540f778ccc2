/**
 * Benchmark, not a test: latency of GET /v1/reports/indicators under 50 concurrent clients.
 *
 *   npx tsx bench/reports.ts
 *
 * A scratch database (migrated, seeded, dropped at the end, also on an error or Ctrl-C) gets
 * indicator_snapshot rows inserted directly for 5,000 organisations × 5 quarters (2025-Q2 …
 * 2026-Q2, so that the asked quarter has its previous and year-ago quarters), with a final
 * scoring run per quarter. The real app is built with buildApp and the production
 * dependencies (Prisma client with production's pool size, ReportService, API keys);
 * Temporal is a stub that throws if touched, which the report routes never do. It listens
 * on 127.0.0.1 on a free port; a forked child process drives it with keep-alive HTTP:
 * a weighted mix of groupBy (federation, region, sector, organizationType, organization)
 * and filters, with a federal key and a region key, for a warm-up then a measured window.
 *
 * Environment: BENCH_CONCURRENCY=50, BENCH_WARMUP_S=10, BENCH_DURATION_S=20, BENCH_ORGS=5000,
 * BENCH_POOL=10 (the Prisma pool; production's createDb default is 10), BENCH_SCENARIOS (a
 * regular expression: only the scenarios whose name matches), BENCH_REPORTS_CACHE=0 (every
 * request computed afresh: the service's answer cache off).
 */
import { fork } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client as PgClient } from 'pg';
import type { AddressInfo } from 'node:net';
import type { Client as TemporalClient } from '@temporalio/client';
import { buildApp } from '../src/api/app';
import { createServices } from '../src/composition';
import { loadConfig } from '../src/config';
import { REGULATION_POLICY } from '../src/domain/policy';
import { ITEM_KEYS } from '../src/domain/questionnaire';
import { createApiKey } from '../src/keys';
import { OutboxMailer } from '../src/mail/outbox-mailer';
import type { LoadPlan, LoadResult, Scenario } from './lib/load-client';
import { fmt, insertOrganizations, ms, percentile, serverSettings, withScratchDatabase } from './lib/scratch-db';

const num = (name: string, fallback: number) => {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number`);
  return v;
};
const CONCURRENCY = Math.floor(num('BENCH_CONCURRENCY', 50));
const WARMUP_MS = num('BENCH_WARMUP_S', 10) * 1000;
const DURATION_MS = num('BENCH_DURATION_S', 20) * 1000;
const ORGS = Math.floor(num('BENCH_ORGS', 5_000));
const POOL = Math.floor(num('BENCH_POOL', 10));
/** BENCH_REPORTS_CACHE=0 measures every request computed afresh (the service's answer cache off). */
const CACHE = process.env.BENCH_REPORTS_CACHE !== '0';
const VARIANT = CACHE ? 'with its answer cache' : 'without its answer cache (BENCH_REPORTS_CACHE=0)';
/** A regular expression: only the scenarios whose name matches (for investigations). */
const ONLY = process.env.BENCH_SCENARIOS ? new RegExp(process.env.BENCH_SCENARIOS) : null;

const PERIODS = ['2025-Q2', '2025-Q3', '2025-Q4', '2026-Q1', '2026-Q2'];
const ASKED = ['2026-Q2', '2026-Q2', '2026-Q2', '2026-Q2', '2026-Q1']; // mostly the latest quarter
const REGION = '42';
const silent = { info() {}, warn() {}, error() {} };

/** Temporal is not needed by the report routes: any use fails loudly instead of hanging. */
const noTemporal = new Proxy({}, {
  get(_target, prop) {
    if (prop === 'then' || typeof prop === 'symbol') return undefined;
    throw new Error(`bench/reports has no Temporal client (${String(prop)} was used)`);
  },
}) as TemporalClient;

/**
 * One final snapshot per organisation and quarter, with plausible additive sums: sizes
 * skewed (mean ~200 responses a quarter, ~9 % below the small-numbers threshold of 5), mean
 * satisfaction per organisation between 3.6 and 4.8, items answered ~92 % of the time.
 */
const SNAPSHOTS = `
WITH runs AS (
  INSERT INTO scoring_run (id, period, final, trigger, status, started_at, finished_at, organizations, changed, changes)
  SELECT gen_random_uuid(), p, true, 'schedule', 'completed',
         (p_start + interval '3 months 1 hour'), (p_start + interval '3 months 1 hour 5 minutes'), $1::int, $1::int, '[]'::jsonb
  FROM unnest($2::text[]) p, LATERAL (SELECT make_timestamptz(left(p, 4)::int, (right(p, 1)::int - 1) * 3 + 1, 1, 0, 0, 0, 'Europe/Moscow') AS p_start) s
  RETURNING id, period, finished_at
)
INSERT INTO indicator_snapshot (period, organization_id, region_code, type_code, sector, final, computed_at, run_id,
  receipts, late, no_account, activated, notified, completed, score_sum, score_sum_sq,
  ${ITEM_KEYS.map((k) => `${k}_sum, ${k}_count`).join(', ')})
SELECT period, organization_id, region_code, type_code, sector, true, finished_at, run_id,
       n + a, round((n + a) * 0.05)::int, a, n, n, c, c * m, c * (m * m + 0.5),
       ${ITEM_KEYS.map((k) => (k === 'overall'
         ? `round(c * least(5, m + 0.1))::int, c`
         : `round(c * 0.92 * least(5, m + (random() - 0.5) * 0.6))::int, round(c * 0.92)::int`)).join(', ')}
FROM (
  SELECT *, c + floor(c * 0.3 * u)::int + floor(5 * v)::int AS n, floor(c * 0.15 * v)::int AS a
  FROM (
    SELECT runs.period, runs.finished_at, runs.id AS run_id, o.id AS organization_id, o.region_code, o.type_code, t.sector,
           floor(600 * power(random(), 2))::int AS c, 3.6 + 1.2 * random() AS m, random() AS u, random() AS v
    FROM organization o JOIN organization_type t ON t.code = o.type_code CROSS JOIN runs
  ) r0
) r1`;

interface Org {
  code: string;
  region_code: string;
  type_code: string;
}

function scenarios(keys: { federal: string; region: string }, orgs: Org[], regions: string[], types: string[]): Scenario[] {
  const sectors = ['mse', 'health', 'education', 'sport'];
  const local = orgs.filter((o) => o.region_code === REGION);
  const q = (query: string) => ASKED.map((p) => `period=${p}&${query}`);
  const each = <T>(list: T[], f: (x: T) => string) => list.flatMap((x) => q(f(x)));
  const sample = <T>(list: T[], n: number) => list.filter((_, i) => i % Math.max(1, Math.floor(list.length / n)) === 0).slice(0, n);
  const federal = (name: string, weight: number, queries: string[]): Scenario => ({ name: `federal ${name}`, weight, key: keys.federal, queries });
  const region = (name: string, weight: number, queries: string[]): Scenario => ({ name: `region ${name}`, weight, key: keys.region, queries });
  return [
    federal('groupBy=federation', 10, q('groupBy=federation')),
    federal('groupBy=federation&sector=S', 3, each(sectors, (s) => `groupBy=federation&sector=${s}`)),
    federal('groupBy=region', 10, q('groupBy=region')),
    federal('groupBy=region&sector=S', 5, each(sectors, (s) => `groupBy=region&sector=${s}`)),
    federal('groupBy=sector', 6, q('groupBy=sector')),
    federal('groupBy=organizationType', 6, q('groupBy=organizationType')),
    federal('groupBy=organizationType&region=R', 6, each(regions, (r) => `groupBy=organizationType&region=${r}`)),
    federal('groupBy=organization&region=R', 8, each(regions, (r) => `groupBy=organization&region=${r}`)),
    federal('groupBy=organization&region=R&organizationType=T', 8,
      regions.flatMap((r) => types.flatMap((t) => q(`groupBy=organization&region=${r}&organizationType=${t}`)))),
    federal('groupBy=organization&organization=C', 6, each(sample(orgs, 500), (o) => `groupBy=organization&organization=${o.code}`)),
    federal('groupBy=organization (all 5,000)', 1, q('groupBy=organization')),
    region('groupBy=region', 6, q('groupBy=region')),
    region('groupBy=sector&region=42', 4, q(`groupBy=sector&region=${REGION}`)),
    region('groupBy=organizationType', 5, q('groupBy=organizationType')),
    region('groupBy=organization', 8, q('groupBy=organization')),
    region('groupBy=organization&organizationType=T', 6, each(types, (t) => `groupBy=organization&organizationType=${t}`)),
    region('groupBy=organization&organization=C', 4, each(local, (o) => `groupBy=organization&organization=${o.code}`)),
  ];
}

async function main(): Promise<void> {
  const t0 = process.hrtime.bigint();
  console.log(`bench/reports: GET /v1/reports/indicators, ${CONCURRENCY} concurrent clients, ${WARMUP_MS / 1000} s warm-up + ${DURATION_MS / 1000} s measured`);
  await withScratchDatabase('bench_reports', POOL, async ({ db, sql, name, url }) => {
    console.log(`scratch database: ${name}; created, migrated and seeded in ${fmt(ms(t0) / 1000)} s`);
    console.log(`postgres: ${(await serverSettings(sql)).join(', ')}`);

    const tGen = process.hrtime.bigint();
    await insertOrganizations(sql, ORGS);
    const inserted = await sql.query(SNAPSHOTS, [ORGS, PERIODS]);
    await sql.query('VACUUM ANALYZE');
    console.log(`data: ${ORGS} organisations, ${inserted.rowCount} indicator_snapshot rows (${PERIODS.join(', ')}), a final scoring run each, in ${fmt(ms(tGen) / 1000)} s`);

    const config = loadConfig({
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'silent',
      DATABASE_URL: url,
      // What a production start requires; the bench sends no e-mail and serves on loopback.
      MAIL_TRANSPORT: 'outbox',
      PUBLIC_BASE_URL: 'http://127.0.0.1',
      PII_HASH_KEY: process.env.PII_HASH_KEY ?? 'bench-pii-hash-key-0123456789abcdef0123456789',
    });
    const services = createServices(config, { db, client: noTemporal, log: silent }, {
      policy: REGULATION_POLICY, mailer: new OutboxMailer(db, silent), ...(!CACHE && { reportCacheEntries: 0 }),
    });
    const app = await buildApp({ ...services, temporalHealthy: async () => true });
    try {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const { port } = app.server.address() as AddressInfo;
      const origin = `http://127.0.0.1:${port}`;
      const keys = {
        federal: (await createApiKey(db, { role: 'federal', name: 'bench-federal' })).key,
        region: (await createApiKey(db, { role: 'region', name: 'bench-region-42', regions: [REGION] })).key,
      };
      const orgs = (await sql.query<Org>('SELECT code, region_code, type_code FROM organization ORDER BY code')).rows;
      const regions = (await sql.query<{ code: string }>('SELECT code FROM region ORDER BY code')).rows.map((r) => r.code);
      const types = (await sql.query<{ code: string }>('SELECT code FROM organization_type ORDER BY code')).rows.map((r) => r.code);
      const plan: LoadPlan = {
        origin,
        path: '/v1/reports/indicators',
        concurrency: CONCURRENCY,
        warmupMs: WARMUP_MS,
        durationMs: DURATION_MS,
        scenarios: scenarios(keys, orgs, regions, types).filter((x) => !ONLY || ONLY.test(x.name)),
        seed: 20260401,
      };

      // Every scenario answers 200 with rows before the load starts.
      console.log(`\napp listening on ${origin} (Prisma pool ${POOL}, ReportService ${VARIANT}); one request per scenario first:`);
      for (const s of plan.scenarios) {
        const t = process.hrtime.bigint();
        const res = await fetch(`${origin}${plan.path}?${s.queries[0]}`, { headers: { authorization: `Bearer ${s.key}` } });
        const body = (await res.json()) as { rows?: unknown[]; title?: string };
        if (res.status !== 200 || !body.rows?.length) throw new Error(`${s.name}: HTTP ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
        console.log(`  ${s.name.padEnd(58)} weight ${String(s.weight).padStart(2)}  ${String(body.rows.length).padStart(4)} rows  ${fmt(ms(t)).padStart(6)} ms`);
      }

      const { result, cpu } = await runLoad(plan, sql, name);
      report(plan, result, cpu);
    } finally {
      await app.close();
    }
  });
  console.log(`\ntotal: ${fmt(ms(t0) / 1000)} s`);
}

/** The patched service must answer the first queries of every scenario exactly as the real one. */

/** CPU time (ms) of the Postgres backends serving the scratch database, from /proc (local server only). */
async function backendCpuMs(sql: PgClient, database: string): Promise<Map<number, number> | null> {
  const { rows } = await sql.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
  const ticks = 100; // USER_HZ on Linux
  const out = new Map<number, number>();
  try {
    for (const { pid } of rows) {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
      if (!stat) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(pid, ((Number(fields[11]) + Number(fields[12])) / ticks) * 1000);
    }
  } catch {
    return null;
  }
  return out.size > 0 ? out : null;
}

interface CpuWindow {
  serverMs: number;
  postgresMs: number | null;
}

/**
 * Runs bench/lib/load-client.ts in a child process (same tsx loader) and waits for its
 * result, sampling this process's and the Postgres backends' CPU over the measured window.
 */
function runLoad(plan: LoadPlan, sql: PgClient, database: string): Promise<{ result: LoadResult; cpu: CpuWindow }> {
  return new Promise((resolve, reject) => {
    const child = fork(join(__dirname, 'lib', 'load-client.ts'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: LoadResult | undefined;
    let cpu: CpuWindow | undefined;
    let serverAtStart = process.cpuUsage();
    let pgAtStart: Promise<Map<number, number> | null> = Promise.resolve(null);
    const stop = () => child.kill('SIGTERM');
    process.once('exit', stop);
    child.on('message', (m: { type: string }) => {
      if (m.type === 'measuring') {
        serverAtStart = process.cpuUsage();
        pgAtStart = backendCpuMs(sql, database);
        return;
      }
      result = m as LoadResult;
      const server = process.cpuUsage(serverAtStart);
      void Promise.all([pgAtStart, backendCpuMs(sql, database)]).then(([before, after]) => {
        let postgresMs: number | null = null;
        if (before && after) postgresMs = [...after].reduce((sum, [pid, t]) => sum + t - (before.get(pid) ?? 0), 0);
        cpu = { serverMs: (server.user + server.system) / 1000, postgresMs };
      });
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      process.off('exit', stop);
      const wait = async () => {
        for (let i = 0; i < 50 && !cpu; i++) await new Promise((r) => setTimeout(r, 20));
        if (result && cpu) resolve({ result, cpu });
        else reject(new Error(`the load generator exited with ${code} and no result`));
      };
      void wait();
    });
    child.send(plan);
  });
}

function report(plan: LoadPlan, r: LoadResult, cpu: CpuWindow): void {
  const all = r.scenarios.flatMap((s) => s.latenciesMs).sort((a, b) => a - b);
  const errors = r.scenarios.reduce((n, s) => n + s.errors, 0);
  const line = (xs: number[]) =>
    `p50 ${fmt(percentile(xs, 50)).padStart(6)} ms  p90 ${fmt(percentile(xs, 90)).padStart(6)} ms  p99 ${fmt(percentile(xs, 99)).padStart(6)} ms  max ${fmt(xs[xs.length - 1] ?? NaN).padStart(6)} ms`;
  console.log(`\nby scenario (measured window):`);
  for (const s of r.scenarios) {
    const xs = [...s.latenciesMs].sort((a, b) => a - b);
    const kb = xs.length ? s.bytes / xs.length / 1024 : 0;
    console.log(`  ${s.name.padEnd(58)} ${String(xs.length).padStart(6)} req  ${line(xs)}  ${fmt(kb).padStart(5)} KiB/resp  errors ${s.errors}`);
  }
  console.log('\n=== summary ===');
  console.log(`machine:     ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} (1/5/15 min; server, Postgres and load generator share them)`);
  console.log(`service:     ReportService ${VARIANT}`);
  console.log(`load:        ${plan.concurrency} concurrent keep-alive clients, ${plan.warmupMs / 1000} s warm-up (${r.warmupRequests} requests, excluded), ${fmt(r.measuredMs / 1000)} s measured`);
  console.log(`requests:    ${all.length}  (${fmt(all.length / (r.measuredMs / 1000))} requests/s)`);
  console.log(`latency:     ${line(all)}`);
  const per = (t: number) => `${fmt(t / 1000)} s = ${fmt(t / Math.max(1, all.length))} ms/request`;
  console.log(`CPU:         server (this node process) ${per(cpu.serverMs)}; Postgres backends ${cpu.postgresMs === null ? 'n/a' : per(cpu.postgresMs)}; ` +
    `load generator ${fmt(r.clientCpuMs / 1000)} s  (of ${fmt((cpus().length * r.measuredMs) / 1000)} core-s in the window)`);
  console.log(`errors:      ${errors}${r.errorSamples.length ? `  e.g. ${r.errorSamples.join('; ')}` : ''}`);
  console.log(`target:      p99 < 50 ms: ${percentile(all, 99) < 50 ? 'met' : 'NOT met'}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
