/**
 * The Temporal SDK's runtime, installed once per process before any connection or worker.
 * By default it shuts workers down on SIGINT by itself, racing our ordered shutdown: signals
 * are ours. Its log lines go through our logger.
 */
import { DefaultLogger, Runtime, type RuntimeOptions } from '@temporalio/worker';
import type { Logger } from 'pino';

/**
 * `telemetry`: the SDK's own Prometheus exporter (temporalMetricsOptions in ./worker). Its port
 * taken (a second worker on one host) is said, and the runtime installed without it.
 */
export function installTemporalRuntime(log: Logger, level: string, telemetry: Pick<RuntimeOptions, 'telemetryOptions'> = {}): void {
  const temporalLog = log.child({ component: 'temporal-sdk' });
  const levels = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN' } as const;
  const sdkLevel = level in levels ? levels[level as keyof typeof levels] : 'ERROR';
  const logger = new DefaultLogger(sdkLevel, ({ level: entryLevel, message, meta }) => {
    temporalLog[entryLevel.toLowerCase() as Lowercase<typeof entryLevel>](meta ?? {}, message);
  });
  if (telemetry.telemetryOptions) {
    try {
      Runtime.install({ shutdownSignals: [], logger, ...telemetry });
      return;
    } catch (err) {
      log.warn({ error: (err as Error).message }, 'Temporal SDK metrics not served: set TEMPORAL_METRICS_PORT to a free port');
    }
  }
  Runtime.install({ shutdownSignals: [], logger });
}
