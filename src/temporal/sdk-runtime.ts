/**
 * The Temporal SDK's runtime, installed once per process before any connection or worker.
 * By default it shuts workers down on SIGINT by itself, racing our ordered shutdown: signals
 * are ours. Its log lines go through our logger.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { Logger } from 'pino';

export function installTemporalRuntime(log: Logger, level: string): void {
  const temporalLog = log.child({ component: 'temporal-sdk' });
  const levels = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN' } as const;
  const sdkLevel = level in levels ? levels[level as keyof typeof levels] : 'ERROR';
  const logger = new DefaultLogger(sdkLevel, ({ level: entryLevel, message, meta }) => {
    temporalLog[entryLevel.toLowerCase() as Lowercase<typeof entryLevel>](meta ?? {}, message);
  });
  Runtime.install({ shutdownSignals: [], logger });
}
