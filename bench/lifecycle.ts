/**
 * Benchmark, not a test: what one invitation costs Temporal and the worker.
 *
 *   npm run bench:lifecycle
 *
 * 1. History events per lifecycle, on the time-skipping test server with the real workflow,
 *    the real activities against a scratch PostgreSQL database and the real Resend SDK
 *    against a fake Resend (the harness of test/workflows): a one-time service answered,
 *    one expired, a minor with two representatives (one answers), and a long service
 *    through two reminder rounds and its reported end (events per run: each round is a
 *    continue-as-new run).
 * 2. Worker memory with many sleeping workflows, on a Temporal dev server: a child process
 *    runs one worker (the real workflow bundle; activities are stubs that answer at once,
 *    so that only the workflows' memory is measured) and starts one-time invitations
 *    received a day earlier with no activation delay, so each runs its activation and
 *    e-mail at once and then sleeps until its link closes a month after receipt. RSS (after a full GC) is read at BENCH_SLEEPING_STEPS
 *    sleeping workflows, once with a cache holding them all ("cached") and once with
 *    maxCachedWorkflows from WORKER_MAX_CACHED_WORKFLOWS (configuration; "evicted": the
 *    workflows beyond the cache are evicted and replayed on their next task).
 *
 * Environment: BENCH_SLEEPING_STEPS=5000,20000, BENCH_PART=all|events|memory,
 * BENCH_SHOW_EVENTS=1 (print every run's event types), BENCH_MEMORY_MODES=cached,evicted,
 * WORKER_MAX_CACHED_WORKFLOWS (the configured cache; 2,000 by default).
 */
import '../test/helpers/env';
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { loadConfig } from '../src/config';
import { addMoscowMonths, moscowDate } from '../src/domain/dates';
import { REGULATION_POLICY, type TimingPolicy } from '../src/domain/policy';
import { InvitationGateway } from '../src/temporal/invitations';
import { INVITATION_WORKFLOW_TYPE, invitationWorkflowId, type InvitationInput } from '../src/temporal/shared';
import { WORKFLOWS_PATH } from '../src/temporal/worker';
import { devServerEnv } from '../test/helpers/temporal';
import { createHarness, daysAgo, finished, historyRuns, invitationOf, makePerson, receivedAt, sleepUntil, withoutEmail } from '../test/workflows/harness';

const DAY = 86_400_000;
const MINUTE = 60_000;
const PART = process.env.BENCH_PART ?? 'all';
const STEPS = (process.env.BENCH_SLEEPING_STEPS ?? '5000,20000').split(',').map(Number);

// ---------- 1. history events per lifecycle ----------

/** The events of every run of a workflow, first run first (continue-as-new links them). */
async function runsOf(client: Client, workflowId: string): Promise<number[]> {
  const runs = await historyRuns(client, workflowId);
  if (process.env.BENCH_SHOW_EVENTS) runs.forEach((events, i) => console.log(`${workflowId} run ${i + 1}: ${events.map(eventName).join(' ')}`));
  return runs.map((events) => events.length);
}

/** An event's type, short ("activityTaskScheduled"): the name of the attributes it carries. */
function eventName(event: object): string {
  const key = Object.entries(event).find(([k, v]) => k.endsWith('EventAttributes') && v)?.[0] ?? 'unknown';
  return key.replace(/EventAttributes$/, '');
}

