/**
 * What an integrator sees of a receipt: its state, never the people it names, and never
 * whether or when its citizen answered (DESIGN §6, anonymity; docs/receipts.md). The view
 * says whether the citizen was notified; an answered link is shown as it would be had the
 * citizen not answered: open until its scheduled close, then closed as `expired` at that
 * instant (or `withdrawn` when the receipt is cancelled first).
 */
import { z } from 'zod';
import type { Prisma } from '../generated/prisma/client';
import { invitationWorkflowId } from '../temporal/shared';

export const RECEIPT_VIEW_INCLUDE = {
  organization: true,
  invitation: { include: { rounds: { orderBy: { round: 'desc' as const }, take: 1 } } },
} satisfies Prisma.ReceiptInclude;

type ReceiptWithView = Prisma.ReceiptGetPayload<{ include: typeof RECEIPT_VIEW_INCLUDE }>;
type InvitationWithView = NonNullable<ReceiptWithView['invitation']>;

/** What the view is made of: a stored receipt as read, or one just inserted (src/services/receipts.ts). */
export type ReceiptViewSource = Pick<ReceiptWithView, 'id' | 'externalId' | 'status' | 'late' | 'receivedAt' | 'serviceKind' | 'serviceDate' | 'serviceEnd'> & {
  /** When it was withdrawn; a stored receipt has it (null unless cancelled). */
  cancelledAt?: Date | null;
  organization: { code: string };
  invitation:
    | (Pick<InvitationWithView, 'status' | 'round' | 'activatedAt' | 'closesAt' | 'closedAt' | 'closeReason'> & {
        rounds: Pick<InvitationWithView['rounds'][number], 'notifiedAt' | 'completedAt'>[];
      })
    | null;
};

const ZInstant = z.string().nullable();
/** The stored reasons less `completed`, which an integrator never sees. */
const INTEGRATOR_CLOSE_REASONS = ['expired', 'service_ended', 'withdrawn', 'operator_cancelled', 'workflow_closed'] as const;
type IntegratorCloseReason = (typeof INTEGRATOR_CLOSE_REASONS)[number];
type InvitationStatus = 'pending' | 'no_account' | 'active' | 'closed';

export const ZReceiptView = z.object({
  id: z.string().uuid(),
  externalId: z.string(),
  organization: z.string(),
  status: z.enum(['active', 'cancelled']),
  late: z.boolean().describe('arrived more than 1 day after the service (Regulation II.4)'),
  workflowId: z.string().describe('the invitation workflow in the Temporal UI'),
  receivedAt: z.string(),
  service: z.union([
    z.object({ kind: z.literal('one_time'), date: z.string() }),
    z.object({ kind: z.literal('long'), start: z.string(), end: z.string().nullable() }),
  ]),
  invitation: z
    .object({
      status: z.enum(['pending', 'no_account', 'active', 'closed']),
      round: z.number().int(),
      activatedAt: ZInstant,
      closesAt: ZInstant,
      notifiedAt: ZInstant.describe('when the citizen was notified of the current round'),
      closedAt: ZInstant.describe('expired: the scheduled closesAt; withdrawn: when the receipt was cancelled; otherwise when the link closed'),
      closeReason: z.enum(INTEGRATOR_CLOSE_REASONS).nullable().describe('never says whether the citizen answered: an answered link shows as an unanswered one would'),
    })
    .describe('no answer time and no `completed` reason: an integrator never learns whether or when its citizen answered')
    .nullable(),
});
export type ReceiptView = z.infer<typeof ZReceiptView>;

export function receiptView(r: ReceiptViewSource, now: Date = new Date()): ReceiptView {
  const inv = r.invitation;
  const latest = inv?.rounds[0];
  return {
    id: r.id,
    externalId: r.externalId,
    organization: r.organization.code,
    status: r.status,
    late: r.late,
    workflowId: invitationWorkflowId(r.id),
    receivedAt: r.receivedAt.toISOString(),
    service:
      r.serviceKind === 'one_time'
        ? { kind: 'one_time', date: day(r.serviceDate) }
        : { kind: 'long', start: day(r.serviceDate), end: r.serviceEnd ? day(r.serviceEnd) : null },
    invitation: inv
      ? {
          round: inv.round,
          activatedAt: iso(inv.activatedAt),
          closesAt: iso(inv.closesAt),
          notifiedAt: iso(latest?.notifiedAt ?? null),
          ...asIfUnanswered(r, inv, now),
        }
      : null,
  };
}

/**
 * The link's state as an integrator may see it: what it would be had the citizen not
 * answered. A one-time link closes at the answer, so the stored `completed` reason and its
 * instant would tell the answer's time; instead:
 * - answered (`completed`): open until the scheduled `closesAt`, then `expired` at
 *   `closesAt`, as an unanswered link; `withdrawn` at the cancellation if the receipt is
 *   cancelled before that;
 * - `expired`: at the scheduled `closesAt` (not when the timer happened to fire, which an
 *   answered link has no counterpart for), and so is an open one-time link past `closesAt`
 *   whose timer has not fired yet;
 * - `withdrawn`, or a cancelled receipt whose link the workflow has not closed yet: at the
 *   cancellation (`cancelledAt`), the integrator's own act;
 * - anything else (service ended, operator, swept) as stored: none of these depends on an
 *   answer.
 */
function asIfUnanswered(
  r: ReceiptViewSource,
  inv: NonNullable<ReceiptViewSource['invitation']>,
  now: Date,
): { status: InvitationStatus; closedAt: string | null; closeReason: IntegratorCloseReason | null } {
  const closed = (reason: IntegratorCloseReason, at: Date | null) => ({ status: 'closed' as const, closedAt: iso(at), closeReason: reason });
  const open = { status: 'active' as const, closedAt: null, closeReason: null };
  const scheduled = inv.closesAt;
  const cancelledAt = r.status === 'cancelled' ? (r.cancelledAt ?? inv.closedAt) : null;
  const expiredBy = (at: Date | null) => scheduled !== null && at !== null && at.getTime() >= scheduled.getTime();
  switch (inv.closeReason) {
    case 'completed':
      if (cancelledAt && !expiredBy(cancelledAt)) return closed('withdrawn', cancelledAt);
      return expiredBy(now) ? closed('expired', scheduled) : open;
    case 'expired':
      return closed('expired', scheduled ?? inv.closedAt);
    case 'withdrawn':
      return closed('withdrawn', cancelledAt ?? inv.closedAt);
    case null:
      if (inv.status === 'active' && cancelledAt) return closed('withdrawn', cancelledAt);
      if (inv.status === 'active' && r.serviceKind === 'one_time' && expiredBy(now)) return closed('expired', scheduled);
      return { status: inv.status, closedAt: iso(inv.closedAt), closeReason: null };
    default:
      return closed(inv.closeReason, inv.closedAt);
  }
}

function day(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function iso(d: Date | null): string | null {
  return d ? d.toISOString() : null;
}
