/**
 * Raw rows for the comments and participation reports, inserted straight into Postgres:
 * each "story" is one receipt and what became of it (an invitation link for an account,
 * one notification, an unsubscription, a response with or without a comment). The tests
 * compute what they expect from the same story objects with plain filters, never through
 * the production SQL.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Db } from '../../src/db/client';

export interface Story {
  org: string;
  integrator: string;
  /** YYYY-MM-DD, the service day. */
  serviceDate: string;
  receivedAt: Date;
  late?: boolean;
  cancelledAt?: Date;
  /** The citizen's account (a label; the same label is the same account). */
  account?: string;
  linkCreatedAt?: Date;
  notification?: { status: 'sent' | 'failed' | 'pending' | 'skipped'; at: Date };
  /** The same round's notice to the portal's personal account, if any (docs/portal.md). */
  portalNotification?: { status: 'sent' | 'failed' | 'pending' | 'skipped'; at: Date };
  unsubscribedAt?: Date;
  response?: { at: Date; comment: string | null };
  /** Filled in on insertion. */
  responseId?: string;
}

export async function createOrganizations(db: Db, orgs: { code: string; name: string; region: string; type: string }[]): Promise<void> {
  await db.organization.createMany({
    data: orgs.map((o) => ({ code: o.code, name: o.name, typeCode: o.type, regionCode: o.region, founderLevel: 'regional' as const })),
    skipDuplicates: true,
  });
}

export async function insertStories(db: Db, stories: Story[]): Promise<void> {
  const orgIds = new Map((await db.organization.findMany()).map((o) => [o.code, o.id]));
  const integrators = new Map<string, string>();
  const accounts = new Map<string, string>();
  for (const s of stories) {
    if (!integrators.has(s.integrator)) {
      const i = await db.integrator.upsert({ where: { code: s.integrator }, create: { code: s.integrator }, update: {} });
      integrators.set(s.integrator, i.id);
    }
    if (s.account && !accounts.has(s.account)) {
      const a = await db.account.upsert({ where: { snilsHash: `story-${s.account}` }, create: { snilsHash: `story-${s.account}`, email: 'citizen@example.test', confirmed: true }, update: {} });
      accounts.set(s.account, a.id);
    }
    const receiptId = randomUUID();
    await db.receipt.create({
      data: {
        id: receiptId, integratorId: integrators.get(s.integrator)!, externalId: receiptId, bodyHash: createHash('sha256').update(receiptId).digest('hex'),
        organizationId: orgIds.get(s.org)!, serviceKind: 'one_time', serviceDate: new Date(`${s.serviceDate}T00:00:00Z`), minor: false,
        late: s.late ?? false, status: s.cancelledAt ? 'cancelled' : 'active', receivedAt: s.receivedAt, cancelledAt: s.cancelledAt ?? null,
      },
    });
    if (!s.account) continue;
    const created = s.linkCreatedAt ?? s.receivedAt;
    const invitation = await db.invitation.create({ data: { receiptId, status: 'active', round: 1, activatedAt: created } });
    const link = await db.invitationLink.create({
      data: { invitationId: invitation.id, accountId: accounts.get(s.account)!, tokenNonce: randomUUID(), tokenHash: randomUUID(), createdAt: created, unsubscribedAt: s.unsubscribedAt ?? null },
    });
    await db.invitationRound.create({
      data: { invitationId: invitation.id, round: 1, openedAt: created, notifiedAt: s.notification?.status === 'sent' ? s.notification.at : null, completedAt: s.response?.at ?? null },
    });
    for (const [channel, notification] of [['email', s.notification], ['portal', s.portalNotification]] as const) {
      if (!notification) continue;
      const { status, at } = notification;
      await db.notification.create({
        data: {
          invitationId: invitation.id, round: 1, linkId: link.id, channel, status, attempts: 1, createdAt: status === 'pending' || status === 'skipped' ? at : created,
          sentAt: status === 'sent' ? at : null, failedAt: status === 'failed' ? at : null,
        },
      });
    }
    if (s.response) {
      const response = await db.response.create({
        data: {
          invitationId: invitation.id, round: 1, linkId: link.id, organizationId: orgIds.get(s.org)!, questionnaireVersion: 1,
          overall: 4, score: 4, comment: s.response.comment, submittedAt: s.response.at,
        },
      });
      s.responseId = response.id;
    }
  }
}

/** The position a comment has in the report: a hash of its response id (not its arrival). */
export function commentHash(responseId: string): string {
  return createHash('md5').update(responseId).digest('hex');
}
