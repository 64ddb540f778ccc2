import { createTestApp, type TestApp } from './app-helper';
import { receiptBody, representative } from './receipt-body';

let t: TestApp;
beforeAll(async () => { t = await createTestApp(); });
afterAll(async () => t?.close());

test('explore', async () => {
  const post = (body: unknown) => t.call(t.keys.integrator, { method: 'POST', url: '/v1/receipts', payload: body as object });
  const show = (label: string, r: any) => console.log(label, r.statusCode, r.headers['content-type'], r.body);
  show('unknown top key', await post({ ...receiptBody(), nickname: 'x' }));
  show('unknown nested key', await post({ ...receiptBody(), recipient: { ...receiptBody().recipient, nick: 'x' } }));
  show('missing', await post({ externalId: 'x' }));
  show('future birth', await post(receiptBody({ recipient: { ...receiptBody().recipient, birthDate: '2099-01-01' } })));
  show('bad json', await t.call(t.keys.integrator, { method: 'POST', url: '/v1/receipts', payload: '{"a":', headers: { 'content-type': 'application/json' } }));
  show('empty', await t.call(t.keys.integrator, { method: 'POST', url: '/v1/receipts', headers: { 'content-type': 'application/json' } }));
  show('no auth', await t.call(null, { method: 'POST', url: '/v1/receipts' }));
  show('types', await t.call(t.keys.admin, { method: 'PUT', url: '/v1/regions/42/organization-types', payload: { types: ['zz', 'healthcare', 'aa'] } }));
  show('bad param', await t.call(t.keys.admin, { method: 'PUT', url: '/v1/organizations/bad%20code', payload: { name: 'x', type: 'healthcare', region: '42', founderLevel: 'regional' } }));
  show('batch 0', await t.call(t.keys.integrator, { method: 'POST', url: '/v1/receipts/batch', payload: { receipts: [42, null, { ...receiptBody(), x: 1 }] } }));
  show('accounts', await t.call(t.keys.admin, { method: 'POST', url: '/v1/accounts', payload: { accounts: [{ snils: '112-233-445 96', email: 'a@b.c', confirmed: true }] } }));
  show('service kind', await post(receiptBody({ service: { kind: 'weird', date: '2026-01-01' } })));
  show('rep minor', await post(receiptBody({ representatives: [representative('2015-01-01')] })));
});
