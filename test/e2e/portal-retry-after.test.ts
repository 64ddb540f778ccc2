/**
 * The portal answers 429 with Retry-After: the next attempt of its notice waits as long as
 * the portal asked, with the same Idempotency-Key, and the notice is shown once; the e-mail
 * beside it goes at once. On the dev server: the time-skipping test server does not
 * implement an activity's own next-retry delay.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { REGULATION_POLICY } from '../../src/domain/policy';
import { ResendMailer } from '../../src/mail/resend-mailer';
import { PortalNotifier } from '../../src/portal/notify';
import { Secrets } from '../../src/security';
import { ReceiptService } from '../../src/services/receipts';
import { InvitationGateway } from '../../src/temporal/invitations';
import { createWorker } from '../../src/temporal/worker';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { startFakePortal, type FakePortal } from '../helpers/fake-portal';
import { startFakeResend, type FakeResend } from '../helpers/fake-resend';
import { makePerson, withoutEmail } from '../helpers/people';
import { devServerEnv, workflowBundle } from '../helpers/temporal';
import { integrator, silentLog } from '../workflows/harness';

let env: TestWorkflowEnvironment;
let tdb: TestDatabase;
let fake: FakeResend;
let portal: FakePortal;
let worker: Worker;
let running: Promise<void>;
const secrets = new Secrets(process.env.PII_HASH_KEY!);
const taskQueue = `portal-retry-after-${randomUUID()}`;
const ORG = '1024200055556';

beforeAll(async () => {
  [env, tdb, fake, portal] = await Promise.all([devServerEnv(), createTestDatabase('pra'), startFakeResend(), startFakePortal()]);
  process.env.RESEND_BASE_URL = fake.url;
  await tdb.db.organization.create({ data: { code: ORG, name: 'ГБУЗ «Больница»', typeCode: 'healthcare', regionCode: '42', founderLevel: 'regional' } });
  await tdb.db.integrator.create({ data: { id: integrator.integratorId!, code: 'portal-retry-after-mis' } });
  worker = await createWorker({
    connection: env.nativeConnection, namespace: 'default', taskQueue, workflowBundle: await workflowBundle(),
    deps: {
      db: tdb.db, mailer: new ResendMailer('re_test', 'Оценка <f@example.test>'), secrets, publicBaseUrl: 'https://feedback.example', log: silentLog,
      portal: new PortalNotifier({ url: portal.url, secret: portal.secret }),
    },
  });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await Promise.allSettled([env?.teardown(), tdb?.drop(), fake?.stop(), portal?.stop()]);
});

test('a 429 with Retry-After: 4 delays the portal notice\'s next attempt by four seconds; shown once', async () => {
  const person = makePerson('1971-07-07');
  await tdb.db.account.create({ data: { snilsHash: secrets.snilsHash(person.snils.replace(/\D/g, '')), email: person.email, confirmed: true, portalAccountId: 'esia-retry-after' } });
  portal.failNext(1, 429, 4);
  const receipts = new ReceiptService({
    db: tdb.db, secrets, log: silentLog,
    // A policy day lasts 10 s: the activation comes within the spread's half day (5 s).
    invitations: new InvitationGateway(env.client, taskQueue, { ...REGULATION_POLICY, activationDelayDays: 0, timeScale: 8_640 }),
  });
  const outcome = await receipts.ingest(integrator, {
    externalId: randomUUID(), organization: ORG,
    service: { kind: 'one_time', date: new Date().toISOString().slice(0, 10) }, recipient: withoutEmail(person),
  });
  expect(outcome.kind).toBe('accepted');
  const deadline = Date.now() + 30_000;
  while (portal.shown.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(portal.shown).toHaveLength(1);
  expect(portal.shown[0].body.portalAccountId).toBe('esia-retry-after');
  const [refused, accepted] = portal.requests;
  expect(refused.status).toBe(429);
  expect(accepted.status).toBe(200);
  expect(accepted.idempotencyKey).toBe(refused.idempotencyKey);
  expect(accepted.at - refused.at).toBeGreaterThanOrEqual(4_000);
  expect(accepted.at - refused.at).toBeLessThan(10_000);
  expect(fake.delivered).toHaveLength(1);
  expect(fake.requests[0].at - refused.at).toBeLessThan(4_000);
});
