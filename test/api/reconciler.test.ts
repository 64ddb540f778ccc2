/**
 * A receipt acknowledged with 2xx is never lost: when the workflow start fails after the
 * insert (Temporal down, process killed), the reconciler starts it on its next pass.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { REGULATION_POLICY } from '../../src/domain/policy';
import { createMetrics } from '../../src/metrics';
import type { Principal } from '../../src/domain/scope';
import { startReconciler } from '../../src/reconciler';
import { Secrets } from '../../src/security';
import { ReceiptService } from '../../src/services/receipts';
import { InvitationGateway, type ReceiptForWorkflow } from '../../src/temporal/invitations';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { timeSkippingEnv } from '../helpers/temporal';
import { ORG } from './app-helper';
import { receiptBody } from './receipt-body';

const silent = { info() {}, warn() {}, error() {} };
const integrator: Principal = { keyId: 'k', name: 'mis-42', role: 'integrator', integratorId: randomUUID(), regions: ['42'], sectors: [], organizationCode: null };

class TemporalDown extends InvitationGateway {
  override async start(_receipt: ReceiptForWorkflow): Promise<string> {
    throw new Error('14 UNAVAILABLE: connection refused');
  }
}

let tdb: TestDatabase;
let env: TestWorkflowEnvironment;
beforeAll(async () => {
  [tdb, env] = await Promise.all([createTestDatabase('rec'), timeSkippingEnv()]);
  await tdb.db.organization.create({ data: { code: ORG.code, name: 'Больница', typeCode: ORG.type, regionCode: ORG.region, founderLevel: 'regional' } });
  await tdb.db.integrator.create({ data: { id: integrator.integratorId!, code: integrator.name } });
});
afterAll(async () => {
  await Promise.allSettled([tdb?.drop(), env?.teardown()]);
});

test('a receipt stored while Temporal was down gets its workflow from the reconciler', async () => {
  const secrets = new Secrets(process.env.PII_HASH_KEY!);
  const down = new ReceiptService({ db: tdb.db, secrets, invitations: new TemporalDown(env.client, 'q', REGULATION_POLICY, false), log: silent });
  const outcome = await down.ingest(integrator, receiptBody());
  expect(outcome.kind).toBe('accepted');
  const id = outcome.kind === 'accepted' ? outcome.receipt.id : '';
  const handle = env.client.workflow.getHandle(`receipt-${id}`);
  await expect(handle.describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  expect((await tdb.db.receipt.findUniqueOrThrow({ where: { id } })).workflowStartedAt).toBeNull();

  const gateway = new InvitationGateway(env.client, 'q', REGULATION_POLICY, false);
  const up = new ReceiptService({ db: tdb.db, secrets, invitations: gateway, log: silent });
  const metrics = createMetrics({ defaultMetrics: false });
  const value = async (metric: { get(): Promise<{ values: { value: number }[] }> }) => (await metric.get()).values[0]?.value ?? 0;
  const reconciler = startReconciler({ db: tdb.db, receipts: up, invitations: gateway, intervalMs: 60_000, graceMs: 0, log: silent, metrics });
  try {
    expect(await reconciler.tick()).toBe(1);
    expect(await value(metrics.reconcilerBacklog)).toBe(1);
    expect(await value(metrics.reconcilerStarted)).toBe(1);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    expect((await tdb.db.receipt.findUniqueOrThrow({ where: { id } })).workflowStartedAt).not.toBeNull();
    expect(await reconciler.tick()).toBe(0);
    expect(await value(metrics.reconcilerBacklog)).toBe(0);
    expect(await value(metrics.reconcilerStarted)).toBe(1);
  } finally {
    await reconciler.stop();
  }
});

test('the reconciler leaves receipts younger than its grace period to the request that stored them', async () => {
  const secrets = new Secrets(process.env.PII_HASH_KEY!);
  const down = new ReceiptService({ db: tdb.db, secrets, invitations: new TemporalDown(env.client, 'q', REGULATION_POLICY, false), log: silent });
  await down.ingest(integrator, receiptBody());
  const gateway = new InvitationGateway(env.client, 'q', REGULATION_POLICY, false);
  const up = new ReceiptService({ db: tdb.db, secrets, invitations: gateway, log: silent });
  const reconciler = startReconciler({ db: tdb.db, receipts: up, invitations: gateway, intervalMs: 60_000, graceMs: 60_000, log: silent });
  try {
    expect(await reconciler.tick()).toBe(0);
  } finally {
    await reconciler.stop();
  }
});

test('the reconciler runs by itself on its interval', async () => {
  const secrets = new Secrets(process.env.PII_HASH_KEY!);
  const down = new ReceiptService({ db: tdb.db, secrets, invitations: new TemporalDown(env.client, 'q', REGULATION_POLICY, false), log: silent });
  const outcome = await down.ingest(integrator, receiptBody());
  const id = outcome.kind === 'accepted' ? outcome.receipt.id : '';
  const gateway = new InvitationGateway(env.client, 'q', REGULATION_POLICY, false);
  const up = new ReceiptService({ db: tdb.db, secrets, invitations: gateway, log: silent });
  const reconciler = startReconciler({ db: tdb.db, receipts: up, invitations: gateway, intervalMs: 200, graceMs: 0, log: silent });
  try {
    for (let i = 0; i < 50; i++) {
      if ((await tdb.db.receipt.findUniqueOrThrow({ where: { id } })).workflowStartedAt) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await tdb.db.receipt.findUniqueOrThrow({ where: { id } })).workflowStartedAt).not.toBeNull();
  } finally {
    await reconciler.stop();
  }
});

test('a backlog larger than a batch (Temporal was down) drains in one pass, starts in parallel', async () => {
  const org = await tdb.db.organization.findUniqueOrThrow({ where: { code: ORG.code } });
  const stored = new Date(Date.now() - 60_000);
  const backlog = Array.from({ length: 1_200 }, (_, i) => ({
    integratorId: integrator.integratorId!, externalId: `backlog-${i}`, bodyHash: `h${i}`, organizationId: org.id,
    serviceKind: 'one_time' as const, serviceDate: stored, minor: false, late: false, receivedAt: stored,
  }));
  await tdb.db.receipt.createMany({ data: backlog });
  const gateway = new InvitationGateway(env.client, 'q', REGULATION_POLICY, false);
  const up = new ReceiptService({ db: tdb.db, secrets: new Secrets(process.env.PII_HASH_KEY!), invitations: gateway, log: silent });
  const reconciler = startReconciler({ db: tdb.db, receipts: up, invitations: gateway, intervalMs: 3_600_000, graceMs: 1_000, log: silent });
  try {
    expect(await reconciler.tick()).toBeGreaterThanOrEqual(1_200);
  } finally {
    await reconciler.stop();
  }
  expect(await tdb.db.receipt.count({ where: { externalId: { startsWith: 'backlog-' }, workflowStartedAt: null } })).toBe(0);
});
