/** The worker: runs the product's workflows and the activities built from real dependencies. */
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
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
   * Activities at once. Every activity takes a database connection (some for a whole
   * transaction): more activities than pooled connections only queue for the pool, time out
   * and retry with a growing back-off, so the default is the pool's size.
   */
  maxConcurrentActivities?: number;
}): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities(options.deps),
    ...(options.maxConcurrentActivities && { maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities }),
  });
}
