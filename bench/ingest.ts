/**
 * Benchmark, not a test: how fast receipts get in, against what the servers can do bare.
 *
 *   npm run bench:ingest        (npx tsx bench/ingest.ts)
 *
 * One run on the same servers: a scratch database on the local PostgreSQL (migrated, seeded,
 * dropped at the end), a Temporal dev server (in memory, free ports) and the product as in
 * production: `src/main.ts worker` (the worker and the reconciler) and `src/main.ts api`, each
 * its own process, running the whole time. Phases, each figure printed with its ratio to B_T:
 *
 *   B_T     bare client.workflow.start, 64 in flight, a workflow type on a task queue nobody polls
 *   B_P     bare multi-row INSERT of receipt rows (1,000 a statement)
 *   batch   POST /v1/receipts/batch, 1,000 a request, one request at a time (accounts confirmed first)
 *   single  POST /v1/receipts, 32 concurrent keep-alive clients: receipts/s, p50/p99;
 *           then open-loop at half that rate: p50/p99
 *   drain   the reconciler starting the workflows of 20,000 receipts stored while Temporal was
 *           unreachable (inserted as such, workflow_started_at NULL, an hour old)
 *
 * and the CPU of each process (API, worker, Temporal, the scratch database's backends, this
 * process as the load generator) and of the whole machine during each phase.
 *
 * Environment: BENCH_BT_STARTS=3000, BENCH_BP_ROWS=20000, BENCH_BATCHES=10 (requests of
 * 1,000), BENCH_SINGLE_S=20, BENCH_HALF_S=15, BENCH_DRAIN=20000, BENCH_DRAIN_TIMEOUT_S=300 (the
 * figure is then what was started in that time), BENCH_ORGS=300,
 * DATABASE_POOL_MAX (the API's and worker's pool, default 10).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { cpus, loadavg } from 'node:os';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { loadConfig } from '../src/config';
import { createApiKey } from '../src/keys';
import { runMigrate } from '../src/runtime';
import { makeSnils } from '../test/helpers/people';
import { exited, freePort, isListening, spawnProduct, until, type Proc } from '../test/helpers/processes';
import { findBinary } from '../test/helpers/temporal';
import { sample, usage, type CpuSample, type Group } from './lib/cpu';
import { fmt, insertOrganizations, ms, percentile, withScratchDatabase } from './lib/scratch-db';

const num = (name: string, fallback: number) => {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number`);
  return Math.floor(v);
};
const BT_STARTS = num('BENCH_BT_STARTS', 3_000);
const BT_IN_FLIGHT = 64;
const BP_ROWS = num('BENCH_BP_ROWS', 20_000);
const BATCHES = num('BENCH_BATCHES', 10);
const BATCH_SIZE = 1_000;
const SINGLE_CLIENTS = 32;
const SINGLE_MS = num('BENCH_SINGLE_S', 20) * 1000;
const HALF_MS = num('BENCH_HALF_S', 15) * 1000;
const WARMUP_MS = 2_000;
const DRAIN = num('BENCH_DRAIN', 20_000);
const DRAIN_TIMEOUT_MS = num('BENCH_DRAIN_TIMEOUT_S', 300) * 1000;
const ORGS = num('BENCH_ORGS', 300);
const POOL = num('DATABASE_POOL_MAX', 10);
const PII_HASH_KEY = 'bench-ingest-pii-hash-key-0123456789abcdef';

interface Figure {
  name: string;
  count: number;
  seconds: number;
  perSecond: number;
  latency?: string;
  note?: string;
  cpu?: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 128, maxFreeSockets: 128 });

function post(origin: URL, path: string, key: string, body: unknown): Promise<{ status: number; body: string }> {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: origin.hostname, port: origin.port, path, method: 'POST', agent,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': payload.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Today in Moscow: a receipt posted the day of its service is not late. */
const today = () => new Date(Date.now() + 3 * 3600_000).toISOString().slice(0, 10);

function receiptBody(externalId: string, organization: string, snils: string) {
  return {
    externalId,
    organization,
    service: { kind: 'one_time', date: today() },
    recipient: { lastName: 'Иванова', firstName: 'Анна', middleName: 'Петровна', birthDate: '1980-04-01', snils },
    representatives: [],
  };
}

