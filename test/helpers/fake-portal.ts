/**
 * A local stand-in for the portal's notification endpoint, over real HTTP, behaving as
 * docs/portal.md asks a receiver to: it checks the signature (HMAC-SHA256 over
 * `${t}.${body}` with the shared secret, timestamp within tolerance) and refuses a bad one
 * with 401, and it shows a notice once per Idempotency-Key (a repeat is answered 200 and
 * not shown again). Failures can be injected: the next n requests, every request, or every
 * request for one portal account.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIGNATURE_HEADER, verifyPortalSignature } from '../../src/portal/notify';
import { header, parseJson, readBody } from './request';

export interface FakePortalRequest {
  idempotencyKey: string | null;
  signature: string | null;
  /** The signature checked out against the secret. */
  verified: boolean;
  raw: string;
  body: unknown;
  status: number;
  /** When it arrived (wall clock, ms). */
  at: number;
}

interface Fault {
  status: number;
  retryAfter?: number;
}

export class FakePortal {
  readonly requests: FakePortalRequest[] = [];
  /** Notices shown to citizens: the first verified delivery per Idempotency-Key. */
  readonly shown: { idempotencyKey: string; body: Record<string, unknown> }[] = [];
  private faults: Fault[] = [];
  private always: Fault | null = null;
  private readonly failingAccounts = new Map<string, number>();
  private server: Server | null = null;
  private baseUrl = '';

  constructor(readonly secret: string) {}

  /** The webhook URL (PORTAL_NOTIFY_URL). */
  get url(): string {
    if (!this.server) throw new Error('FakePortal is not started');
    return `${this.baseUrl}/notify`;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch(() => res.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The next `n` requests fail with `status` (and a Retry-After in seconds, if given). */
  failNext(n: number, status = 503, retryAfter?: number): void {
    for (let i = 0; i < n; i++) this.faults.push({ status, retryAfter });
  }

  /** Every request fails with `status` until `reset()`. */
  failAlways(status = 503): void {
    this.always = { status };
  }

  /** Every notice for `portalAccountId` fails with `status` from now on (an account the portal cannot reach). */
  failFor(portalAccountId: string, status = 503): void {
    this.failingAccounts.set(portalAccountId, status);
  }

  reset(): void {
    this.failingAccounts.clear();
    this.requests.length = 0;
    this.shown.length = 0;
    this.faults = [];
    this.always = null;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const signature = header(req, SIGNATURE_HEADER.toLowerCase());
    const entry: FakePortalRequest = {
      idempotencyKey: header(req, 'idempotency-key'),
      signature,
      verified: verifyPortalSignature(this.secret, signature, raw),
      raw,
      body: parseJson(raw),
      status: 0,
      at: Date.now(),
    };
    this.requests.push(entry);
    const account = (entry.body as { portalAccountId?: unknown } | undefined)?.portalAccountId;
    const accountStatus = typeof account === 'string' ? this.failingAccounts.get(account) : undefined;
    const fault = accountStatus !== undefined ? { status: accountStatus } : (this.faults.shift() ?? this.always);
    let status: number;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (fault) {
      status = fault.status;
      if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
    } else if (req.method !== 'POST' || req.url !== '/notify') {
      status = 404;
    } else if (!entry.verified) {
      status = 401;
    } else if (!entry.idempotencyKey || typeof entry.body !== 'object' || entry.body === null) {
      status = 400;
    } else {
      status = 200;
      if (!this.shown.some((s) => s.idempotencyKey === entry.idempotencyKey)) {
        this.shown.push({ idempotencyKey: entry.idempotencyKey, body: entry.body as Record<string, unknown> });
      }
    }
    entry.status = status;
    res.writeHead(status, headers);
    res.end(JSON.stringify(status < 300 ? { ok: true } : { error: `status ${status}` }));
  }
}

export async function startFakePortal(secret = 'fake-portal-secret-0123456789abcdef0123'): Promise<FakePortal> {
  return new FakePortal(secret).start();
}
