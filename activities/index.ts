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
import { PermanentSendError, TransientSendError, type Mailer } from '../src/mail/mailer';
import type { PortalNotifier } from '../src/portal/notify';
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
  /**
   * Wall clock by default; tests on the time-skipping server read the server's clock (a call,
   * hence a promise: local activities carry no server time of their own).
   */
  clock?: () => Date | Promise<Date>;
  /** The portal notification channel; null or absent when PORTAL_NOTIFY_URL is unset (off). */
  portal?: PortalNotifier | null;
  /** Counts notifications (e-mail and portal) sent and given up, and times scoring runs; nothing is counted without it. */
  metrics?: Pick<Metrics, 'notifications' | 'scoringRunSeconds'>;
}

export type Activities = ReturnType<typeof createActivities>;

export function createActivities({ db, mailer, secrets, publicBaseUrl, log: baseLog, clock = () => new Date(), metrics, portal = null }: ActivityDeps) {
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
        data: { status: 'active', activatedAt: await clock(), closesAt: toDate(input.closesAt) },
      });
      return { status: 'active' as const, links: accounts.length };
    });
  }

  /**
   * Opens a round and returns the notifications to send (addressees not unsubscribed): an
   * e-mail each, and with `portal` (workflows since the portal-notify-channel patch) a
   * portal notice each for addressees with a portal account id, while the channel is on.
   */
  async function openRound(input: { receiptId: string; round: number; portal?: boolean }): Promise<{ notificationIds: string[]; portalNotificationIds?: string[] }> {
    return db.$transaction(async (tx) => {
      const invitation = await tx.invitation.findUniqueOrThrow({
        where: { receiptId: input.receiptId },
        include: { links: { include: { account: { select: { portalAccountId: true } } } } },
      });
      await tx.invitationRound.upsert({
        where: { invitationId_round: { invitationId: invitation.id, round: input.round } },
        create: { invitationId: invitation.id, round: input.round, openedAt: await clock() },
        update: {},
      });
      if (invitation.round < input.round) {
        await tx.invitation.update({ where: { id: invitation.id }, data: { round: input.round } });
      }
      const ids: string[] = [];
      const portalIds: string[] = [];
      for (const link of invitation.links) {
        if (link.unsubscribedAt) continue;
        const n = await tx.notification.upsert({
          where: { linkId_round_channel: { linkId: link.id, round: input.round, channel: 'email' } },
          create: { invitationId: invitation.id, round: input.round, linkId: link.id, channel: 'email' },
          update: {},
        });
        if (n.status === 'pending') ids.push(n.id);
        if (!input.portal || !portal || !link.account.portalAccountId) continue;
        const p = await tx.notification.upsert({
          where: { linkId_round_channel: { linkId: link.id, round: input.round, channel: 'portal' } },
          create: { invitationId: invitation.id, round: input.round, linkId: link.id, channel: 'portal' },
          update: {},
        });
        if (p.status === 'pending') portalIds.push(p.id);
      }
      return input.portal ? { notificationIds: ids, portalNotificationIds: portalIds } : { notificationIds: ids };
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
      return failedSend(n.id, 'email', err);
    }
    await recordSent(n, 'email', mailer.kind, providerId);
    return { status: 'sent' };
  }

  /**
   * Sends one portal notice (a signed webhook naming the citizen by the portal's account id
   * alone). Every attempt carries the same Idempotency-Key. The first notice of a round to
   * reach the citizen on any channel marks the round notified.
   */
  async function sendPortalNotification(input: { notificationId: string }): Promise<{ status: 'sent' | 'skipped' }> {
    const n = await db.notification.findUniqueOrThrow({
      where: { id: input.notificationId },
      include: {
        link: { include: { account: { select: { portalAccountId: true } } } },
        invitationRound: { include: { invitation: { include: { receipt: { include: { organization: { include: { type: true } } } } } } } },
      },
    });
    if (n.status === 'sent') return { status: 'sent' };
    const invitation = n.invitationRound.invitation;
    const portalAccountId = n.link.account.portalAccountId;
    // Skipped, not failed: nothing to deliver (the channel turned off, the account lost its portal id).
    if (n.link.unsubscribedAt || invitation.status !== 'active' || invitation.receipt.status === 'cancelled' || !portal || !portalAccountId) {
      await db.notification.updateMany({ where: { id: n.id, status: 'pending' }, data: { status: 'skipped' } });
      return { status: 'skipped' };
    }
    const organization = invitation.receipt.organization;
    const notice = {
      type: 'questionnaire.invitation' as const,
      notificationId: n.id,
      portalAccountId,
      organization: { code: organization.code, name: organization.name, type: organization.typeCode, typeName: organization.type.name },
      round: n.round,
      reminder: n.round > 1,
      until: invitation.closesAt?.toISOString() ?? null,
      url: `${publicBaseUrl}/q/${secrets.token(n.link.tokenNonce)}`,
    };
    await db.notification.update({ where: { id: n.id }, data: { attempts: { increment: 1 } } });
    try {
      await portal.send(notice, `notification-${n.id}`);
    } catch (err) {
      return failedSend(n.id, 'portal', err);
    }
    await recordSent(n, 'portal', 'portal');
    return { status: 'sent' };
  }

  /**
   * A send that failed, on either channel: the error (its class and message, which name the
   * provider's error and HTTP status, never the addressee) is recorded on the row and logged,
   * and thrown as Temporal should see it: a permanent one non-retryable, a transient one
   * retryable, after the provider's Retry-After when it gave one. Anything else is rethrown.
   */
  async function failedSend(notificationId: string, channel: NotificationChannel, err: unknown): Promise<never> {
    const message = err instanceof Error ? `${err.name}: ${err.message}` : 'unknown error';
    await db.notification.update({ where: { id: notificationId }, data: { lastError: message.slice(0, 500) } });
    log.warn({ notificationId, error: message }, `${NOTICE[channel]} not sent`);
    if (err instanceof PermanentSendError) throw ApplicationFailure.nonRetryable(message, err.name);
    if (err instanceof TransientSendError) {
      // The provider or portal said when to come back (Retry-After): the next attempt waits that
      // long. The same figure rides in the details, where a workflow can read it (a local
      // activity's retry is the workflow's own: the failure it gets carries no nextRetryDelay).
      const asked = err.retryAfterMs !== undefined ? { nextRetryDelay: err.retryAfterMs, details: [{ retryAfterMs: err.retryAfterMs }] } : {};
      throw ApplicationFailure.create({ message, type: err.name, ...asked });
    }
    throw err;
  }

  /**
   * A send that succeeded, on either channel: the notification is sent (with the provider's
   * id for an e-mail) and the round notified unless a notice on any channel did so first,
   * in one transaction; then counted once (a retried send finds the row sent and returns early).
   */
  async function recordSent(
    n: { id: string; invitationId: string; round: number },
    channel: NotificationChannel,
    via: string,
    providerId?: string,
  ): Promise<void> {
    const now = await clock();
    await db.$transaction([
      db.notification.update({ where: { id: n.id }, data: { status: 'sent', sentAt: now, lastError: null, ...(providerId !== undefined && { providerId }) } }),
      db.invitationRound.updateMany({
        where: { invitationId: n.invitationId, round: n.round, notifiedAt: null },
        data: { notifiedAt: now },
      }),
    ]);
    metrics?.notifications.inc({ status: 'sent', channel });
    log.info({ notificationId: n.id, round: n.round, via }, `${NOTICE[channel]} sent`);
  }

  async function recordNotificationFailed(input: { notificationId: string; error: string }): Promise<void> {
    const { count } = await db.notification.updateMany({
      where: { id: input.notificationId, status: 'pending' },
      data: { status: 'failed', failedAt: await clock(), lastError: input.error.slice(0, 500) },
    });
    const { channel } = await db.notification.findUniqueOrThrow({ where: { id: input.notificationId }, select: { channel: true } });
    // Counted once, when it turns failed (a retried or replayed call finds it failed already).
    if (count > 0) metrics?.notifications.inc({ status: 'failed', channel });
    log.warn({ notificationId: input.notificationId }, `${NOTICE[channel]} not delivered before its deadline`);
  }

  async function setClosesAt(input: { receiptId: string; closesAt: string | null }): Promise<void> {
    await db.invitation.updateMany({
      where: { receiptId: input.receiptId, status: { in: ['pending', 'active'] } },
      data: { closesAt: toDate(input.closesAt) },
    });
  }

  /** Closes the link; e-mails of the invitation not sent by now are skipped. */
  async function closeInvitation(input: { receiptId: string; reason: CloseReasonValue }): Promise<void> {
    await closeInvitationRow(db, input.receiptId, input.reason, await clock());
  }

  return nonRetryableWhenMissing({
    activateInvitation,
    openRound,
    sendNotification,
    sendPortalNotification,
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

type NotificationChannel = 'email' | 'portal';

/** What a notification of each channel is called in log lines. */
const NOTICE: Record<NotificationChannel, string> = { email: 'e-mail', portal: 'portal notice' };

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