function startTemporal(port: number, httpPort: number, metricsPort: number): ChildProcess {
  const cli = findBinary('TEMPORAL_CLI_PATH', 'temporal') ?? 'temporal';
  // In memory (no --db-filename): nothing here needs a restart.
  return spawn(cli, ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port),
    '--http-port', String(httpPort), '--metrics-port', String(metricsPort), '--log-level', 'error'], { stdio: 'ignore' });
}

async function main(): Promise<void> {
  const t0 = process.hrtime.bigint();
  console.log(`bench/ingest: ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at the start`);
  await withScratchDatabase('bench_ingest', 4, async ({ db, sql, name, url }) => {
    const temporalPort = await freePort();
    const temporal = startTemporal(temporalPort, await freePort(), await freePort());
    const procs: Proc[] = [];
    // Ctrl-C or a fatal error exits through withScratchDatabase without this finally: the
    // servers this run started go with it.
    const killAll = () => {
      for (const p of procs) p.proc.kill('SIGKILL');
      temporal.kill('SIGKILL');
    };
    process.once('exit', killAll);
    try {
      await until('Temporal listening', () => isListening(temporalPort), 30_000);
      const apiPort = await freePort();
      const env: Record<string, string> = {
        DATABASE_URL: url,
        TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
        PII_HASH_KEY,
        LOG_LEVEL: 'warn',
        MAIL_TRANSPORT: 'outbox',
        DATABASE_POOL_MAX: String(POOL),
        // The drain is picked up within a second; a receipt whose start failed in an earlier
        // phase is left alone for 10 minutes, so that each phase's count of those is its own.
        RECONCILE_INTERVAL_SECONDS: '1',
        RECONCILE_GRACE_SECONDS: '600',
      };
      const config = loadConfig({ ...process.env, ...env });
      await runMigrate(config, pino({ level: 'warn' }));
      const worker = spawnProduct('src/main.ts', ['worker'], { ...env, METRICS_PORT: String(await freePort()), TEMPORAL_METRICS_PORT: String(await freePort()) });
      const api = spawnProduct('src/main.ts', ['api'], { ...env, PORT: String(apiPort), HOST: '127.0.0.1', METRICS_PORT: String(await freePort()) });
      procs.push(worker, api);
      const origin = new URL(`http://127.0.0.1:${apiPort}`);
      await until('the API ready', async () => (await fetch(new URL('/ready', origin)).then((r) => r.status, () => 0)) === 200, 120_000).catch((err: Error) => {
        throw new Error(`${err.message}\n${api.log.join('').slice(-2000)}\n${worker.log.join('').slice(-2000)}`);
      });

      // The worker polls once it has bundled its workflows (webpack: many seconds of CPU).
      const probe = await Connection.connect({ address: `127.0.0.1:${temporalPort}` });
      await until('the worker polling', async () => {
        const q = await probe.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: config.temporal.taskQueue }, taskQueueType: 1 });
        return (q.pollers?.length ?? 0) > 0;
      }, 180_000).catch((err: Error) => {
        throw new Error(`${err.message}\n${worker.log.join('').slice(-2000)}`);
      });
      await probe.close();

      await insertOrganizations(sql, ORGS);
      const orgs = (await sql.query<{ code: string; id: string }>('SELECT code, id FROM organization ORDER BY code')).rows;
      const integrator = (await createApiKey(db, { role: 'integrator', name: 'bench', integrator: 'bench', sectors: ['mse', 'health', 'education', 'sport'] })).key;
      const admin = (await createApiKey(db, { role: 'admin', name: 'bench-admin' })).key;
      const integratorId = (await db.integrator.findUniqueOrThrow({ where: { code: 'bench' } })).id;

      const backends = async () =>
        (await sql.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [name])).rows.map((r) => r.pid);
      const groups: Record<string, Group> = {
        api: { root: api.proc.pid! },
        worker: { root: worker.proc.pid! },
        temporal: { root: temporal.pid! },
        postgres: { pids: backends },
        bench: { pids: async () => [process.pid] },
      };
      const cpuLine = (a: CpuSample, b: CpuSample) => {
        const u = usage(a, b);
        const ours = [...u.groups.values()].reduce((s, v) => s + v, 0);
        const other = Math.max(0, u.machineBusy * u.cores - ours);
        return [...u.groups].map(([g, v]) => `${g} ${v.toFixed(0)}%`).join(', ') +
          `; machine ${u.machineBusy.toFixed(0)}% of ${u.cores} cores, of which others ${other.toFixed(0)}% of a core`;
      };
      const measure = async <T>(run: () => Promise<T>) => {
        const a = await sample(groups);
        const t = process.hrtime.bigint();
        const result = await run();
        const seconds = ms(t) / 1000;
        const b = await sample(groups);
        return { result, seconds, cpu: cpuLine(a, b) };
      };
      const figures: Figure[] = [];
      const show = (f: Figure) => {
        figures.push(f);
        console.log(`  ${f.name}: ${f.count} in ${fmt(f.seconds)} s = ${fmt(f.perSecond)}/s${f.latency ? `, ${f.latency}` : ''}${f.note ? ` (${f.note})` : ''}`);
        if (f.cpu) console.log(`    CPU (100% = one core): ${f.cpu}`);
      };
      console.log(`scratch database ${name}; Temporal dev server 127.0.0.1:${temporalPort}; API ${origin.origin} and worker up, pool ${POOL}, after ${fmt(ms(t0) / 1000)} s\n`);

      // B_T: what Temporal takes, bare.
      const connection = await Connection.connect({ address: `127.0.0.1:${temporalPort}` });
      const client = new Client({ connection });
      const bt = await measure(async () => {
        const run = randomBytes(4).toString('hex');
        let next = 0;
        await Promise.all(Array.from({ length: BT_IN_FLIGHT }, async () => {
          for (let i = next++; i < BT_STARTS; i = next++) {
            await client.workflow.start('benchNoop', { taskQueue: 'bench-nobody-polls', workflowId: `bt-${run}-${i}`, args: [] });
          }
        }));
      });
      await connection.close();
      const B_T = BT_STARTS / bt.seconds;
      show({ name: `B_T     bare workflow.start, ${BT_IN_FLIGHT} in flight`, count: BT_STARTS, seconds: bt.seconds, perSecond: B_T, cpu: bt.cpu });

      // B_P: what PostgreSQL takes, bare: receipt rows, 1,000 a statement.
      const bp = await measure(async () => {
        for (let done = 0; done < BP_ROWS; done += BATCH_SIZE) {
          const n = Math.min(BATCH_SIZE, BP_ROWS - done);
          const ids = Array.from({ length: n }, () => randomUUID());
          await sql.query(
            `INSERT INTO receipt (id, integrator_id, external_id, body_hash, organization_id, service_kind, service_date, minor, late, received_at, workflow_started_at)
             SELECT id, $1, ext, h, org, 'one_time', $5::date, false, false, now(), now()
             FROM unnest($2::uuid[], $3::text[], $4::text[], $6::uuid[]) AS t(id, ext, h, org)`,
            [integratorId, ids, ids.map((_, i) => `BP-${done + i}`), ids.map(() => randomBytes(32).toString('hex')), today(),
              ids.map((_, i) => orgs[(done + i) % orgs.length].id)],
          );
        }
      });
      show({ name: 'B_P     bare multi-row INSERT, 1,000 receipt rows a statement', count: BP_ROWS, seconds: bp.seconds, perSecond: BP_ROWS / bp.seconds, cpu: bp.cpu });

      // The batch endpoint: the citizens' accounts confirmed first, then one request at a time.
      const total = BATCHES * BATCH_SIZE;
      const citizens = Array.from({ length: total }, () => makeSnils());
      for (let i = 0; i < total; i += 500) {
        const accounts = citizens.slice(i, i + 500).map((s) => ({ snils: s.formatted, email: `c${s.bare}@example.test`, confirmed: true }));
        const res = await post(origin, '/v1/accounts', admin, { accounts });
        if (res.status !== 200) throw new Error(`accounts: HTTP ${res.status} ${res.body.slice(0, 300)}`);
      }
      const statuses = new Map<string, number>();
      const batch = await measure(async () => {
        for (let b = 0; b < BATCHES; b++) {
          const receipts = Array.from({ length: BATCH_SIZE }, (_, i) => {
            const n = b * BATCH_SIZE + i;
            return receiptBody(`BATCH-${n}`, orgs[n % orgs.length].code, citizens[n].formatted);
          });
          const res = await post(origin, '/v1/receipts/batch', integrator, { receipts });
          if (res.status !== 200) throw new Error(`batch: HTTP ${res.status} ${res.body.slice(0, 300)}`);
          for (const r of (JSON.parse(res.body) as { results: { status: string }[] }).results) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        }
      });
      // A receipt counts once its workflow started: one whose start failed is left to the reconciler.
      const unstarted = await db.receipt.count({ where: { externalId: { startsWith: 'BATCH-' }, workflowStartedAt: null } });
      show({
        name: `batch   POST /v1/receipts/batch, ${BATCH_SIZE} a request, sequential`, count: total - unstarted, seconds: batch.seconds, perSecond: (total - unstarted) / batch.seconds,
        note: `${[...statuses].map(([s, n]) => `${n} ${s}`).join(', ')}; ${unstarted} of them without a workflow after, not counted`, cpu: batch.cpu,
      });

      // The single endpoint: 32 clients as fast as they go, then open-loop at half that rate.
      let serial = 0;
      const single = async () => {
        const n = serial++;
        const t = performance.now();
        const res = await post(origin, '/v1/receipts', integrator, receiptBody(`SINGLE-${n}`, orgs[n % orgs.length].code, makeSnils().formatted)).catch(
          (err: Error) => ({ status: 0, body: err.message }),
        );
        return { status: res.status, ms: performance.now() - t };
      };
      const closed = await measure(async () => {
        const latencies: number[] = [];
        let errors = 0;
        const start = performance.now();
        const measureFrom = start + WARMUP_MS;
        const stopAt = measureFrom + SINGLE_MS;
        let firstMeasured = Infinity;
        await Promise.all(Array.from({ length: SINGLE_CLIENTS }, async () => {
          while (performance.now() < stopAt) {
            const began = performance.now();
            const r = await single();
            if (began < measureFrom) continue;
            firstMeasured = Math.min(firstMeasured, began);
            latencies.push(r.ms);
            if (r.status !== 202) errors++;
          }
        }));
        return { latencies, errors, window: (performance.now() - Math.min(firstMeasured, measureFrom)) / 1000 };
      });
      const unstartedSingle = async () => db.receipt.count({ where: { externalId: { startsWith: 'SINGLE-' }, workflowStartedAt: null } });
      const closedUnstarted = await unstartedSingle();
      // As for the batch: a receipt counts once its workflow started (its start is on the request's path).
      const singleRate = (closed.result.latencies.length - closedUnstarted) / closed.result.window;
      const lat = (xs: number[]) => {
        const s = [...xs].sort((a, b) => a - b);
        return `p50 ${fmt(percentile(s, 50))} ms, p99 ${fmt(percentile(s, 99))} ms`;
      };
      show({
        name: `single  POST /v1/receipts, ${SINGLE_CLIENTS} concurrent keep-alive clients`, count: closed.result.latencies.length - closedUnstarted, seconds: closed.result.window, perSecond: singleRate,
        latency: lat(closed.result.latencies),
        note: `${closed.result.latencies.length} answered, ${closed.result.errors} not 202; ${closedUnstarted} without a workflow after (start failed: left to the reconciler), not counted; ${WARMUP_MS / 1000} s warm-up excluded`,
        cpu: closed.cpu,
      });
      const halfRate = Math.max(1, singleRate / 2);
      const open = await measure(async () => {
        const latencies: number[] = [];
        let errors = 0;
        const count = Math.max(1, Math.round((halfRate * HALF_MS) / 1000));
        const start = performance.now();
        const inFlight: Promise<void>[] = [];
        for (let i = 0; i < count; i++) {
          const due = start + (i * 1000) / halfRate;
          const wait = due - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          inFlight.push(single().then((r) => {
            latencies.push(r.ms);
            if (r.status !== 202) errors++;
          }));
        }
        await Promise.all(inFlight);
        return { latencies, errors };
      });
      show({
        name: `single  POST /v1/receipts, open loop at half that rate (${fmt(halfRate)}/s)`, count: open.result.latencies.length, seconds: open.seconds,
        perSecond: open.result.latencies.length / open.seconds, latency: lat(open.result.latencies),
        note: `${open.result.errors} not 202; ${(await unstartedSingle()) - closedUnstarted} without a workflow after`, cpu: open.cpu,
      });

      // The reconciler: a backlog left by a Temporal outage (stored, no workflow, an hour old).
      await sql.query(
        `WITH o AS (SELECT array_agg(id ORDER BY code) AS a FROM organization),
         r AS (
           INSERT INTO receipt (id, integrator_id, external_id, body_hash, organization_id, service_kind, service_date, minor, late, received_at)
           SELECT gen_random_uuid(), $1, 'DRAIN-' || n, md5('drain' || n), o.a[1 + n % cardinality(o.a)], 'one_time', $3::date, false, false, now() - interval '1 hour'
           FROM generate_series(1, $2::int) n, o
           RETURNING id),
         p AS (INSERT INTO receipt_person (receipt_id, position, role, snils_hash) SELECT id, 0, 'recipient', md5(id::text) FROM r)
         INSERT INTO invitation (id, receipt_id, updated_at) SELECT gen_random_uuid(), id, now() FROM r`,
        [integratorId, DRAIN, today()],
      );
      const left = async () =>
        (await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM receipt WHERE workflow_started_at IS NULL AND external_id LIKE 'DRAIN-%'`)).rows[0].n;
      const drain = await measure(async () => {
        // On a machine too busy to finish, what it did in DRAIN_TIMEOUT is the figure.
        await until('the backlog drained', async () => (await left()) === 0, DRAIN_TIMEOUT_MS).catch(() => undefined);
        return DRAIN - (await left());
      });
      show({
        name: `drain   the reconciler starting ${DRAIN} stored receipts' workflows`, count: drain.result, seconds: drain.seconds, perSecond: drain.result / drain.seconds, cpu: drain.cpu,
        note: `${drain.result < DRAIN ? `only ${drain.result} in the ${DRAIN_TIMEOUT_MS / 1000} s allowed; ` : ''}picked up within its 1 s interval`,
      });

      console.log('\n=== summary (ratios to B_T of this run) ===');
      for (const f of figures) {
        console.log(`${f.name.padEnd(80)} ${fmt(f.perSecond).padStart(7)}/s  ${(f.perSecond / B_T).toFixed(2).padStart(6)} × B_T${f.latency ? `  ${f.latency}` : ''}${f.note ? `  (${f.note})` : ''}`);
      }
      console.log(`machine: ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at the end (1/5/15 min)`);
      const lines = [...api.log, ...worker.log].join('').split('\n');
      const failed = lines.filter((l) => /"level":(50|60)/.test(l));
      if (failed.length) console.log(`errors logged by the product: ${failed.length}, e.g. ${failed[0].slice(0, 300)}`);
      const reasons = new Map<string, number>();
      for (const l of lines.filter((x) => x.includes('workflow starts failed'))) {
        const reason = (/"error":"([^"]*)"/.exec(l)?.[1] ?? '?').slice(0, 80);
        reasons.set(reason, (reasons.get(reason) ?? 0) + Number(/"failed":(\d+)/.exec(l)?.[1] ?? 1));
      }
      if (reasons.size > 0) {
        const n = [...reasons.values()].reduce((a, b) => a + b, 0);
        console.log(`workflow starts that failed (left to the reconciler), all phases: ${n}: ${[...reasons].map(([r, k]) => `${k}× ${r}`).join('; ')}`);
      }
    } finally {
      agent.destroy();
      for (const p of procs) p.proc.kill('SIGTERM');
      await Promise.all(procs.map((p) => Promise.race([exited(p.proc), new Promise((r) => setTimeout(r, 15_000))])));
      for (const p of procs) if (p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill('SIGKILL');
      temporal.kill('SIGTERM');
      await Promise.race([exited(temporal), new Promise((r) => setTimeout(r, 10_000))]);
      process.off('exit', killAll);
    }
  });
  console.log(`\ntotal: ${fmt(ms(t0) / 1000)} s`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
