/**
 * The citizen's side of an invitation, reached with the token from the e-mail: what the
 * link shows, storing an answer once per round, and unsubscribing. The link's state is the
 * one the workflow wrote to the database, with two guards for a workflow that is late or
 * gone: a link past its closing instant is closed, and a link whose workflow no longer
 * runs (terminated, failed, missing) is closed on the spot instead of taking an answer.
 */
import type { Db } from '../db/client';
import { Prisma } from '../generated/prisma/client';
import { CURRENT_QUESTIONNAIRE, responseScore, type TSubmission } from '../domain/questionnaire';
import { tokenHash } from '../security';
import type { InvitationGateway } from '../temporal/invitations';
import type { Metrics } from '../metrics';
import { closeInvitationRow } from './invitation-closing';

/** Why a link cannot take an answer now (or `open` when it can). */
export type LinkStatus = 'open' | 'not_yet_active' | 'answered' | 'closed' | 'withdrawn';

export interface LinkView {
  status: LinkStatus;
  round: number;
  closesAt: Date | null;
  organization: { name: string; type: string; typeName: string };
  service: { kind: 'one_time' | 'long'; date: string };
}

export type SubmitOutcome =
  | { kind: 'created'; id: string; round: number }
  | { kind: 'unknown' }
  | { kind: 'refused'; status: Exclude<LinkStatus, 'open'> };

const LINK_INCLUDE = {
  invitation: {
    include: {
      receipt: { include: { organization: { include: { type: true } } } },
      rounds: { orderBy: { round: 'desc' as const }, take: 1 },
    },
  },
} satisfies Prisma.InvitationLinkInclude;
type LinkRow = Prisma.InvitationLinkGetPayload<{ include: typeof LINK_INCLUDE }>;

export class QuestionnaireService {
  constructor(
    private readonly deps: {
      db: Db;
      invitations: InvitationGateway;
      log: { warn(obj: object, msg: string): void };
      now?: () => Date;
      /** feedback_responses_total; nothing is counted without it. */
      metrics?: Pick<Metrics, 'responses'>;
    },
  ) {}

  async view(token: string): Promise<LinkView | null> {
    const link = await this.findLink(token);
    if (!link) return null;
    const view = toView(link, this.now());
    if (view.status === 'open' && !(await this.workflowLive(link.invitation.receiptId))) return { ...view, status: 'closed' };
    return view;
  }

  /** Stores the answer for the link's current round; exactly one per round, however many submit at once. */
  async submit(token: string, submission: TSubmission): Promise<SubmitOutcome> {
    const link = await this.findLink(token);
    if (!link) return { kind: 'unknown' };
    if (toView(link, this.now()).status === 'open' && !(await this.workflowLive(link.invitation.receiptId))) {
      return { kind: 'refused', status: 'closed' };
    }
    const { db } = this.deps;
    const invitationId = link.invitationId;
    let outcome: SubmitOutcome;
    try {
      outcome = await db.$transaction(async (tx) => {
        // Serialises with the workflow closing the link and with a concurrent submission.
        await tx.$queryRaw`SELECT id FROM invitation WHERE id = ${invitationId}::uuid FOR UPDATE`;
        const fresh = await tx.invitationLink.findUniqueOrThrow({ where: { id: link.id }, include: LINK_INCLUDE });
        const { status, round } = toView(fresh, this.now());
        if (status !== 'open') return { kind: 'refused' as const, status };
        const response = await tx.response.create({
          data: {
            invitationId,
            round,
            linkId: link.id,
            organizationId: fresh.invitation.receipt.organizationId,
            questionnaireVersion: CURRENT_QUESTIONNAIRE.version,
            ...submission.answers,
            score: responseScore(submission.answers),
            comment: submission.comment,
            submittedAt: this.now(),
          },
        });
        await tx.invitationRound.update({
          where: { invitationId_round: { invitationId, round } },
          data: { completedAt: response.submittedAt },
        });
        return { kind: 'created' as const, id: response.id, round };
      });
    } catch (err) {
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') return { kind: 'refused', status: 'answered' };
      throw err;
    }
    if (outcome.kind === 'created') this.deps.metrics?.responses.inc();
    if (outcome.kind === 'created') await this.tellWorkflow(link.invitation.receiptId, () => this.deps.invitations.completed(link.invitation.receiptId, outcome.round));
    return outcome;
  }

