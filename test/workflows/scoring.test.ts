/**
 * The quarterly scoring workflow on the time-skipping test server, run by a real worker
 * with the real activities against a fresh Postgres database holding raw rows inserted
 * directly (receipts, invitations, rounds, responses in three regions and four types). The
 * expected snapshot sums are computed in plain JS from those rows (test/helpers/scoring-data.ts),
 * never through the production SQL.
 *
 * Periods are relative to the server's clock (it starts at the real now): `P` is the last
 * finished quarter, `C` the current one. On 2026-11-23: P = 2026-Q3, C = 2026-Q4, data from
 * 2025-Q4, and the boundary events sit around 2026-03-31T21:00:00Z (the start of 2026-Q2).
 * Every test starts with no snapshots and no scoring runs; the raw rows are shared (a test
 * that corrects them updates the model too).
 */
import './quiet-worker-logs';
import { randomUUID } from 'node:crypto';
import { Client, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Worker } from '@temporalio/worker';
import { createScoringActivities, type ScoringResult } from '../../activities/scoring';
import type { ScoringInput } from '../../src/temporal/shared';
import type { quarterlyScoringWorkflow } from '../../workflows/scoring';
import {
  BOUNDARY_ORG, IDLE_ORG, answeredReceipt, auditMetrics, expectedSnapshots, generateModel, insertModel, insertReceipts,
  prng, quarterOf, sorted, storedSnapshots, type ExpectedRow, type Model, type Quarter,
} from '../helpers/scoring-data';
import { createHarness, type Harness } from './harness';

const MINUTE = 60_000;

let h: Harness;
let client: Client;
let worker: Worker;
let workerRun: Promise<void>;
let model: Model;
let now: number;
/** Four finished quarters, oldest first (first = P-3, boundary = P-1, P = last finished), and the current one. */
let Q: { first: Quarter; second: Quarter; boundary: Quarter; P: Quarter; C: Quarter; next: Quarter };
let runs = 0;

beforeAll(async () => {
  h = await createHarness();
  // A plain client: awaiting a result through env.client would let the idle server skip time.
  client = new Client({ connection: h.env.connection, namespace: h.env.namespace ?? 'default' });
  now = await h.env.currentTimeMs();
  Q = {
    first: quarterOf(now, -4), second: quarterOf(now, -3), boundary: quarterOf(now, -2), P: quarterOf(now, -1),
    C: quarterOf(now), next: quarterOf(now, 1),
  };
  model = generateModel({ first: Q.first, boundary: Q.boundary, now });
  await insertModel(h.tdb.db, model);
  worker = await h.worker();
  workerRun = worker.run();
});

afterAll(async () => {
  if (worker) {
    worker.shutdown();
    await workerRun;
  }
  await h?.close();
});

beforeEach(async () => {
  await h.tdb.db.$executeRawUnsafe('TRUNCATE indicator_snapshot, scoring_run');
});

function run(input: ScoringInput, workflowId = `scoring-test-${++runs}`): Promise<ScoringResult[]> {
  return client.workflow.execute<typeof quarterlyScoringWorkflow>('quarterlyScoringWorkflow', { taskQueue: h.taskQueue, workflowId, args: [input] });
}

const scoringRuns = () => h.tdb.db.scoringRun.findMany({ orderBy: { startedAt: 'asc' } });
const orgCode = (id: string) => model.orgs.find((o) => o.id === id)!.code;

/** `changes` of a scoring run with the float sums rounded like the expectations. */
function roundedChanges(changes: unknown): { organization: string; before: Record<string, number> | null; after: Record<string, number> | null }[] {
  const round = (m: Record<string, number> | null) =>
    m && { ...m, score_sum: Math.round(m.score_sum * 1e6) / 1e6, score_sum_sq: Math.round(m.score_sum_sq * 1e6) / 1e6 };
  return (changes as { organization: string; before: Record<string, number> | null; after: Record<string, number> | null }[])
    .map((c) => ({ organization: c.organization, before: round(c.before), after: round(c.after) }));
}

