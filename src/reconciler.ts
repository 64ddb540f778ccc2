/**
 * Nothing acknowledged is lost: a receipt stored without its workflow (the process died
 * between the insert and the start, or Temporal was down) gets it here, within
 * RECONCILE_INTERVAL_SECONDS + RECONCILE_GRACE_SECONDS. Several processes may run this at
 * once: starting a workflow is idempotent.
 */
import type { Db } from './db/client';
import type { ReceiptService } from './services/receipts';

export interface Reconciler {
  /** One pass; returns how many workflows it started. */
  tick(): Promise<number>;
  stop(): Promise<void>;
}

export function startReconciler(options: {
  db: Db;
  receipts: ReceiptService;
  intervalMs: number;
  graceMs: number;
  log: { info(obj: object, msg: string): void; error(obj: object, msg: string): void };
  batchSize?: number;
}): Reconciler {
  const { db, receipts, intervalMs, graceMs, log, batchSize = 500 } = options;
  let running: Promise<number> | null = null;

  async function pass(): Promise<number> {
    const due = await db.receipt.findMany({
      where: { workflowStartedAt: null, receivedAt: { lt: new Date(Date.now() - graceMs) } },
      include: { organization: true },
      orderBy: { receivedAt: 'asc' },
      take: batchSize,
    });
    let started = 0;
    for (const receipt of due) if (await receipts.ensureWorkflow(receipt)) started++;
    if (started > 0) log.info({ started, due: due.length }, 'reconciler started missing workflows');
    return started;
  }

  function tick(): Promise<number> {
    running ??= pass().finally(() => {
      running = null;
    });
    return running;
  }

  const timer = setInterval(() => {
    tick().catch((err: Error) => log.error({ error: err.message }, 'reconciler pass failed'));
  }, intervalMs);
  timer.unref();

  return {
    tick,
    async stop() {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