  /** Stops further e-mails to this addressee; the link itself keeps working while open. */
  async unsubscribe(token: string): Promise<'unsubscribed' | 'unknown'> {
    const link = await this.findLink(token);
    if (!link) return 'unknown';
    const { db } = this.deps;
    await db.invitationLink.updateMany({ where: { id: link.id, unsubscribedAt: null }, data: { unsubscribedAt: this.now() } });
    const subscribed = await db.invitationLink.count({ where: { invitationId: link.invitationId, unsubscribedAt: null } });
    if (link.invitation.status === 'active' || link.invitation.status === 'pending') {
      await this.tellWorkflow(link.invitation.receiptId, () => this.deps.invitations.unsubscribed(link.invitation.receiptId, subscribed === 0));
    }
    return 'unsubscribed';
  }

  /**
   * False when the workflow is known to have ended or to be missing (its link is then
   * closed here, as the reconciler's sweep would); true when it runs, or when Temporal
   * cannot answer within a second (the answer is then taken; the sweep corrects later).
   */
  private async workflowLive(receiptId: string): Promise<boolean> {
    const liveness = await this.deps.invitations.liveness(receiptId);
    if (liveness !== 'closed' && liveness !== 'missing') return true;
    await closeInvitationRow(this.deps.db, receiptId, 'workflow_closed', this.now());
    this.deps.log.warn({ receiptId, liveness }, 'link closed: its workflow no longer runs');
    return false;
  }

  private findLink(token: string): Promise<LinkRow | null> {
    // A token is 43 URL-safe characters; anything else cannot be one (and is not looked up).
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return Promise.resolve(null);
    return this.deps.db.invitationLink.findUnique({ where: { tokenHash: tokenHash(token) }, include: LINK_INCLUDE });
  }

  /**
   * The answer is stored either way; if the workflow cannot be told now, the reconciler
   * tells it later (the signals are idempotent).
   */
  private async tellWorkflow(receiptId: string, send: () => Promise<void>): Promise<void> {
    try {
      await send();
    } catch (err) {
      this.deps.log.warn({ receiptId, error: (err as Error).message }, 'workflow not signalled; the reconciler will retry');
    }
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }
}

function toView(link: LinkRow, now: Date): LinkView {
  const { invitation } = link;
  const { receipt } = invitation;
  const current = invitation.rounds[0];
  const status = statusOf(invitation, receipt.status, current);
  const overdue = invitation.closesAt !== null && invitation.closesAt <= now;
  return {
    status: status === 'open' && overdue ? 'closed' : status,
    round: invitation.round,
    closesAt: invitation.closesAt,
    organization: { name: receipt.organization.name, type: receipt.organization.typeCode, typeName: receipt.organization.type.name },
    service: { kind: receipt.serviceKind, date: receipt.serviceDate.toISOString().slice(0, 10) },
  };
}

function statusOf(
  invitation: LinkRow['invitation'],
  receiptStatus: 'active' | 'cancelled',
  current: { round: number; completedAt: Date | null } | undefined,
): LinkStatus {
  if (receiptStatus === 'cancelled' || invitation.closeReason === 'withdrawn') return 'withdrawn';
  if (invitation.status === 'closed') return invitation.closeReason === 'completed' ? 'answered' : 'closed';
  if (invitation.status !== 'active' || !current || current.round !== invitation.round) return 'not_yet_active';
  return current.completedAt ? 'answered' : 'open';
}
