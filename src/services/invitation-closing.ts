/**
 * Closing an invitation's link in the database: the workflow's closeInvitation activity and
 * the reconciler's sweep (for a workflow that ended without closing it) both use this.
 * Idempotent: a closed invitation keeps its first reason; e-mails not yet sent are skipped.
 */
import type { Db } from '../db/client';
import type { CloseReasonValue } from '../temporal/shared';

export async function closeInvitationRow(db: Db, receiptId: string, reason: CloseReasonValue, at: Date): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const existing = await tx.invitation.findUnique({ where: { receiptId }, select: { id: true, status: true } });
    if (existing?.status === 'closed') return false;
    const data = { status: 'closed' as const, closedAt: at, closeReason: reason };
    // A concurrent create (activation) makes this fail with a unique violation: the caller retries.
    if (!existing) await tx.invitation.create({ data: { receiptId, ...data } });
    else await tx.invitation.update({ where: { id: existing.id }, data });
    if (existing) await tx.notification.updateMany({ where: { invitationId: existing.id, status: 'pending' }, data: { status: 'skipped' } });
    return true;
  });
}