/** The audit entries expected between two sets of rows: organisations whose sums differ, by code. */
function expectedChanges(before: Map<string, ExpectedRow>, after: Map<string, ExpectedRow>) {
  const ids = new Set([...before.keys(), ...after.keys()]);
  return [...ids]
    .map((id) => ({ organization: orgCode(id), before: auditMetrics(before.get(id)), after: auditMetrics(after.get(id)) }))
    .filter((c) => JSON.stringify(c.before) !== JSON.stringify(c.after))
    .sort((a, b) => (a.organization < b.organization ? -1 : 1));
}

test('the test quarters: Moscow quarters, 2026-Q2 starting at 2026-03-31T21:00:00Z', () => {
  const q2 = quarterOf(Date.parse('2026-03-31T21:00:00.000Z'));
  expect(q2).toEqual({ label: '2026-Q2', start: Date.parse('2026-03-31T21:00:00.000Z'), end: Date.parse('2026-06-30T21:00:00.000Z') });
  expect(quarterOf(Date.parse('2026-03-31T20:59:59.999Z')).label).toBe('2026-Q1');
  expect(quarterOf(Date.parse('2025-12-31T21:00:00.000Z')).label).toBe('2026-Q1');
  expect(quarterOf(Date.parse('2025-12-31T20:59:59.999Z')).label).toBe('2025-Q4');
  expect(Q.P.end).toBeLessThanOrEqual(now);
  expect(Q.C.start).toBeLessThanOrEqual(now);
  expect(Q.C.end).toBeGreaterThan(now);
  expect(model.receipts.filter((r) => r.status === 'cancelled').length).toBeGreaterThan(0);
  expect(model.receipts.filter((r) => r.invitation?.status === 'no_account').length).toBeGreaterThan(0);
});

test('an admin run for a finished quarter writes exactly the expected snapshots and a completed scoring run', async () => {
  for (const q of [Q.first, Q.second, Q.boundary, Q.P]) {
    const expected = expectedSnapshots(model, q, true);
    expect(expected.size).toBeGreaterThanOrEqual(4);
    const workflowId = `scoring-${q.label}`;
    const [result] = await run({ trigger: 'admin', period: q.label }, workflowId);
    expect(result).toEqual({ runId: expect.any(String), period: q.label, final: true, organizations: expected.size, changed: expected.size, skipped: false });
    expect(sorted(await storedSnapshots(h.tdb.db, q.label))).toEqual(sorted(expected));

    const scoringRun = await h.tdb.db.scoringRun.findUniqueOrThrow({ where: { id: result.runId } });
    expect(scoringRun).toMatchObject({
      period: q.label, final: true, trigger: 'admin', status: 'completed', workflowId,
      organizations: expected.size, changed: expected.size, error: null,
    });
    expect(scoringRun.finishedAt!.getTime()).toBeGreaterThanOrEqual(scoringRun.startedAt.getTime());
    // The first computation audits every organisation as new (before: null).
    expect(roundedChanges(scoringRun.changes)).toEqual(expectedChanges(new Map(), expected));
    const rows = await h.tdb.db.indicatorSnapshot.findMany({ where: { period: q.label } });
    expect(new Set(rows.map((r) => r.runId))).toEqual(new Set([result.runId]));
  }
  // Organisation 5 (silent in the first quarter) has no row there; the idle one has none anywhere.
  expect((await storedSnapshots(h.tdb.db, Q.first.label)).has(model.orgs[4].id)).toBe(false);
  expect(await h.tdb.db.indicatorSnapshot.count({ where: { organizationId: model.orgs[IDLE_ORG].id } })).toBe(0);

  // The boundary organisation, by hand: B = start of the boundary quarter (21:00 UTC the day
  // before), E = start of P. 1 s / 2 ms / 1 ms before B is the quarter before; B itself is in.
  const boundary = model.orgs[BOUNDARY_ORG].id;
  const before = (await storedSnapshots(h.tdb.db, Q.second.label)).get(boundary)!;
  expect(before).toMatchObject({ receipts: 2, late: 0, noAccount: 0, activated: 1, notified: 1, completed: 1 });
  const at = (await storedSnapshots(h.tdb.db, Q.boundary.label)).get(boundary)!;
  expect(at).toMatchObject({ receipts: 2, late: 1, noAccount: 0, activated: 3, notified: 3, completed: 2, regionCode: '78', typeCode: 'general_education', sector: 'education', final: true });
  const after = (await storedSnapshots(h.tdb.db, Q.P.label)).get(boundary)!;
  expect(after).toMatchObject({ receipts: 1, late: 0, noAccount: 1, activated: 0, notified: 0, completed: 1 });
});

