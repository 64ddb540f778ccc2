/**
 * The invitation workflow's side effects. Each activity does one thing, reads what it
 * needs from Postgres by id, and is idempotent: safe to retry, safe to replay.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../src/db/client';
import type { Metrics } from '../src/metrics';
import { Prisma } from '../src/generated/prisma/client';
import { renderInvitationEmail } from '../src/mail/templates';
import { PermanentMailError, TransientMailError, type Mailer } from '../src/mail/mailer';
import { Secrets, tokenHash } from '../src/security';
import { closeInvitationRow } from '../src/services/invitation-closing';
import type { CloseReasonValue } from '../src/temporal/shared';
import { createScoringActivities } from './scoring';

export interface ActivityDeps {
  db: Db;
  mailer: Mailer;
  secrets: Secrets;
  publicBaseUrl: string;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** Wall clock by default; tests on the time-skipping server use the server's clock. */
  clock?: () => Date;
  /** Counts e-mails sent and given up, and times scoring runs; nothing is counted without it. */
  metrics?: Pick<Metrics, 'notifications' | 'scoringRunSeconds'>;
}

export type Activities = ReturnType<typeof createActivities>;

export function createActivities({ db, mailer, secrets, publicBaseUrl, log: baseLog, clock = () => new Date(), metrics }: ActivityDeps) {
  const log = withActivityContext(baseLog);
  /**
   * Checks eligibility and activates the links. The addressees are the recipient, or for a
   * minor every representative; only those with a confirmed portal account are invited.
   */
  async function activateInvitation(input: { receiptId: string; closesAt: string | null }): Promise<{
    status: 'active' | 'no_account' | 'withdrawn';
    links: number;
  }> {
    return db.$transaction(async (tx) => {
      const receipt = await tx.receipt.findUniqueOrThrow({
        where: { id: input.receiptId },
        include: { persons: true, invitation: { include: { links: true } } },
      });
      const invitation = receipt.invitation ?? (await tx.invitation.create({ data: { receiptId: receipt.id } }));
      if (receipt.status === 'cancelled') return { status: 'withdrawn' as const, links: 0 };
      if (invitation.status === 'active' || invitation.status === 'closed') {
        return { status: 'active' as const, links: receipt.invitation?.links.length ?? 0 };
      }
      if (invitation.status === 'no_account') return { status: 'no_account' as const, links: 0 };

      const addresseeRole = receipt.minor ? 'representative' : 'recipient';
      const hashes = receipt.persons.filter((p) => p.role === addresseeRole).map((p) => p.snilsHash);
      const accounts = await tx.account.findMany({ where: { snilsHash: { in: hashes }, confirmed: true } });
      if (accounts.length === 0) {
        await tx.invitation.update({ where: { id: invitation.id }, data: { status: 'no_account' } });
        return { status: 'no_account' as const, links: 0 };
      }
      for (const account of accounts) {
        const nonce = Secrets.newTokenNonce();
        await tx.invitationLink.create({
          data: {
            invitationId: invitation.id,
            accountId: account.id,
            tokenNonce: nonce,
            tokenHash: tokenHash(secrets.token(nonce)),
          },
        });
      }
      await tx.invitation.update({
        where: { id: invitation.id },
        data: { status: 'active', activatedAt: clock(), closesAt: toDate(input.closesAt) },
      });
      return { status: 'active' as const, links: accounts.length };
    });
  }

  /** Opens a round and returns the notifications to send (addressees not unsubscribed). */
  async function openRound(input: { receiptId: string; round: number }): Promise<{ notificationIds: string[] }> {
    return db.$transaction(async (tx) => {
      const invitation = await tx.invitation.findUniqueOrThrow({
        where: { receiptId: input.receiptId },
        include: { links: true },
      });
      await tx.invitationRound.upsert({
        where: { invitationId_round: { invitationId: invitation.id, round: input.round } },
        create: { invitationId: invitation.id, round: input.round, openedAt: clock() },
        update: {},
      });
      if (invitation.round < input.round) {
        await tx.invitation.update({ where: { id: invitation.id }, data: { round: input.round } });
      }
      const ids: string[] = [];
      for (const link of invitation.links) {
        if (link.unsubscribedAt) continue;
        const n = await tx.notification.upsert({
          where: { linkId_round: { linkId: link.id, round: input.round } },
          create: { invitationId: invitation.id, round: input.round, linkId: link.id },
          update: {},
        });
        if (n.status === 'pending') ids.push(n.id);
      }
      return { notificationIds: ids };
    });
  }

  /** Sends one e-mail. The idempotency key makes a retried or replayed send deliver once. */
  async function sendNotification(input: { notificationId: string }): Promise<{ status: 'sent' | 'skipped' }> {
    const n = await db.notification.findUniqueOrThrow({
      where: { id: input.notificationId },
      include: {
        link: { include: { account: true } },
        invitationRound: { include: { invitation: { include: { receipt: { include: { organization: true } } } } } },
      },
    });
    if (n.status === 'sent') return { status: 'sent' };
    const invitation = n.invitationRound.invitation;
    if (n.link.unsubscribedAt || invitation.status !== 'active' || invitation.receipt.status === 'cancelled') {
      await db.notification.update({ where: { id: n.id }, data: { status: 'skipped' } });
      return { status: 'skipped' };
    }
    const token = secrets.token(n.link.tokenNonce);
    const content = renderInvitationEmail({
      organizationName: invitation.receipt.organization.name,
      serviceDate: invitation.receipt.serviceDate.toISOString().slice(0, 10),
      link: `${publicBaseUrl}/q/${token}`,
      unsubscribeLink: `${publicBaseUrl}/u/${token}`,
      closesAt: invitation.closesAt,
      round: n.round,
      reminder: n.round > 1,
    });
    await db.notification.update({ where: { id: n.id }, data: { attempts: { increment: 1 } } });
    let providerId: string;
    try {
      ({ providerId } = await mailer.send({
        ...content,
        to: n.link.account.email,
        idempotencyKey: `notification-${n.id}`,
        notificationId: n.id,
      }));
    } catch (err) {
      const message = err instanceof Error ? `${err.name}: ${err.message}` : 'unknown error';
      await db.notification.update({ where: { id: n.id }, data: { lastError: message.slice(0, 500) } });
      log.warn({ notificationId: n.id, error: message }, 'e-mail not sent');
      if (err instanceof PermanentMailError) throw ApplicationFailure.nonRetryable(message, 'PermanentMailError');
      // The provider said when to come back (429 Retry-After): the next attempt waits that long.
      if (err instanceof TransientMailError && err.retryAfterMs !== undefined) {
        throw ApplicationFailure.create({ message, type: 'TransientMailError', nextRetryDelay: err.retryAfterMs });
      }
      throw err;
    }
    const now = clock();
    await db.$transaction([
      db.notification.update({ where: { id: n.id }, data: { status: 'sent', sentAt: now, providerId, lastError: null } }),
      db.invitationRound.updateMany({
        where: { invitationId: n.invitationId, round: n.round, notifiedAt: null },
        data: { notifiedAt: now },
      }),
    ]);
    metrics?.notifications.inc({ status: 'sent' });
    log.info({ notificationId: n.id, round: n.round, via: mailer.kind }, 'e-mail sent');
    return { status: 'sent' };
  }

  async function recordNotificationFailed(input: { notificationId: string; error: string }): Promise<void> {
    const { count } = await db.notification.updateMany({
      where: { id: input.notificationId, status: 'pending' },
      data: { status: 'failed', failedAt: clock(), lastError: input.error.slice(0, 500) },
    });
    // Counted once, when it turns failed (a retried or replayed call finds it failed already).
    if (count > 0) metrics?.notifications.inc({ status: 'failed' });
    log.warn({ notificationId: input.notificationId }, 'e-mail not delivered before its deadline');
  }

  async function setClosesAt(input: { receiptId: string; closesAt: string | null }): Promise<void> {
    await db.invitation.updateMany({
      where: { receiptId: input.receiptId, status: { in: ['pending', 'active'] } },
      data: { closesAt: toDate(input.closesAt) },
    });
  }

  /** Closes the link; e-mails of the invitation not sent by now are skipped. */
  async function closeInvitation(input: { receiptId: string; reason: CloseReasonValue }): Promise<void> {
    await closeInvitationRow(db, input.receiptId, input.reason, clock());
  }

  return nonRetryableWhenMissing({
    activateInvitation,
    openRound,
    sendNotification,
    recordNotificationFailed,
    setClosesAt,
    closeInvitation,
    ...createScoringActivities({ db, clock, metrics }),
  });
}

