/** The worker: runs the product's workflows and the activities built from real dependencies. */
import { NativeConnection, Worker, type RuntimeOptions, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../../activities';

export const WORKFLOWS_PATH = require.resolve('../../workflows');

export async function createWorker(options: {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** Prebuilt bundle (tests build it once per file); the worker bundles workflowsPath otherwise. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /**
   * Activities at once, of each kind (task-queue and local). Every activity takes a database connection (some for a whole
   * transaction): more activities than pooled connections only queue for the pool, time out
   * and retry with a growing back-off, so the default is the pool's size.
   */
  maxConcurrentActivities?: number;
  /** Workflows kept in memory between tasks; an evicted one is replayed from its history on its next task. */
  maxCachedWorkflows?: number;
  /** How long a shutdown waits for running activities before cancelling them. */
  shutdownGraceMs?: number;
}): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities(options.deps),
    // Local activities (the second generation's database writes and sends) use the same pool.
    ...(options.maxConcurrentActivities && {
      maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities,
      maxConcurrentLocalActivityExecutions: options.maxConcurrentActivities,
    }),
    ...(options.maxCachedWorkflows !== undefined && { maxCachedWorkflows: options.maxCachedWorkflows }),
    ...(options.shutdownGraceMs !== undefined && { shutdownGraceTime: options.shutdownGraceMs }),
  });
}

/**
 * The Temporal SDK's own metrics (task slots, poll and schedule-to-start latencies, workflow
 * and activity task durations…) on their own Prometheus endpoint, http://<host>:<port>/metrics
 * (TEMPORAL_METRICS_PORT, 9465 by default): the `telemetryOptions` to give Runtime.install,
 * which runs once per process before the first connection is created (the runtime cannot be
 * changed after that), as in `Runtime.install({ ...temporalMetricsOptions(port), logger })`.
 * Tests never install it (the test environments install their own runtime).
 */
export function temporalMetricsOptions(port: number, host = '0.0.0.0'): Pick<RuntimeOptions, 'telemetryOptions'> {
  return { telemetryOptions: { metrics: { prometheus: { bindAddress: `${host}:${port}` } } } };
}