test('computing a quarter again from the same data changes nothing (idempotent)', async () => {
  const q = Q.boundary;
  const [first] = await run({ trigger: 'admin', period: q.label });
  const rowsFirst = await storedSnapshots(h.tdb.db, q.label);
  const [second] = await run({ trigger: 'admin', period: q.label });
  expect(second).toEqual({ runId: expect.any(String), period: q.label, final: true, organizations: first.organizations, changed: 0, skipped: false });
  expect(second.runId).not.toBe(first.runId);
  expect(await storedSnapshots(h.tdb.db, q.label)).toEqual(rowsFirst);
  expect(sorted(rowsFirst)).toEqual(sorted(expectedSnapshots(model, q, true)));
  const audit = await h.tdb.db.scoringRun.findUniqueOrThrow({ where: { id: second.runId } });
  expect(audit).toMatchObject({ status: 'completed', trigger: 'admin', changed: 0, changes: [], organizations: first.organizations });
  expect(await h.tdb.db.scoringRun.count()).toBe(2);
});

test('the same rows stored in another physical order give bit-identical sums: the audit records no change', async () => {
  // A quarter before the data (cleaned up at the end) with a dozen questionnaires of one
  // organisation, whose scores sum to different doubles forwards and backwards.
  const q = quarterOf(Q.first.start, -1);
  const org = model.orgs[IDLE_ORG].id;
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  let receipts: ReturnType<typeof answeredReceipt>[] = [];
  for (let seed = 1; seed < 100; seed++) {
    const rand = prng(seed);
    receipts = Array.from({ length: 12 }, (_, i) => answeredReceipt(org, q.start + (i + 1) * 86_400_000, q.start + (i + 3) * 86_400_000, rand));
    const scores = receipts.map((r) => r.invitation!.rounds[0].response!.score);
    if (sum(scores) !== sum([...scores].reverse())) break;
  }
  const scores = receipts.map((r) => r.invitation!.rounds[0].response!.score);
  expect(sum(scores)).not.toBe(sum([...scores].reverse()));
  const db = h.tdb.db;
  await insertReceipts(db, model, receipts);
  try {
    const [first] = await run({ trigger: 'admin', period: q.label });
    expect(first).toMatchObject({ organizations: 1, changed: 1 });
    const before = await db.indicatorSnapshot.findUniqueOrThrow({ where: { period_organizationId: { period: q.label, organizationId: org } } });
    expect(before.completed).toBe(12);
    expect(before.scoreSum).toBeCloseTo(sum(scores), 9);

    // The same responses, deleted and written back in reverse order (as a restore or a
    // VACUUM FULL may leave them): nothing a citizen answered has changed.
    const ids = receipts.map((r) => r.invitation!.rounds[0].response!.id);
    const rows = await db.response.findMany({ where: { id: { in: ids } } });
    rows.sort((a, b) => ids.indexOf(b.id) - ids.indexOf(a.id));
    await db.response.deleteMany({ where: { id: { in: ids } } });
    await db.response.createMany({ data: rows });

    const [second] = await run({ trigger: 'admin', period: q.label });
    const audit = await db.scoringRun.findUniqueOrThrow({ where: { id: second.runId } });
    expect(audit.changes).toEqual([]);
    expect(second).toMatchObject({ organizations: 1, changed: 0 });
    const after = await db.indicatorSnapshot.findUniqueOrThrow({ where: { period_organizationId: { period: q.label, organizationId: org } } });
    expect([after.scoreSum, after.scoreSumSq]).toEqual([before.scoreSum, before.scoreSumSq]);
  } finally {
    await db.receipt.deleteMany({ where: { id: { in: receipts.map((r) => r.id) } } });
  }
});

