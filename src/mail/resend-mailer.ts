/**
 * Sends through Resend. The SDK returns `{ data, error }` instead of throwing; this class
 * turns an error into PermanentMailError or TransientMailError. Error messages carry the
 * provider's error name and status code only: the provider's own message may quote the
 * address or the content, which are personal data.
 *
 * The SDK reads RESEND_BASE_URL when the client is constructed (tests point it at a fake).
 */
import { Resend, type ErrorResponse } from 'resend';
import { type EmailMessage, type Mailer, type SendResult, PermanentMailError, TransientMailError } from './mailer';

/** The provider rejected the message itself: sending it again cannot succeed. */
const PERMANENT_NAMES = new Set<string>([
  'validation_error',
  'missing_required_field',
  'invalid_from_address',
  'invalid_attachment',
  'invalid_parameter',
  'invalid_idempotency_key',
  'invalid_idempotent_request',
  'security_error',
]);

/**
 * Everything else is worth retrying until the notification deadline: rate limits and
 * quotas, 5xx, network failures (statusCode null), and account-level problems such as a
 * revoked API key, which an operator can fix while retries continue.
 */
export function mailErrorFromResend(error: Pick<ErrorResponse, 'name' | 'statusCode'>, headers: Record<string, string> | null = null): Error {
  // The SDK passes the error body through as parsed, so a proxy's body may lack either field.
  const name = typeof error.name === 'string' && /^[a-z_]{1,64}$/.test(error.name) ? error.name : 'unknown_error';
  const code = typeof error.statusCode === 'number' ? error.statusCode : null;
  const message = `Resend error ${name} (${code === null ? 'no HTTP status' : `HTTP ${code}`})`;
  const permanent = PERMANENT_NAMES.has(name) || code === 400 || code === 422;
  return permanent ? new PermanentMailError(message) : new TransientMailError(message, retryAfterMs(headers?.['retry-after']));
}

/** Retry-After in seconds or as an HTTP date, capped at an hour; undefined when absent or odd. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const ms = /^\d+$/.test(value.trim()) ? Number(value.trim()) * 1000 : Date.parse(value) - now;
  return Number.isFinite(ms) && ms >= 0 ? Math.min(ms, 3_600_000) : undefined;
}

export class ResendMailer implements Mailer {
  readonly kind = 'resend' as const;
  private readonly resend: Resend;

  constructor(
    apiKey: string,
    private readonly from: string,
  ) {
    this.resend = new Resend(apiKey);
  }

  async send(message: EmailMessage): Promise<SendResult> {
    let response: Awaited<ReturnType<Resend['emails']['send']>>;
    try {
      response = await this.resend.emails.send(
        { from: this.from, to: message.to, subject: message.subject, text: message.text, html: message.html, ...(message.headers && { headers: message.headers }) },
        { idempotencyKey: message.idempotencyKey },
      );
    } catch (err) {
      // The SDK catches fetch failures itself; this is for what it lets through (aborts).
      const name = err instanceof Error ? err.name : 'unknown error';
      throw new TransientMailError(`Resend request failed: ${name}`);
    }
    if (response.error) throw mailErrorFromResend(response.error, response.headers);
    return { providerId: response.data.id };
  }
}