async function eventCounts(): Promise<void> {
  const h = await createHarness();
  const gateway = new InvitationGateway(h.env.client, h.taskQueue, REGULATION_POLICY, false);
  const rows: [string, string][] = [];
  try {
    const worker = await h.worker();
    await worker.runUntil(async () => {
      const oneTime = async (answered: boolean) => {
        const citizen = makePerson('1970-01-01');
        await h.account(citizen);
        const { id, workflowId } = await h.post({ service: { kind: 'one_time', date: await daysAgo(h.env, 0) }, recipient: withoutEmail(citizen) });
        const t0 = await receivedAt(h, id);
        await sleepUntil(h.env, t0 + 2 * DAY);
        if (answered) await gateway.completed(id, 1);
        else await sleepUntil(h.env, addMoscowMonths(t0, 1) + MINUTE);
        await finished(h, workflowId);
        return (await runsOf(h.env.client, workflowId))[0];
      };
      rows.push(['one-time, answered', String(await oneTime(true))]);
      rows.push(['one-time, expired', String(await oneTime(false))]);

      const [mother, father] = [makePerson('1985-01-01'), makePerson('1984-01-01')];
      await Promise.all([h.account(mother), h.account(father)]);
      const child = makePerson(new Date((await h.env.currentTimeMs()) - 9 * 365 * DAY).toISOString().slice(0, 10));
      const minor = await h.post({
        service: { kind: 'one_time', date: await daysAgo(h.env, 0) },
        recipient: withoutEmail(child),
        representatives: [withoutEmail(mother), withoutEmail(father)],
      });
      await sleepUntil(h.env, (await receivedAt(h, minor.id)) + 2 * DAY);
      await gateway.completed(minor.id, 1);
      await finished(h, minor.workflowId);
      const invited = (await invitationOf(h, minor.id)).links.length;
      rows.push([`minor, ${invited} representatives invited, one answers`, String((await runsOf(h.env.client, minor.workflowId))[0])]);

      const citizen = makePerson('1960-01-01');
      await h.account(citizen);
      const long = await h.post({ service: { kind: 'long', start: await daysAgo(h.env, 0) }, recipient: withoutEmail(citizen) });
      const t0 = await receivedAt(h, long.id);
      await sleepUntil(h.env, addMoscowMonths(t0, 12) + 2 * DAY);
      await gateway.serviceEnded(long.id, moscowDate(addMoscowMonths(t0, 12) + 10 * DAY));
      await sleepUntil(h.env, addMoscowMonths(t0, 12) + 12 * DAY);
      await finished(h, long.workflowId);
      const runs = await runsOf(h.env.client, long.workflowId);
      runs.forEach((count, i) => rows.push([
        `long service, round ${i + 1}${i === 0 ? ' (activation, e-mail, wait)' : i === runs.length - 1 ? ' (reminder, then the reported end)' : ' (reminder, wait)'}`,
        String(count),
      ]));
    });
  } finally {
    await h.close();
  }
  console.log('\nHistory events per lifecycle (time-skipping server, real activities)\n');
  printTable(['lifecycle', 'events'], rows);
}

// ---------- 2. worker memory with sleeping workflows ----------

interface MemoryReport {
  label: string;
  maxCachedWorkflows: number;
  baselineMb: number;
  points: { sleeping: number; rssMb: number; heapMb: number; externalMb: number; startsPerS: number }[];
}

async function memory(): Promise<void> {
  const config = loadConfig(process.env);
  const configured = config.worker.maxCachedWorkflows;
  const largest = Math.max(...STEPS);
  const env = await devServerEnv();
  const reports: MemoryReport[] = [];
  try {
    const modes = (process.env.BENCH_MEMORY_MODES ?? 'cached,evicted').split(',');
    for (const [label, cache] of [['cached', largest + 1_000], ['evicted', configured]] as const) {
      if (!modes.includes(label)) continue;
      reports.push(await runChild({ address: env.address, label, cache }));
    }
  } finally {
    await env.teardown();
  }
  console.log('\nWorker RSS with sleeping one-time workflows (dev server; one worker process, stub activities)\n');
  const rows: string[][] = [];
  for (const r of reports) {
    rows.push([`${r.label} (maxCachedWorkflows ${r.maxCachedWorkflows})`, '0', fmt(r.baselineMb), '', '', '']);
    for (const p of r.points) rows.push(['', String(p.sleeping), fmt(p.rssMb), fmt(p.heapMb), fmt(p.externalMb), fmt(p.startsPerS)]);
    const [first, last] = [r.points[0], r.points.at(-1)!];
    if (r.points.length > 1) {
      rows.push(['', `growth ${first.sleeping} → ${last.sleeping}`, `${fmt(((last.rssMb - first.rssMb) / first.rssMb) * 100)} %`, `${fmt(((last.heapMb - first.heapMb) / first.heapMb) * 100)} %`, '', '']);
    }
  }
  printTable(['worker', 'sleeping workflows', 'RSS MB', 'V8 heap MB', 'external MB', 'starts/s'], rows);
  console.log('(RSS after a full GC; V8 heap: heapUsed; external: memory of V8 objects held outside the heap)');
  console.log(`\nload average ${loadavg().map((l) => l.toFixed(2)).join(' ')} on ${cpus().length} cores`);
}