test('after a correction an admin recompute records what changed, organisation by organisation', async () => {
  const q = Q.boundary;
  const inQ = (d: Date | null | undefined) => !!d && d.getTime() >= q.start && d.getTime() < q.end;
  await run({ trigger: 'admin', period: q.label });
  const before = expectedSnapshots(model, q, true);
  expect(sorted(await storedSnapshots(h.tdb.db, q.label))).toEqual(sorted(before));
  const db = h.tdb.db;

  const regular = model.orgs.slice(0, 5).map((o) => o.id);
  // 1. A receipt received in the quarter, whose questionnaire was completed in it, is cancelled.
  const cancelled = model.receipts.find((r) => r.status === 'active' && regular.includes(r.orgId) && inQ(r.receivedAt)
    && r.invitation?.rounds.some((round) => inQ(round.response?.submittedAt)))!;
  expect(cancelled).toBeDefined();
  cancelled.status = 'cancelled';
  await db.receipt.update({ where: { id: cancelled.id }, data: { status: 'cancelled', cancelledAt: new Date(now) } });

  // 2. A late-recorded response to a round notified in the quarter (another organisation).
  const target = model.receipts.find((r) => r.status === 'active' && regular.includes(r.orgId) && r.orgId !== cancelled.orgId
    && r.invitation?.rounds.some((round) => inQ(round.notifiedAt) && !round.response && round.notifiedAt!.getTime() + 3_600_000 < q.end))!;
  expect(target).toBeDefined();
  const round = target.invitation!.rounds.find((x) => inQ(x.notifiedAt) && !x.response)!;
  const submittedAt = new Date(round.notifiedAt!.getTime() + 3_600_000);
  round.response = { id: randomUUID(), submittedAt, items: { info: 5, process: 4, comfort: 3, accessibility: null, courtesy: 5, competence: 4, overall: 4 }, score: 25 / 6 };
  await db.response.create({
    data: {
      id: round.response.id, invitationId: target.invitation!.id, round: round.round, linkId: target.invitation!.linkId!, organizationId: target.orgId,
      questionnaireVersion: 1, ...round.response.items, score: round.response.score, submittedAt,
    },
  });
  await db.invitationRound.update({ where: { invitationId_round: { invitationId: target.invitation!.id, round: round.round } }, data: { completedAt: submittedAt } });

  // 3. A receipt for an organisation that had nothing in the quarter, reported afterwards.
  const added = answeredReceipt(model.orgs[IDLE_ORG].id, q.start + 10 * 86_400_000, q.start + 12 * 86_400_000, prng(7));
  model.receipts.push(added);
  await insertReceipts(db, model, [added]);

  const after = expectedSnapshots(model, q, true);
  const changes = expectedChanges(before, after);
  const codes = [cancelled.orgId, target.orgId, model.orgs[IDLE_ORG].id].map(orgCode);
  expect(changes.map((c) => c.organization).sort()).toEqual([...codes].sort());

  const [recomputed] = await run({ trigger: 'admin', period: q.label }, `scoring-${q.label}`);
  expect(recomputed).toMatchObject({ period: q.label, final: true, changed: 3, organizations: after.size, skipped: false });
  expect(sorted(await storedSnapshots(db, q.label))).toEqual(sorted(after));
  const audit = await db.scoringRun.findUniqueOrThrow({ where: { id: recomputed.runId } });
  expect(audit).toMatchObject({ status: 'completed', trigger: 'admin', changed: 3, organizations: after.size });
  expect(roundedChanges(audit.changes)).toEqual(changes);

  // Spelled out for the cancelled receipt's organisation: one receipt and one questionnaire fewer.
  const c0 = roundedChanges(audit.changes).find((c) => c.organization === codes[0])!;
  expect(c0.after!.receipts).toBe(c0.before!.receipts - 1);
  expect(c0.after!.completed).toBe(c0.before!.completed - 1);
  const c2 = roundedChanges(audit.changes).find((c) => c.organization === codes[1])!;
  expect(c2.after!.completed).toBe(c2.before!.completed + 1);
  expect(c2.after!.info_sum).toBe(c2.before!.info_sum + 5);
  expect(c2.after!.accessibility_count).toBe(c2.before!.accessibility_count);
  const idle = roundedChanges(audit.changes).find((c) => c.organization === codes[2])!;
  expect(idle.before).toBeNull();
  expect(idle.after).toMatchObject({ receipts: 1, activated: 1, notified: 1, completed: 1 });

  // The other quarters are untouched by the corrections' recompute.
  expect(await db.indicatorSnapshot.count({ where: { period: { not: q.label } } })).toBe(0);
});

