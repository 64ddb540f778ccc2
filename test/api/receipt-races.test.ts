/**
 * The same externalId twice in one batch, and concurrent posts racing on the same
 * externalIds: each answered as if posted one after another (accepted once, then duplicate
 * for the same content, 409 / rejected for other content), never a 500, one row each.
 */
import { createTestApp, type TestApp } from './app-helper';
import { receiptBody } from './receipt-body';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

interface Result {
  index: number;
  status: 'accepted' | 'duplicate' | 'rejected';
  id?: string;
  errors?: { path: string }[];
}

const batch = (receipts: unknown[]) => t.call(t.keys.integrator, { method: 'POST', url: '/v1/receipts/batch', payload: { receipts } });
const post = (body: object) => t.call(t.keys.integrator, { method: 'POST', url: '/v1/receipts', payload: body });
const otherContent = <T extends { service: object }>(body: T): T => ({ ...body, service: { kind: 'one_time', date: '2026-01-05' } });
const stored = (externalIds: string[]) => t.tdb.db.receipt.findMany({ where: { externalId: { in: externalIds } }, select: { externalId: true, serviceDate: true } });

test('one externalId twice in a batch with different content: the first is accepted, the second rejected as a conflict', async () => {
  const body = receiptBody();
  const res = await batch([body, otherContent(body)]);
  expect(res.statusCode).toBe(200);
  const results = res.json().results as Result[];
  expect(results.map((r) => [r.status, r.errors?.map((e) => e.path) ?? null])).toEqual([['accepted', null], ['rejected', ['externalId']]]);
  const rows = await stored([body.externalId]);
  expect(rows.map((r) => r.serviceDate.toISOString().slice(0, 10))).toEqual([body.service.date]);
});

test('an invalid item does not claim its externalId: a later valid item with it is accepted', async () => {
  const body = receiptBody();
  const results = (await batch([{ ...body, organization: '0000000000000' }, body])).json().results as Result[];
  expect(results.map((r) => r.status)).toEqual(['rejected', 'accepted']);
});

test('concurrent batches with the same receipts: each receipt accepted once, duplicate elsewhere, one row each', async () => {
  const items = Array.from({ length: 20 }, () => receiptBody());
  const responses = await Promise.all(Array.from({ length: 4 }, () => batch(items)));
  expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 200, 200]);
  const all = responses.map((r) => r.json().results as Result[]);
  for (const [i] of items.entries()) {
    const statuses = all.map((results) => results[i].status).sort();
    expect([i, statuses]).toEqual([i, ['accepted', 'duplicate', 'duplicate', 'duplicate']]);
    expect(new Set(all.map((results) => results[i].id)).size).toBe(1);
  }
  expect(await stored(items.map((x) => x.externalId))).toHaveLength(items.length);
  const unstarted = await t.tdb.db.receipt.count({ where: { externalId: { in: items.map((x) => x.externalId) }, workflowStartedAt: null } });
  expect(unstarted).toBe(0);
});

test('concurrent batches with the same externalIds and different content: one accepted, the other rejected as a conflict', async () => {
  const items = Array.from({ length: 20 }, () => receiptBody());
  const [a, b] = await Promise.all([batch(items), batch(items.map(otherContent))]);
  expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
  const ra = a.json().results as Result[];
  const rb = b.json().results as Result[];
  const rows = new Map((await stored(items.map((x) => x.externalId))).map((r) => [r.externalId, r.serviceDate.toISOString().slice(0, 10)]));
  expect(rows.size).toBe(items.length);
  for (const [i, item] of items.entries()) {
    const pair = [ra[i].status, rb[i].status].sort();
    expect([i, pair]).toEqual([i, ['accepted', 'rejected']]);
    const loser = ra[i].status === 'rejected' ? ra[i] : rb[i];
    expect(loser.errors!.map((e) => e.path)).toEqual(['externalId']);
    // the stored receipt is the accepted one's
    expect(rows.get(item.externalId)).toBe(ra[i].status === 'accepted' ? item.service.date : '2026-01-05');
  }
});

test('concurrent single posts of one externalId with different content: one 202, the others 409', async () => {
  const body = receiptBody();
  const responses = await Promise.all([post(body), post(otherContent(body)), post(otherContent(body)), post(body)]);
  const codes = responses.map((r) => r.statusCode);
  expect(codes.filter((c) => c === 202)).toHaveLength(1);
  expect(codes.every((c) => [200, 202, 409].includes(c))).toBe(true);
  const winner = responses.find((r) => r.statusCode === 202)!.json() as { id: string; service: { date: string } };
  // the same content as the winner's is a duplicate of it; the other content is a conflict
  for (const [i, r] of responses.entries()) {
    const sameAsWinner = (i === 0 || i === 3) === (winner.service.date === body.service.date);
    if (r.statusCode === 202) continue;
    expect([i, r.statusCode]).toEqual([i, sameAsWinner ? 200 : 409]);
    if (r.statusCode === 200) expect(r.json().id).toBe(winner.id);
  }
  expect(await stored([body.externalId])).toHaveLength(1);
});
