/**
 * The development mail sink: each e-mail becomes one `outbox_email` row per notification.
 * Writing the same notification again keeps the first row, so a retried or replayed send
 * is a no-op with the same provider id, as with Resend's idempotency key. Header fields
 * (List-Unsubscribe) are not kept: they repeat the unsubscribe link that the body carries.
 */
import type { Db } from '../db/client';
import { Prisma } from '../generated/prisma/client';
import type { EmailMessage, Mailer, SendResult } from './mailer';

export interface OutboxLog {
  info(obj: object, msg: string): void;
}

export class OutboxMailer implements Mailer {
  readonly kind = 'outbox' as const;

  constructor(
    private readonly db: Db,
    private readonly log: OutboxLog,
  ) {}

  async send(message: EmailMessage): Promise<SendResult> {
    const outboxId = await this.write(message);
    // Ids only: the address, subject and body stay in the table.
    this.log.info({ notificationId: message.notificationId, outboxId }, 'e-mail written to the outbox');
    return { providerId: `outbox:${outboxId}` };
  }

  private async write(message: EmailMessage): Promise<string> {
    const { notificationId, to, subject, text, html } = message;
    try {
      const row = await this.db.outboxEmail.upsert({
        where: { notificationId },
        create: { notificationId, to, subject, text, html },
        update: {},
        select: { id: true },
      });
      return row.id;
    } catch (err) {
      // Two concurrent first sends: the loser of the insert race reads the winner's row.
      if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')) throw err;
      const row = await this.db.outboxEmail.findUniqueOrThrow({ where: { notificationId }, select: { id: true } });
      return row.id;
    }
  }
}