test('a provisional run writes non-final rows for the current quarter and never overwrites final values', async () => {
  const expected = expectedSnapshots(model, Q.C, false);
  expect(expected.size).toBeGreaterThanOrEqual(4);
  const [provisional] = await run({ trigger: 'provisional' });
  expect(provisional).toEqual({ runId: expect.any(String), period: Q.C.label, final: false, organizations: expected.size, changed: expected.size, skipped: false });
  expect(sorted(await storedSnapshots(h.tdb.db, Q.C.label))).toEqual(sorted(expected));
  expect(await h.tdb.db.scoringRun.findUniqueOrThrow({ where: { id: provisional.runId } })).toMatchObject({
    period: Q.C.label, final: false, trigger: 'provisional', status: 'completed', organizations: expected.size, error: null,
  });
  const [again] = await run({ trigger: 'provisional' });
  expect(again).toMatchObject({ period: Q.C.label, final: false, changed: 0, skipped: false });

  // A finished quarter with final values: a provisional computation of it is skipped.
  const [admin] = await run({ trigger: 'admin', period: Q.P.label });
  const finalRows = await h.tdb.db.indicatorSnapshot.findMany({ where: { period: Q.P.label }, orderBy: { organizationId: 'asc' } });
  expect(finalRows.every((r) => r.final && r.runId === admin.runId)).toBe(true);
  // Nothing in the workflow asks for a past quarter provisionally (it always takes the
  // current one), so the guard is exercised on the activity itself, as the worker runs it.
  const activity = createScoringActivities({ db: h.tdb.db });
  const skipped = await activity.computeSnapshots({ period: Q.P.label, final: false, trigger: 'provisional', workflowId: 'late-provisional' });
  expect(skipped).toEqual({ runId: expect.any(String), period: Q.P.label, final: false, organizations: 0, changed: 0, skipped: true });
  expect(await h.tdb.db.indicatorSnapshot.findMany({ where: { period: Q.P.label }, orderBy: { organizationId: 'asc' } })).toEqual(finalRows);
  expect(await h.tdb.db.scoringRun.findUniqueOrThrow({ where: { id: skipped.runId } })).toMatchObject({
    status: 'completed', trigger: 'provisional', final: false, organizations: 0, changed: 0, error: expect.stringMatching(/^skipped/),
  });
  // And a provisional workflow run meanwhile leaves the finished quarter's final rows alone.
  await run({ trigger: 'provisional' });
  expect(await h.tdb.db.indicatorSnapshot.findMany({ where: { period: Q.P.label }, orderBy: { organizationId: 'asc' } })).toEqual(finalRows);
});

test('a schedule run back-fills missing finished quarters oldest first, then finalises the last one; a second run does not back-fill', async () => {
  // The second quarter already has final values (an admin run), so it is not back-filled.
  await run({ trigger: 'admin', period: Q.second.label });
  const results = await run({ trigger: 'schedule' }, 'quarterly-scoring-test-a');
  expect(results.map((r) => [r.period, r.final, r.skipped])).toEqual([
    [Q.first.label, true, false], [Q.boundary.label, true, false], [Q.P.label, true, false],
  ]);
  expect((await scoringRuns()).map((r) => [r.trigger, r.period, r.status, r.workflowId])).toEqual([
    ['admin', Q.second.label, 'completed', 'scoring-test-' + runs],
    ['backfill', Q.first.label, 'completed', 'quarterly-scoring-test-a'],
    ['backfill', Q.boundary.label, 'completed', 'quarterly-scoring-test-a'],
    ['schedule', Q.P.label, 'completed', 'quarterly-scoring-test-a'],
  ]);
  for (const q of [Q.first, Q.second, Q.boundary, Q.P]) {
    expect(sorted(await storedSnapshots(h.tdb.db, q.label))).toEqual(sorted(expectedSnapshots(model, q, true)));
  }
  expect(await h.tdb.db.indicatorSnapshot.count({ where: { period: Q.C.label } })).toBe(0);

  const second = await run({ trigger: 'schedule' }, 'quarterly-scoring-test-b');
  expect(second).toEqual([{ runId: expect.any(String), period: Q.P.label, final: true, organizations: expectedSnapshots(model, Q.P, true).size, changed: 0, skipped: false }]);
  const all = await scoringRuns();
  expect(all).toHaveLength(5);
  expect(all[4]).toMatchObject({ trigger: 'schedule', period: Q.P.label, changed: 0, workflowId: 'quarterly-scoring-test-b' });
});

