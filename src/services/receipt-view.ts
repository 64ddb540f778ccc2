/** What an integrator sees of a receipt: its state, never the people it names. */
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
  organization: { code: string };
  invitation:
    | (Pick<InvitationWithView, 'status' | 'round' | 'activatedAt' | 'closesAt' | 'closedAt' | 'closeReason'> & {
        rounds: Pick<InvitationWithView['rounds'][number], 'notifiedAt' | 'completedAt'>[];
      })
    | null;
};

const ZInstant = z.string().nullable();

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
      notifiedAt: ZInstant,
      completedAt: ZInstant,
      closedAt: ZInstant,
      closeReason: z.enum(['expired', 'completed', 'service_ended', 'withdrawn', 'operator_cancelled', 'workflow_closed']).nullable(),
    })
    .nullable(),
});
export type ReceiptView = z.infer<typeof ZReceiptView>;

export function receiptView(r: ReceiptViewSource): ReceiptView {
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
          status: inv.status,
          round: inv.round,
          activatedAt: iso(inv.activatedAt),
          closesAt: iso(inv.closesAt),
          notifiedAt: iso(latest?.notifiedAt ?? null),
          completedAt: iso(latest?.completedAt ?? null),
          closedAt: iso(inv.closedAt),
          closeReason: inv.closeReason,
        }
      : null,
  };
}

function day(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function iso(d: Date | null): string | null {
  return d ? d.toISOString() : null;
}
