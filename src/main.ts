/**
 * One process role, for production-like runs against external PostgreSQL and Temporal:
 *
 *   npm run migrate   # one-shot: migrations, reference data, search attributes, schedules
 *   npm run api       # HTTP only (scale out behind a proxy)
 *   npm run worker    # the Temporal worker and the reconciler (scale out)
 *
 * `npm start` (src/start.ts) is the all-in-one mode with embedded servers. SIGTERM or
 * SIGINT stops a long-running role gracefully: the API finishes its requests, the worker
 * drains its tasks; a second signal exits at once.
 */
import pino from 'pino';
import { ConfigError, loadConfig } from './config';
import { runMigrate, startApi, startWorker, type RunningRole } from './runtime';
import { installTemporalRuntime } from './temporal/sdk-runtime';
import { temporalMetricsOptions } from './temporal/worker';

const ROLES = ['api', 'worker', 'migrate'] as const;
type Role = (typeof ROLES)[number];

async function main(role: string | undefined): Promise<void> {
  if (!ROLES.includes(role as Role)) {
    process.stderr.write(`usage: main.ts <${ROLES.join('|')}>  (npm start runs everything in one process)\n`);
    process.exit(2);
  }
  let config;
  try {
    config = loadConfig();
    if (!config.databaseUrl || !config.temporal.address) throw new ConfigError(`the ${role} role needs DATABASE_URL and TEMPORAL_ADDRESS`);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  }
  const log = pino({ level: config.logLevel }).child({ role });
  // The worker role serves the SDK's own metrics on TEMPORAL_METRICS_PORT (src/metrics.ts has ours).
  installTemporalRuntime(log, config.logLevel, role === 'worker' ? temporalMetricsOptions(config.metrics.temporalPort) : {});

  if (role === 'migrate') {
    const { applied } = await runMigrate(config, log);
    log.info({ applied: applied.length }, 'migrate done');
    return;
  }
  const running: RunningRole = role === 'api' ? await startApi(config, log) : await startWorker(config, log);
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) process.exit(130);
      stopping = true;
      log.info({ signal }, 'stopping');
      running.close().then(
        () => process.exit(0),
        (err: unknown) => {
          log.error({ err }, 'stopping failed');
          process.exit(1);
        },
      );
    });
  }
}

main(process.argv[2]).catch((err: unknown) => {
  process.stderr.write(`Could not start: ${(err as Error).message}\n`);
  process.exit(1);
});
