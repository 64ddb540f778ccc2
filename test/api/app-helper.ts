/**
 * The real app over a fresh database and the time-skipping Temporal server (workflows are
 * started there; no worker runs, so they stay at their first step). HTTP via `inject`.
 */
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Logger } from 'pino';
import { buildApp } from '../../src/api/app';
import { createServices } from '../../src/composition';
import { loadConfig } from '../../src/config';
import { REGULATION_POLICY } from '../../src/domain/policy';
import type { RoleName } from '../../src/domain/scope';
import { createApiKey } from '../../src/keys';
import { OutboxMailer } from '../../src/mail/outbox-mailer';
import type { Metrics } from '../../src/metrics';
import type { Secrets } from '../../src/security';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { undeclaredStatuses } from '../helpers/declared-statuses';
import { timeSkippingEnv } from '../helpers/temporal';

const silent = { info() {}, warn() {}, error() {} };

export interface TestApp {
  app: FastifyInstance;
  tdb: TestDatabase;
  env: TestWorkflowEnvironment;
  secrets: Secrets;
  /** The app's registry (also what its services count into). */
  metrics: Metrics;
  keys: Record<'admin' | 'integrator' | 'otherIntegrator' | 'federal' | 'region' | 'organization', string>;
  /** `inject` with a bearer key. */
  call(key: string | null, options: InjectOptions): Promise<LightMyRequestResponse>;
  /** A new key; an integrator key joins the integrator coded `integrator` (by default, its name), created if new. */
  key(role: RoleName, scope?: { regions?: string[]; sectors?: string[]; organizationCode?: string }, name?: string, integrator?: string): Promise<string>;
  close(): Promise<void>;
}

export const ORG = { code: '1024200000001', region: '42', type: 'healthcare' };

export async function createTestApp(
  options: { env?: Record<string, string>; logger?: Logger; temporalHealthy?: () => Promise<boolean> } = {},
): Promise<TestApp> {
  const [tdb, env] = await Promise.all([createTestDatabase('api'), timeSkippingEnv()]);
  const config = loadConfig({ ...process.env, ...options.env, DATABASE_URL: tdb.url });
  // The services as every role wires them (src/composition.ts); the workflows wait on a
  // task queue no worker polls, and the time-skipping server has no custom search attributes.
  const services = createServices(
    { ...config, temporal: { ...config.temporal, taskQueue: 'api-tests' } },
    { db: tdb.db, client: env.client, log: silent },
    { policy: REGULATION_POLICY, searchAttributes: false, mailer: new OutboxMailer(tdb.db, silent) },
  );
  const { secrets, metrics } = services;
  const app = await buildApp({ ...services, temporalHealthy: options.temporalHealthy ?? (async () => true) }, options.logger);
  await tdb.db.organization.create({
    data: { code: ORG.code, name: 'ГБУЗ «Кемеровская областная больница»', typeCode: ORG.type, regionCode: ORG.region, founderLevel: 'regional' },
  });
  const key = async (role: RoleName, scope: { regions?: string[]; sectors?: string[]; organizationCode?: string } = {}, name = `${role}-key`, integrator = name) =>
    (await createApiKey(tdb.db, { role, name, ...scope, ...(role === 'integrator' ? { integrator } : {}) })).key;
  const keys = {
    admin: await key('admin'),
    integrator: await key('integrator', { regions: ['42'] }, 'mis-42'),
    otherIntegrator: await key('integrator', { regions: ['54'] }, 'mis-54'),
    federal: await key('federal'),
    region: await key('region', { regions: ['42'] }),
    organization: await key('organization', { organizationCode: ORG.code }),
  };
  return {
    app, tdb, env, secrets, metrics, keys, key,
    call(k, options) {
      return app.inject({ ...options, headers: { ...(k ? { authorization: `Bearer ${k}` } : {}), ...options.headers } });
    },
    /** Also fails the test file when a response had a status (or a problem a code) the OpenAPI document does not declare for its route. */
    async close() {
      const undeclared = await undeclaredStatuses(app, metrics);
      await app.close();
      await Promise.allSettled([tdb.drop(), env.teardown()]);
      if (undeclared.length > 0) throw new Error(`Answers the OpenAPI document does not declare:\n${undeclared.join('\n')}`);
    },
  };
}
