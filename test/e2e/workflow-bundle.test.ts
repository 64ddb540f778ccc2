/**
 * The production image's worker: the workflow bundle is built once (scripts/build-workflow-
 * bundle.ts, as `npm run build` does in the Dockerfile) and `main.ts worker` loads it through
 * WORKFLOW_BUNDLE_PATH instead of running webpack at start. The worker polls, runs a workflow
 * from that bundle, and drains on SIGTERM.
 *
 * The test runs the TypeScript worker (tsx), not dist/: a whole `npm run build` takes longer
 * than a CI test should. The compiled `node dist/src/main.js worker` was checked by hand
 * (README "Production").
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger } from '@temporalio/worker';
import pino from 'pino';
import { buildWorkflowBundle } from '../../scripts/build-workflow-bundle';
import { loadConfig } from '../../src/config';
import { runMigrate } from '../../src/runtime';
import { adminQuery } from '../helpers/db';
import { exited, freePort, spawnProduct, startTemporalServer, until, type Proc } from '../helpers/processes';

jest.setTimeout(180_000);

const SERVER_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const TASK_QUEUE = 'bundle-test';

let dir: string;
let bundlePath: string;
let temporal: ChildProcess;
let temporalPort: number;
let dbName: string;
let env: Record<string, string>;
let worker: Proc | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'feedback-bundle-'));
  temporalPort = await freePort();
  dbName = `bundle_${Date.now()}`;
  const url = new URL(SERVER_URL);
  url.pathname = `/${dbName}`;
  const [server, path] = await Promise.all([
    startTemporalServer(temporalPort, join(dir, 'temporal.sqlite')),
    buildWorkflowBundle(join(dir, 'workflow-bundle.js'), new DefaultLogger('WARN')),
    adminQuery(`CREATE DATABASE "${dbName}"`),
  ]);
  temporal = server;
  bundlePath = path;
  env = {
    NODE_ENV: 'development',
    DATABASE_URL: url.toString(),
    TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
    TEMPORAL_TASK_QUEUE: TASK_QUEUE,
    PII_HASH_KEY: 'bundle-test-pii-hash-key-0123456789abcdef',
    MAIL_TRANSPORT: 'outbox',
    METRICS_PORT: '0',
    TEMPORAL_METRICS_PORT: String(await freePort()),
    LOG_LEVEL: 'info',
  };
  await runMigrate(loadConfig(env), pino({ level: 'silent' }));
});

afterAll(async () => {
  worker?.proc.kill('SIGKILL');
  temporal?.kill('SIGKILL');
  await adminQuery(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

test('main.ts worker with WORKFLOW_BUNDLE_PATH polls without bundling and runs a workflow from the bundle', async () => {
  const started = Date.now();
  const w = spawnProduct('src/main.ts', ['worker'], { ...env, WORKFLOW_BUNDLE_PATH: bundlePath });
  worker = w;
  const log = () => w.log.join('');
  await until('the worker started', () => log().includes('"msg":"started"') || w.proc.exitCode !== null, 60_000);
  expect(w.proc.exitCode).toBeNull();
  // The SDK logs this line whenever it runs webpack (a worker given workflowsPath does, at every start).
  expect(log()).not.toContain('Workflow bundle created');
  const startSeconds = (Date.now() - started) / 1000;

  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  try {
    const description = await connection.workflowService.describeTaskQueue({
      namespace: 'default',
      taskQueue: { name: TASK_QUEUE },
      taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
    });
    expect(description.pollers?.length ?? 0).toBeGreaterThan(0);

    // A workflow of the bundle, end to end: the provisional scoring of the current quarter.
    const client = new Client({ connection });
    const result = await client.workflow.execute('quarterlyScoringWorkflow', {
      taskQueue: TASK_QUEUE,
      workflowId: `bundle-test-${Date.now()}`,
      args: [{ trigger: 'provisional' }],
      workflowExecutionTimeout: '60 seconds',
    });
    expect(Array.isArray(result)).toBe(true);
  } finally {
    await connection.close();
  }

  w.proc.kill('SIGTERM');
  await exited(w.proc);
  expect(w.proc.exitCode).toBe(0);
  process.stdout.write(`worker from the prebuilt bundle: started in ${startSeconds.toFixed(1)} s\n`);
});
