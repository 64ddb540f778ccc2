/**
 * The reconciler's sweep on a real Temporal (dev server, visibility included): a workflow
 * terminated while its link is open and not yet due to close is found through visibility
 * and its link closed (`workflow_closed`), while a running one's link is left alone.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import { createServices } from '../../src/composition';
import { loadConfig } from '../../src/config';
import { REGULATION_POLICY } from '../../src/domain/policy';
import { OutboxMailer } from '../../src/mail/outbox-mailer';
import { startReconciler } from '../../src/reconciler';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makePerson, withoutEmail } from '../helpers/people';
import { devServerEnv } from '../helpers/temporal';
import { integrator, silentLog } from '../workflows/harness';

let env: TestWorkflowEnvironment;
let tdb: TestDatabase;
beforeAll(async () => {
  [env, tdb] = await Promise.all([devServerEnv(), createTestDatabase('sweep')]);
  await tdb.db.organization.create({ data: { code: '1024200066666', name: 'ГБУЗ «Больница»', typeCode: 'healthcare', regionCode: '42', founderLevel: 'regional' } });
  await tdb.db.integrator.create({ data: { id: integrator.integratorId!, code: 'sweep-mis' } });
});
afterAll(async () => {
  await Promise.allSettled([env?.teardown(), tdb?.drop()]);
});

test('a terminated workflow\'s open link is closed by the next sweep; a running one\'s is not', async () => {
  // No worker polls this queue: the workflows wait at their first task, as far as the sweep can tell alive.
  const config = loadConfig({ ...process.env, DATABASE_URL: tdb.url, TEMPORAL_TASK_QUEUE: `sweep-${randomUUID()}` });
  const services = createServices(config, { db: tdb.db, client: env.client, log: silentLog }, { policy: REGULATION_POLICY, mailer: new OutboxMailer(tdb.db, silentLog) });
  const activities = createActivities({ db: tdb.db, mailer: services.mailer, secrets: services.secrets, publicBaseUrl: 'https://feedback.example', log: silentLog });
  const open = async () => {
    const person = makePerson('1980-02-02');
    await tdb.db.account.create({ data: { snilsHash: services.secrets.snilsHash(person.snils.replace(/\D/g, '')), email: person.email, confirmed: true } });
    const outcome = await services.receipts.ingest(integrator, {
      externalId: randomUUID(), organization: '1024200066666', service: { kind: 'one_time', date: new Date().toISOString().slice(0, 10) }, recipient: withoutEmail(person),
    });
    if (outcome.kind !== 'accepted') throw new Error(outcome.kind);
    await activities.activateInvitation({ receiptId: outcome.receipt.id, closesAt: new Date(Date.now() + 30 * 86_400_000).toISOString() });
    return outcome.receipt.id;
  };
  const [terminated, running] = [await open(), await open()];
  await env.client.workflow.getHandle(`receipt-${terminated}`).terminate('operator: poisoned');

  const reconciler = startReconciler({
    db: tdb.db, receipts: services.receipts, invitations: services.invitations, client: env.client,
    intervalMs: 3_600_000, graceMs: 0, log: silentLog,
  });
  const status = async (id: string) => (await tdb.db.invitation.findUniqueOrThrow({ where: { receiptId: id } }));
  try {
    // Visibility is eventually consistent: a few passes at most.
    for (let i = 0; i < 50 && (await status(terminated)).status !== 'closed'; i++) {
      await reconciler.tick();
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await reconciler.stop();
  }
  expect(await status(terminated)).toMatchObject({ status: 'closed', closeReason: 'workflow_closed' });
  expect((await status(running)).status).toBe('active');
});