/**
 * A row that does not exist will not appear on a retry: such a failure is non-retryable
 * (the workflow fails at once, visibly) instead of retrying until its schedule-to-close.
 */
function nonRetryableWhenMissing<T extends Record<string, (input: never) => Promise<unknown>>>(activities: T): T {
  const wrapped: Record<string, (input: never) => Promise<unknown>> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (input: never) => {
      try {
        return await fn(input);
      } catch (err) {
        if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2025') {
          throw ApplicationFailure.nonRetryable(`${name}: a row it needs does not exist`, 'RowMissing');
        }
        throw err;
      }
    };
  }
  return wrapped as T;
}

function toDate(iso: string | null): Date | null {
  return iso === null ? null : new Date(iso);
}

type ActivityLog = ActivityDeps['log'];

/**
 * Adds the workflow id, run id, activity type and attempt to every line logged inside an
 * activity (ids only, no personal data), so a line leads to its workflow in the Temporal UI.
 * Outside an activity (tests calling the functions directly) lines pass unchanged.
 */
export function withActivityContext(log: ActivityLog): ActivityLog {
  const context = (): object => {
    let info;
    try {
      info = Context.current().info;
    } catch {
      return {};
    }
    return { workflowId: info.workflowExecution?.workflowId, runId: info.workflowExecution?.runId, activityType: info.activityType, attempt: info.attempt };
  };
  return {
    info: (obj, msg) => log.info({ ...context(), ...obj }, msg),
    warn: (obj, msg) => log.warn({ ...context(), ...obj }, msg),
  };
}
