/** The e-mail seam: Resend in production, the outbox table in development. */
export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Extra header fields (List-Unsubscribe…): sent by Resend, not kept by the outbox. */
  headers?: Record<string, string>;
  /** Stable per notification, so a retried or replayed send never delivers twice. */
  idempotencyKey: string;
  /** Our notification id: stored with outbox rows and logged instead of the address. */
  notificationId: string;
}

export interface SendResult {
  providerId: string;
}

export interface Mailer {
  readonly kind: 'resend' | 'outbox';
  send(message: EmailMessage): Promise<SendResult>;
}

/** A send that retrying cannot fix, on any channel (the receiver refused the notice itself). */
export class PermanentSendError extends Error {
  override name = 'PermanentSendError';
}

/** A send worth retrying, on any channel (network, rate limit, outage). */
export class TransientSendError extends Error {
  override name = 'TransientSendError';

  constructor(
    message: string,
    /** How long the receiver asked us to wait (its Retry-After), when it said. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** A failure that retrying cannot fix (the provider rejected the message itself). */
export class PermanentMailError extends PermanentSendError {
  override name = 'PermanentMailError';
}

/** A failure worth retrying (network, rate limit, provider outage). */
export class TransientMailError extends TransientSendError {
  override name = 'TransientMailError';
}
