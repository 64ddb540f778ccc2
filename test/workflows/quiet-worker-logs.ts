/**
 * Import first (before ./harness) in test files whose activities fail on purpose: installs
 * the Temporal runtime with worker logs at ERROR, so expected "Activity failed" warnings do
 * not flood the output. test/helpers/temporal.ts then finds the runtime already installed.
 */
import { DefaultLogger, Runtime, makeTelemetryFilterString } from '@temporalio/worker';

try {
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } },
  });
} catch {
  // already installed in this module registry
}
