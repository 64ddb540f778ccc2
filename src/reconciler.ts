/**
 * Nothing acknowledged is lost: a receipt stored without its workflow (the process died
 * between the insert and the start, or Temporal was down) gets it here, within
 * RECONCILE_INTERVAL_SECONDS + RECONCILE_GRACE_SECONDS. Several processes may run this at
 * once: starting a workflow is idempotent.
 */
import type { Db } from './db/client';
import type { ReceiptService } from './services/receipts';
import type { InvitationGateway } from './temporal/invitations';

export interface Reconciler {
  /** One pass; returns how many workflows it started. */
  tick(): Promise<number>;
  stop(): Promise<void>;
}

export function startReconciler(options: {
  db: Db;
  receipts: ReceiptService;
  invitations: InvitationGateway;
  intervalMs: number;
  graceMs: number;
  log: { info(obj: object, msg: string): void; error(obj: object, msg: string): void };
  batchSize?: number;
}): Reconciler {
  const { db, receipts, invitations, intervalMs, graceMs, log, batchSize = 500 } = options;
  let running: Promise<number> | null = null;

  async function pass(): Promise<number> {
    const cutoff = new Date(Date.now() - graceMs);
    const due = await db.receipt.findMany({
      where: { workflowStartedAt: null, receivedAt: { lt: cutoff } },
      include: { organization: true },
      orderBy: { receivedAt: 'asc' },
      take: batchSize,
    });
    let started = 0;
    for (const receipt of due) if (await receipts.ensureWorkflow(receipt)) started++;
    if (started > 0) log.info({ started, due: due.length }, 'reconciler started missing workflows');
    await resignalCompletions(cutoff);
    return started;
  }

  /**
   * A one-time link closes when its questionnaire is answered. The answer is in the
   * database; if the completion signal was lost, the link is still active there: tell the
   * workflow again (the signal is idempotent).
   */
  async function resignalCompletions(cutoff: Date): Promise<void> {
    const stale = await db.invitationRound.findMany({
      where: { completedAt: { lt: cutoff }, invitation: { status: 'active', receipt: { serviceKind: 'one_time' } } },
      select: { round: true, invitation: { select: { receiptId: true } } },
      take: batchSize,
    });
    for (const r of stale) {
      await invitations.completed(r.invitation.receiptId, r.round).catch((err: Error) => {
        log.error({ receiptId: r.invitation.receiptId, error: err.message }, 'completion signal failed again');
      });
    }
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