test('an admin run for the current or a future quarter, or without a valid quarter, fails without retrying and writes nothing', async () => {
  for (const input of [
    { trigger: 'admin', period: Q.C.label },
    { trigger: 'admin', period: Q.next.label },
    { trigger: 'admin', period: '2026-Q5' },
    { trigger: 'admin' },
  ] as ScoringInput[]) {
    const err = await run(input).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect((cause as ApplicationFailure).nonRetryable).toBe(true);
    expect((cause as ApplicationFailure).message).toMatch(/an admin run needs a finished quarter/);
  }
  expect(await h.tdb.db.scoringRun.count()).toBe(0);
  expect(await h.tdb.db.indicatorSnapshot.count()).toBe(0);
});

// Last: moves the server's clock into the next quarter.
test('at the next quarter start the schedule run turns the provisional rows into final ones; a missed quarter start is caught up', async () => {
  await run({ trigger: 'provisional' });
  const provisional = await storedSnapshots(h.tdb.db, Q.C.label);
  expect([...provisional.values()].every((r) => r.final === false)).toBe(true);

  // 00:05 Moscow on the first day of the next quarter, as the schedule fires.
  const fire = Q.C.end + 5 * MINUTE;
  await h.env.sleep(fire - (await h.env.currentTimeMs()));
  expect(await h.env.currentTimeMs()).toBeGreaterThanOrEqual(fire);

  const results = await run({ trigger: 'schedule' }, 'quarterly-scoring-test-c');
  expect(results.map((r) => r.period)).toEqual([Q.first.label, Q.second.label, Q.boundary.label, Q.P.label, Q.C.label]);
  const last = results[results.length - 1];
  // Same sums: turning provisional rows final is not a change in the audit.
  expect(last).toMatchObject({ period: Q.C.label, final: true, changed: 0, organizations: provisional.size, skipped: false });
  expect(sorted(await storedSnapshots(h.tdb.db, Q.C.label))).toEqual(sorted(expectedSnapshots(model, Q.C, true)));
  expect(await h.tdb.db.scoringRun.findUniqueOrThrow({ where: { id: last.runId } })).toMatchObject({ trigger: 'schedule', period: Q.C.label });

  // The former current quarter is now finished: a provisional run takes the new one (empty).
  const [fresh] = await run({ trigger: 'provisional' });
  expect(fresh).toMatchObject({ period: Q.next.label, final: false, organizations: 0, skipped: false });
  expect(await h.tdb.db.indicatorSnapshot.count({ where: { period: Q.C.label, final: true } })).toBe(provisional.size);

  // A receipt arrives in the new quarter and the provisional run counts it; then the next
  // quarter start's run is missed (server down for a whole quarter). The run after that
  // back-fills the quarter that only had provisional values, and finalises its own.
  const late = answeredReceipt(model.orgs[0].id, Q.next.start + MINUTE, Q.next.start + 2 * MINUTE, prng(11));
  late.invitation!.activatedAt = new Date(Q.next.start + MINUTE);
  late.invitation!.rounds[0].openedAt = new Date(Q.next.start + MINUTE);
  late.invitation!.rounds[0].notifiedAt = new Date(Q.next.start + MINUTE);
  model.receipts.push(late);
  await insertReceipts(h.tdb.db, model, [late]);
  const [counted] = await run({ trigger: 'provisional' });
  expect(counted).toMatchObject({ period: Q.next.label, final: false, organizations: 1 });
  const afterNext = quarterOf(Q.next.start, 1);
  const twoLater = quarterOf(Q.next.start, 2);
  await h.env.sleep(twoLater.start + 5 * MINUTE - (await h.env.currentTimeMs()));
  const caughtUp = await run({ trigger: 'schedule' }, 'quarterly-scoring-test-d');
  expect(caughtUp.map((r) => [r.period, r.final, r.organizations])).toEqual([[Q.next.label, true, 1], [afterNext.label, true, 0]]);
  expect((await scoringRuns()).slice(-2).map((r) => [r.trigger, r.period])).toEqual([['backfill', Q.next.label], ['schedule', afterNext.label]]);
  expect(sorted(await storedSnapshots(h.tdb.db, Q.next.label))).toEqual(sorted(expectedSnapshots(model, Q.next, true)));
});
