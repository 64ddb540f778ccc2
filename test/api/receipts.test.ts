import { invitationWorkflowId } from '../../src/temporal/shared';
import { createTestApp, type TestApp } from './app-helper';
import { receiptBody } from './receipt-body';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

const post = (body: unknown, key = t.keys.integrator) => t.call(key, { method: 'POST', url: '/v1/receipts', payload: body as object });

test('a valid receipt is accepted, stored without personal data and gets its workflow', async () => {
  const body = receiptBody();
  const res = await post(body);
  expect(res.statusCode).toBe(202);
  const receipt = res.json();
  expect(receipt).toMatchObject({ status: 'active', late: false, externalId: body.externalId, workflowId: invitationWorkflowId(receipt.id) });
  expect(receipt.invitation).toMatchObject({ status: 'pending', round: 0, activatedAt: null });
  expect(JSON.stringify(receipt)).not.toContain('Иванова');

  const desc = await t.env.client.workflow.getHandle(receipt.workflowId).describe();
  expect(desc.status.name).toBe('RUNNING');
  const row = await t.tdb.db.receipt.findUniqueOrThrow({ where: { id: receipt.id }, include: { persons: true } });
  expect(row.workflowStartedAt).not.toBeNull();
  const stored = JSON.stringify(row);
  expect(stored).not.toContain(body.recipient.snils.replace(/\D/g, ''));
  expect(stored).not.toContain('1980-04-01');
  expect(row.persons[0].snilsHash).toBe(t.secrets.snilsHash(body.recipient.snils.replace(/\D/g, '')));

  const got = await t.call(t.keys.integrator, { method: 'GET', url: `/v1/receipts/${receipt.id}` });
  expect(got.statusCode).toBe(200);
  expect(got.json()).toEqual(receipt);
});

test('a receipt more than one day after the service is accepted and flagged late', async () => {
  const res = await post(receiptBody({ service: { kind: 'one_time', date: '2026-01-10' } }));
  expect(res.statusCode).toBe(202);
  expect(res.json().late).toBe(true);
});

test('the same body again returns the same receipt; a different body under the same id is 409', async () => {
  const body = receiptBody();
  const first = await post(body);
  const again = await post(body);
  expect(first.statusCode).toBe(202);
  expect(again.statusCode).toBe(200);
  expect(again.json().id).toBe(first.json().id);
  // the same SNILS written bare is the same receipt
  const bare = await post({ ...body, recipient: { ...body.recipient, snils: body.recipient.snils.replace(/\D/g, '') } });
  expect(bare.statusCode).toBe(200);

  const changed = await post({ ...body, service: { kind: 'one_time', date: '2026-01-11' } });
  expect(changed.statusCode).toBe(409);
  expect(changed.headers['content-type']).toContain('application/problem+json');
  expect(changed.json().errors).toEqual([{ path: 'externalId', code: 'external_id_conflict', message: expect.any(String) }]);
});

test('two concurrent identical posts make one receipt and one workflow', async () => {
  const body = receiptBody();
  const responses = await Promise.all(Array.from({ length: 6 }, () => post(body)));
  const codes = responses.map((r) => r.statusCode).sort();
  expect(codes.filter((c) => c === 202)).toHaveLength(1);
  expect(codes.filter((c) => c === 200)).toHaveLength(5);
  const ids = new Set(responses.map((r) => r.json().id));
  expect(ids.size).toBe(1);
  expect(await t.tdb.db.receipt.count({ where: { externalId: body.externalId } })).toBe(1);
  const [id] = [...ids];
  // One receipt means one workflow id, and Temporal runs at most one execution per id.
  const handle = t.env.client.workflow.getHandle(invitationWorkflowId(id));
  expect((await handle.describe()).status.name).toBe('RUNNING');
  const started = (await handle.fetchHistory()).events!.filter((e) => e.workflowExecutionStartedEventAttributes);
  expect(started).toHaveLength(1);
});

test('the same externalId from two integrators is two receipts', async () => {
  const key = await t.key('integrator', { regions: ['42'] }, 'another-mis');
  const body = receiptBody();
  const a = await post(body);
  const b = await post(body, key);
  expect(a.statusCode).toBe(202);
  expect(b.statusCode).toBe(202);
  expect(a.json().id).not.toBe(b.json().id);
});

test('integrators see only their own receipts', async () => {
  const mine = (await post(receiptBody())).json();
  const other = await t.key('integrator', { regions: ['42'] }, 'someone-else');
  expect((await t.call(other, { method: 'GET', url: `/v1/receipts/${mine.id}` })).statusCode).toBe(404);
  expect((await t.call(t.keys.integrator, { method: 'GET', url: '/v1/receipts/00000000-0000-4000-8000-000000000000' })).statusCode).toBe(404);
  expect((await t.call(t.keys.integrator, { method: 'GET', url: '/v1/receipts/not-a-uuid' })).statusCode).toBe(422);
});

test('cancel withdraws the receipt and signals its workflow; repeating it is harmless', async () => {
  const receipt = (await post(receiptBody())).json();
  const res = await t.call(t.keys.integrator, { method: 'POST', url: `/v1/receipts/${receipt.id}/cancel` });
  expect(res.statusCode).toBe(200);
  expect(res.json().status).toBe('cancelled');
  const again = await t.call(t.keys.integrator, { method: 'POST', url: `/v1/receipts/${receipt.id}/cancel` });
  expect(again.statusCode).toBe(200);
  const history = await t.env.client.workflow.getHandle(receipt.workflowId).fetchHistory();
  const signals = history.events!.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'cancel');
  expect(signals.length).toBeGreaterThanOrEqual(1);
});

test('end of a long service: stored, signalled, validated', async () => {
  const body = receiptBody({ service: { kind: 'long', start: '2026-09-01', end: null } });
  const receipt = (await post(body)).json();
  const end = (payload: object) => t.call(t.keys.integrator, { method: 'POST', url: `/v1/receipts/${receipt.id}/end`, payload });
  const before = await end({ end: '2026-08-31' });
  expect(before.statusCode).toBe(422);
  expect(before.json().errors[0].path).toBe('end');
  expect((await end({ end: '2026-02-30' })).statusCode).toBe(422);
  const ok = await end({ end: '2026-12-31' });
  expect(ok.statusCode).toBe(200);
  expect(ok.json().service).toEqual({ kind: 'long', start: '2026-09-01', end: '2026-12-31' });
  const history = await t.env.client.workflow.getHandle(receipt.workflowId).fetchHistory();
  expect(history.events!.some((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'serviceEnded')).toBe(true);

  const oneTime = (await post(receiptBody())).json();
  const res = await t.call(t.keys.integrator, { method: 'POST', url: `/v1/receipts/${oneTime.id}/end`, payload: { end: '2026-12-31' } });
  expect(res.statusCode).toBe(409);
});
