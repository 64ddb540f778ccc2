/**
 * The portal notification channel (Regulation II.6; docs/portal.md): one signed webhook to
 * PORTAL_NOTIFY_URL per notification. The portal names the citizen by its own account id;
 * the body carries nothing else about the citizen but their own link.
 *
 * Signature: `X-Feedback-Signature: t=<unix seconds>,v1=<hex>`, where the hex is
 * HMAC-SHA256 with PORTAL_NOTIFY_SECRET over `${t}.${body}` (the exact bytes sent). Each
 * attempt is signed afresh; every attempt of one notification carries the same
 * `Idempotency-Key`, so the portal shows the notice once however often it is retried.
 *
 * Errors carry the HTTP status or the network error's code only, never the portal's reply
 * (it may quote the body, and the body holds the citizen's link).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { retryAfterMs } from '../mail/resend-mailer';
import { PermanentSendError, TransientSendError } from '../mail/mailer';

export const SIGNATURE_HEADER = 'X-Feedback-Signature';
/** How far a signature's timestamp may be from the receiver's clock (docs/portal.md). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** The webhook's body. */
export interface PortalNotice {
  type: 'questionnaire.invitation';
  /** Ours, stable across retries (also in the Idempotency-Key). */
  notificationId: string;
  /** The portal's own id of the citizen's account: the only thing naming the citizen. */
  portalAccountId: string;
  organization: { code: string; name: string; type: string; typeName: string };
  round: number;
  /** A later round of a long service (the half-yearly reminder). */
  reminder: boolean;
  /** When the link closes (ISO 8601); null while a long service has no known end. */
  until: string | null;
  /** The citizen's personalised questionnaire link. */
  url: string;
}

/** A failure that retrying cannot fix: the portal refused the notice itself (4xx but 408 and 429). */
export class PermanentPortalError extends PermanentSendError {
  override name = 'PermanentPortalError';
}

/** A failure worth retrying until the deadline: 5xx, 408, 429, timeouts, network failures. */
export class TransientPortalError extends TransientSendError {
  override name = 'TransientPortalError';
}

/** The header value for a body sent at `t` (unix seconds). */
export function portalSignature(secret: string, t: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return `t=${t},v1=${mac}`;
}

/**
 * What a receiver does: true when `header` signs `body` with `secret` and its timestamp is
 * within the tolerance of `nowSeconds`. Several `v1=` values are accepted (a rotation).
 */
export function verifyPortalSignature(secret: string, header: string | null | undefined, body: string, nowSeconds = Date.now() / 1000): boolean {
  if (!header) return false;
  const parts = header.split(',').map((p) => p.trim().split('='));
  const t = Number(parts.find(([k]) => k === 't')?.[1]);
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > SIGNATURE_TOLERANCE_SECONDS) return false;
  const want = Buffer.from(portalSignature(secret, t, body).split('v1=')[1], 'hex');
  return parts
    .filter(([k, v]) => k === 'v1' && v !== undefined && /^[0-9a-f]{64}$/.test(v))
    .some(([, v]) => timingSafeEqual(Buffer.from(v, 'hex'), want));
}

export interface PortalNotifierOptions {
  url: string;
  secret: string;
  /** One request's limit; the activity's own timeout bounds it too. */
  timeoutMs?: number;
}

export class PortalNotifier {
  constructor(private readonly options: PortalNotifierOptions) {}

  /** Posts one notice; resolves on 2xx, throws PermanentPortalError or TransientPortalError. */
  async send(notice: PortalNotice, idempotencyKey: string): Promise<void> {
    const body = JSON.stringify(notice);
    const t = Math.floor(Date.now() / 1000);
    let res: Response;
    try {
      res = await fetch(this.options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': idempotencyKey,
          [SIGNATURE_HEADER]: portalSignature(this.options.secret, t, body),
        },
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (err) {
      throw new TransientPortalError(`Portal request failed: ${networkCode(err)}`);
    }
    await res.body?.cancel().catch(() => undefined); // the reply's content is not read, nor logged
    if (res.ok) return;
    const message = `Portal error (HTTP ${res.status})`;
    if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) throw new PermanentPortalError(message);
    throw new TransientPortalError(message, retryAfterMs(res.headers.get('retry-after') ?? undefined));
  }
}

/** A name for a fetch failure without its message (which may quote the URL): the cause's code. */
function networkCode(err: unknown): string {
  // Duck-typed: fetch's errors may come from another realm (instanceof Error fails under jest).
  if (typeof err !== 'object' || err === null) return 'unknown error';
  const { name, cause } = err as { name?: unknown; cause?: { code?: unknown } };
  if (name === 'TimeoutError' || name === 'AbortError') return 'timeout';
  if (typeof cause?.code === 'string' && /^[A-Z_]{1,40}$/.test(cause.code)) return cause.code;
  return typeof name === 'string' && /^\w{1,40}$/.test(name) ? name : 'unknown error';
}
