/**
 * Resend answers 429 with Retry-After: the next attempt waits as long as the provider
 * asked (the activity sets the retry's delay), not the policy's one-second back-off, and
 * the e-mail is delivered once. On the dev server: the time-skipping test server does not
 * implement an activity's own next-retry delay.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { REGULATION_POLICY } from '../../src/domain/policy';
import { ResendMailer } from '../../src/mail/resend-mailer';
import { Secrets } from '../../src/security';
import { ReceiptService } from '../../src/services/receipts';
import { InvitationGateway } from '../../src/temporal/invitations';
import { createWorker } from '../../src/temporal/worker';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { startFakeResend, type FakeResend } from '../helpers/fake-resend';
import { makePerson, withoutEmail } from '../helpers/people';
import { devServerEnv, workflowBundle } from '../helpers/temporal';
import { integrator, silentLog } from '../workflows/harness';

let env: TestWorkflowEnvironment;
let tdb: TestDatabase;
let fake: FakeResend;
let worker: Worker;
let running: Promise<void>;
const secrets = new Secrets(process.env.PII_HASH_KEY!);
const taskQueue = `retry-after-${randomUUID()}`;

beforeAll(async () => {
  [env, tdb, fake] = await Promise.all([devServerEnv(), createTestDatabase('ra'), startFakeResend()]);
  process.env.RESEND_BASE_URL = fake.url;
  await tdb.db.organization.create({ data: { code: '1024200055555', name: 'ГБУЗ «Больница»', typeCode: 'healthcare', regionCode: '42', founderLevel: 'regional' } });
  await tdb.db.integrator.create({ data: { id: integrator.integratorId!, code: 'retry-after-mis' } });
  worker = await createWorker({
    connection: env.nativeConnection, namespace: 'default', taskQueue, workflowBundle: await workflowBundle(),
    deps: { db: tdb.db, mailer: new ResendMailer('re_test', 'Оценка <f@example.test>'), secrets, publicBaseUrl: 'https://feedback.example', log: silentLog },
  });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await Promise.allSettled([env?.teardown(), tdb?.drop(), fake?.stop()]);
});

test('a 429 with Retry-After: 4 delays the next attempt by four seconds; one delivery', async () => {
  const person = makePerson('1970-07-07');
  await tdb.db.account.create({ data: { snilsHash: secrets.snilsHash(person.snils.replace(/\D/g, '')), email: person.email, confirmed: true } });
  fake.failNext(1, 429, { retryAfter: 4 });
  const receipts = new ReceiptService({
    db: tdb.db, secrets, log: silentLog,
    // Activation at once, give or take the receipt's place in the spread (half a policy day,
    // which this time scale makes half a second); the e-mail's retries keep real seconds.
    invitations: new InvitationGateway(env.client, taskQueue, { ...REGULATION_POLICY, activationDelayDays: 0, timeScale: 86_400 }),
  });
  const outcome = await receipts.ingest(integrator, {
    externalId: randomUUID(), organization: '1024200055555',
    service: { kind: 'one_time', date: new Date().toISOString().slice(0, 10) }, recipient: withoutEmail(person),
  });
  expect(outcome.kind).toBe('accepted');
  const deadline = Date.now() + 30_000;
  while (fake.delivered.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(fake.delivered).toHaveLength(1);
  const [refused, accepted] = fake.requests;
  expect(refused.status).toBe(429);
  expect(accepted.status).toBe(200);
  expect(accepted.at - refused.at).toBeGreaterThanOrEqual(4_000);
  expect(accepted.at - refused.at).toBeLessThan(10_000);
});
