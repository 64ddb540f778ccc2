/**
 * Temporal away while an integrator withdraws a receipt or ends its service: the change is
 * stored, and the answer is 503 workflow_unreachable with Retry-After, so the integrator
 * repeats it (docs/integrators.md). Temporal here is really gone: its server is stopped.
 */
import { createTestApp, type TestApp } from './app-helper';
import { receiptBody } from './receipt-body';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

test('cancel and end with Temporal stopped: stored, then 503 workflow_unreachable', async () => {
  const post = (body: object) => t.call(t.keys.integrator, { method: 'POST', url: '/v1/receipts', payload: body });
  const oneTime = (await post(receiptBody())).json();
  const long = (await post(receiptBody({ service: { kind: 'long', start: '2026-09-01', end: null } }))).json();
  await t.env.teardown();
  // Stopped once here; the helper's close must not stop it again.
  t.env.teardown = async () => undefined;

  const cancel = await t.call(t.keys.integrator, { method: 'POST', url: `/v1/receipts/${oneTime.id}/cancel` });
  expect([cancel.statusCode, cancel.headers['retry-after'], cancel.json().code]).toEqual([503, '5', 'workflow_unreachable']);
  expect((await t.tdb.db.receipt.findUniqueOrThrow({ where: { id: oneTime.id } })).status).toBe('cancelled');

  const end = await t.call(t.keys.integrator, { method: 'POST', url: `/v1/receipts/${long.id}/end`, payload: { end: '2026-11-30' } });
  expect([end.statusCode, end.json().code]).toEqual([503, 'workflow_unreachable']);
  expect((await t.tdb.db.receipt.findUniqueOrThrow({ where: { id: long.id } })).serviceEnd).toEqual(new Date('2026-11-30'));
});
