/**
 * Administrators' actions through the API are in the audit (who, what, on what, when),
 * with no personal data: a scoring recompute and an accounts upload.
 */
import { lastFinishedPeriod } from '../../src/domain/periods';
import { makeSnils } from '../helpers/people';
import { createTestApp, type TestApp } from './app-helper';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

test('a scoring recompute and an accounts upload are audited under the admin key, without personal data', async () => {
  const period = lastFinishedPeriod(new Date());
  const run = await t.call(t.keys.admin, { method: 'POST', url: '/v1/scoring/runs', payload: { period } });
  expect(run.statusCode).toBe(202);
  const snils = makeSnils();
  const accounts = await t.call(t.keys.admin, { method: 'POST', url: '/v1/accounts', payload: { accounts: [{ snils: snils.formatted, email: 'anna@example.test', confirmed: true }] } });
  expect(accounts.statusCode).toBe(200);

  const adminKey = await t.tdb.db.apiKey.findFirstOrThrow({ where: { name: 'admin-key' } });
  const events = await t.tdb.db.auditEvent.findMany({ orderBy: { id: 'asc' } });
  expect(events.map((e) => ({ actor: e.actor, action: e.action, target: e.target, detail: e.detail }))).toEqual([
    { actor: `key:${adminKey.id} (admin-key)`, action: 'scoring.recompute', target: `period:${period}`, detail: { workflowId: run.json().workflowId } },
    { actor: `key:${adminKey.id} (admin-key)`, action: 'accounts.upsert', target: null, detail: { created: 1, updated: 0 } },
  ]);
  const stored = JSON.stringify(events.map((e) => ({ ...e, id: String(e.id) })));
  for (const secret of [snils.bare, snils.formatted, 'anna@example.test', t.secrets.snilsHash(snils.bare)]) expect(stored).not.toContain(secret);
});