function runChild(args: { address: string; label: string; cache: number }): Promise<MemoryReport> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--child', JSON.stringify(args)], { execArgv: [...process.execArgv, '--expose-gc'], stdio: ['inherit', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (m) => resolve(m as MemoryReport));
    child.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`memory child exited with ${code}`))));
  });
}

/** The child: one worker, sleeping workflows started in steps, RSS after each step. */
async function child(args: { address: string; label: string; cache: number }): Promise<void> {
  const { Client: TemporalClient, Connection } = await import('@temporalio/client');
  const taskQueue = `bench-lifecycle-${args.label}-${randomUUID()}`;
  let sleeping = 0;
  const sent = new Set<string>();
  const activities = {
    activateInvitation: async () => ({ status: 'active' as const, links: 1 }),
    openRound: async (input: { receiptId: string }) => ({ notificationIds: [input.receiptId] }),
    sendNotification: async (input: { notificationId: string }) => {
      if (!sent.has(input.notificationId)) {
        sent.add(input.notificationId);
        sleeping++;
      }
      return { status: 'sent' as const };
    },
    recordNotificationFailed: async () => undefined,
    setClosesAt: async () => undefined,
    closeInvitation: async () => undefined,
  };
  const connection = await NativeConnection.connect({ address: args.address });
  const worker = await Worker.create({
    connection,
    taskQueue,
    workflowBundle: await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} } }),
    activities,
    maxCachedWorkflows: args.cache,
  });
  const running = worker.run();
  const client = new TemporalClient({ connection: await Connection.connect({ address: args.address }) });
  const policy: TimingPolicy = { ...REGULATION_POLICY, activationDelayDays: 0 };
  const report: MemoryReport = { label: args.label, maxCachedWorkflows: args.cache, baselineMb: measure().rss, points: [] };
  let started = 0;
  for (const target of STEPS) {
    const t = Date.now();
    const count = target - started;
    await mapBounded(count, 64, async () => {
      const receiptId = randomUUID();
      // Received a day ago: its activation (with its offset in the spread, at most half a day) is due at once.
      const input: InvitationInput = { receiptId, receivedAt: new Date(Date.now() - DAY).toISOString(), serviceKind: 'one_time', serviceEnd: null, policy };
      await client.workflow.start(INVITATION_WORKFLOW_TYPE, { workflowId: invitationWorkflowId(receiptId), taskQueue, args: [input] });
    });
    started = target;
    while (sleeping < target) await new Promise((r) => setTimeout(r, 200));
    const rate = count / ((Date.now() - t) / 1000);
    await new Promise((r) => setTimeout(r, 2_000)); // the last workflow tasks complete
    const m = measure();
    report.points.push({ sleeping: target, rssMb: m.rss, heapMb: m.heap, externalMb: m.external, startsPerS: rate });
  }
  worker.shutdown();
  await running;
  await client.connection.close();
  await connection.close();
  process.send!(report, () => process.exit(0));
}

function measure(): { rss: number; heap: number; external: number } {
  for (let i = 0; i < 3; i++) (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss / 1_048_576, heap: m.heapUsed / 1_048_576, external: m.external / 1_048_576 };
}

async function mapBounded(count: number, concurrency: number, fn: () => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) {
      next++;
      await fn();
    }
  }));
}

// ---------- output ----------

function fmt(n: number): string {
  return n >= 100 ? n.toFixed(0) : n.toFixed(1);
}

function printTable(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  console.log(line(head));
  console.log(`| ${widths.map((w, i) => (i === 0 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`);
  for (const r of rows) console.log(line(r));
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') return child(JSON.parse(process.argv[3]));
  if (PART === 'all' || PART === 'events') await eventCounts();
  if (PART === 'all' || PART === 'memory') await memory();
}

main().then(
  () => process.argv[2] === '--child' || process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
