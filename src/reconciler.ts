/**
 * Nothing acknowledged is lost: a receipt stored without its workflow (the process died
 * between the insert and the start, or Temporal was down) gets it here, within
 * RECONCILE_INTERVAL_SECONDS + RECONCILE_GRACE_SECONDS. Several processes may run this at
 * once: starting a workflow is idempotent.
 */
import type { Client } from '@temporalio/client';
import type { Db } from './db/client';
import type { Metrics } from './metrics';
import { closeInvitationRow } from './services/invitation-closing';
import type { ReceiptService } from './services/receipts';
import { BACKGROUND_CALL_DEADLINE_MS, type InvitationGateway } from './temporal/invitations';
import { INVITATION_WORKFLOW_TYPES } from './temporal/shared';

/** Re-sent completion signals back off from the grace period, doubling, to once a day. */
export const RESIGNAL_MAX_INTERVAL_S = 86_400;
/** How far back the first sweep looks for invitation workflows that ended abnormally. */
const SWEEP_LOOKBACK_MS = 7 * 86_400_000;

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
  /** For the sweep's visibility query; without it only overdue links are swept. */
  client?: Client;
  /** The backlog (measured each pass) and the workflows started. */
  metrics?: Pick<Metrics, 'reconcilerBacklog' | 'reconcilerStarted'>;
}): Reconciler {
  const { db, receipts, invitations, intervalMs, graceMs, log, batchSize = 500, client, metrics } = options;
  let running: Promise<number> | null = null;
  let sweptUpTo = Date.now() - SWEEP_LOOKBACK_MS;

  async function pass(): Promise<number> {
    const cutoff = new Date(Date.now() - graceMs);
    const missing = { workflowStartedAt: null, receivedAt: { lt: cutoff } };
    if (metrics) metrics.reconcilerBacklog.set(await db.receipt.count({ where: missing }));
    // A backlog (Temporal was down) drains in one pass, START_CONCURRENCY (services/receipts)
    // starts at a time and one update per batch, batch after batch while the starts succeed.
    let started = 0;
    let due = 0;
    for (;;) {
      const batch = await db.receipt.findMany({
        where: missing,
        include: { organization: true },
        orderBy: { receivedAt: 'asc' },
        take: batchSize,
      });
      due += batch.length;
      const now = await receipts.ensureWorkflows(batch, { deadlineMs: BACKGROUND_CALL_DEADLINE_MS });
      started += now;
      if (batch.length < batchSize || now === 0) break;
    }
    metrics?.reconcilerStarted.inc(started);
    if (started > 0) log.info({ started, due }, 'reconciler started missing workflows');
    await resignalCompletions(cutoff);
    await sweep(cutoff);
    return started;
  }

  /**
   * A one-time link closes when its questionnaire is answered. The answer is in the
   * database; if the completion signal was lost, the link is still active there: tell the
   * workflow again (the signal is idempotent). Each round is claimed in the database with
   * a back-off (grace, 2×, 4×, … up to a day), so however many processes run this, a round
   * gets a bounded number of re-sent signals and its workflow's history stays small.
   */
  async function resignalCompletions(cutoff: Date): Promise<void> {
    const due = await db.$queryRaw<{ receipt_id: string; round: number }[]>`
      UPDATE invitation_round r SET resignal_count = r.resignal_count + 1, resignaled_at = now()
      FROM (
        SELECT r2.invitation_id, r2.round, i.receipt_id
        FROM invitation_round r2
        JOIN invitation i ON i.id = r2.invitation_id AND i.status = 'active'
        JOIN receipt rc ON rc.id = i.receipt_id AND rc.service_kind = 'one_time'
        WHERE r2.completed_at < ${cutoff}
          AND (r2.resignaled_at IS NULL OR r2.resignaled_at < now() - make_interval(secs =>
                LEAST(${RESIGNAL_MAX_INTERVAL_S}::float8, ${graceMs / 1000}::float8 * power(2, r2.resignal_count))))
        ORDER BY r2.completed_at
        LIMIT ${batchSize}
        FOR UPDATE OF r2 SKIP LOCKED
      ) d
      WHERE r.invitation_id = d.invitation_id AND r.round = d.round
      RETURNING d.receipt_id, r.round`;
    for (const r of due) {
      await invitations.completed(r.receipt_id, r.round).catch((err: Error) => {
        log.error({ receiptId: r.receipt_id, error: err.message }, 'completion signal failed again');
      });
    }
  }

  /**
   * Nothing stays answerable without a live workflow. Closes the link of every invitation
   * whose workflow ended without closing it: terminated, failed or timed out (found in
   * Temporal's visibility since the last sweep), or found not running (or missing) when
   * its link is overdue by more than the grace period.
   */
  async function sweep(cutoff: Date): Promise<void> {
    const receiptIds = new Set<string>();
    if (client) {
      const since = new Date(sweptUpTo - graceMs).toISOString();
      const now = Date.now();
      const query = `WorkflowType IN (${INVITATION_WORKFLOW_TYPES.map((t) => `'${t}'`).join(', ')}) AND ExecutionStatus IN ('Terminated', 'Failed', 'TimedOut', 'Canceled') AND CloseTime > '${since}'`;
      try {
        for await (const wf of client.workflow.list({ query })) {
          if (wf.workflowId.startsWith('receipt-')) receiptIds.add(wf.workflowId.slice('receipt-'.length));
          if (receiptIds.size >= batchSize) break;
        }
        if (receiptIds.size < batchSize) sweptUpTo = now;
      } catch (err) {
        // Visibility unavailable for now: the overdue check below still runs; next pass retries.
        log.error({ error: (err as Error).message }, 'sweep could not list ended workflows');
      }
    }
    const overdue = await db.invitation.findMany({
      where: { status: { in: ['pending', 'active'] }, closesAt: { lt: cutoff } },
      select: { receiptId: true },
      orderBy: { closesAt: 'asc' },
      take: Math.min(batchSize, 100),
    });
    for (const { receiptId } of overdue) {
      const liveness = await invitations.liveness(receiptId);
      if (liveness === 'closed' || liveness === 'missing') receiptIds.add(receiptId);
    }
    // Every id here is known to have ended (a terminated or failed run is final; the ids are
    // never reused): close what is still open, or never got its invitation row.
    let closed = 0;
    for (const receiptId of receiptIds) {
      const receipt = await db.receipt.findUnique({ where: { id: receiptId }, select: { invitation: { select: { status: true } } } });
      // A workflow whose receipt row is gone (it failed on that) has nothing left to close.
      if (!receipt || (receipt.invitation && !['pending', 'active'].includes(receipt.invitation.status))) continue;
      try {
        if (await closeInvitationRow(db, receiptId, 'workflow_closed', new Date())) closed++;
      } catch (err) {
        log.error({ receiptId, error: (err as Error).message }, 'sweep could not close a link; the next pass retries');
      }
    }
    if (closed > 0) log.info({ closed }, 'sweep closed the links of ended workflows');
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
