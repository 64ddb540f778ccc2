/**
 * A local stand-in for Resend's HTTP API, enough of `POST /emails` for the real SDK:
 * bearer authentication, required fields, the Idempotency-Key contract (same key and body
 * → the same id, delivered once; same key, other body → 409), and Resend-shaped errors.
 *
 * The SDK builds URLs as `${RESEND_BASE_URL}/emails` and reads the variable when a client
 * is constructed, so set `process.env.RESEND_BASE_URL = fake.url` (no trailing slash)
 * before constructing the mailer.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { header, parseJson, readBody } from './request';

export interface FakeResendRequest {
  method: string;
  path: string;
  idempotencyKey: string | null;
  body: unknown;
  status: number;
  /** An idempotent replay: answered with the first id, not delivered again. */
  replay: boolean;
  /** When it arrived (wall clock, ms). */
  at: number;
}

export interface FakeResendEmail {
  id: string;
  to: string[];
  from: string;
  subject: string;
  text: string | undefined;
  html: string | undefined;
  idempotencyKey: string | null;
}

interface Reply {
  status: number;
  body: object;
  headers?: Record<string, string>;
}

interface Fault {
  status: number;
  name?: string;
  message?: string;
  /** Sent as the Retry-After header (seconds), as Resend does with a 429. */
  retryAfter?: number;
}

/** The error name Resend uses for each status, for injected failures. */
const ERROR_NAMES: Record<number, string> = {
  400: 'validation_error',
  401: 'missing_api_key',
  403: 'invalid_api_key',
  404: 'not_found',
  409: 'invalid_idempotent_request',
  422: 'validation_error',
  429: 'rate_limit_exceeded',
  451: 'security_error',
  500: 'application_error',
};

function errorReply(status: number, name: string, message: string): Reply {
  return { status, body: { statusCode: status, name, message } };
}

export class FakeResend {
  readonly requests: FakeResendRequest[] = [];
  readonly delivered: FakeResendEmail[] = [];
  private readonly idempotent = new Map<string, { bodyHash: string; id: string }>();
  private faults: Fault[] = [];
  private readonly failingAddresses = new Map<string, number>();
  private delays: number[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private server: Server | null = null;
  private baseUrl = '';

  /** With `apiKey`, only that key is accepted; otherwise any non-empty bearer token. */
  constructor(private readonly options: { apiKey?: string } = {}) {}

  get url(): string {
    if (!this.server) throw new Error('FakeResend is not started');
    return this.baseUrl;
  }

  async start(): Promise<{ url: string }> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch(() => res.destroy()); // e.g. the client hung up mid-body
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { url: this.baseUrl };
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The next `n` calls fail with a Resend-shaped error (name and message can be forced). */
  failNext(n: number, status = 500, override: { name?: string; message?: string; retryAfter?: number } = {}): void {
    for (let i = 0; i < n; i++) this.faults.push({ status, ...override });
  }

  /** Every send to `address` fails with `status` from now on (a mailbox the provider refuses). */
  failTo(address: string, status = 500): void {
    this.failingAddresses.set(address, status);
  }

  /** Holds the next response for `ms` after the request was recorded and delivered. */
  delayNext(ms: number): void {
    this.delays.push(ms);
  }

  reset(): void {
    this.requests.length = 0;
    this.delivered.length = 0;
    this.idempotent.clear();
    this.faults = [];
    this.delays = [];
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const idempotencyKey = header(req, 'idempotency-key');
    const entry: FakeResendRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      idempotencyKey,
      body: parseJson(raw),
      status: 0,
      replay: false,
      at: Date.now(),
    };
    this.requests.push(entry);
    const reply = this.process(req, raw, entry);
    entry.status = reply.status;
    const delay = this.delays.shift() ?? 0;
    if (delay <= 0) return respond(res, reply);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      respond(res, reply);
    }, delay);
    this.timers.add(timer);
  }

  private process(req: IncomingMessage, raw: string, entry: FakeResendRequest): Reply {
    const to = isRecord(entry.body) ? ([] as unknown[]).concat(entry.body.to) : [];
    const addressFault = to.map((a) => this.failingAddresses.get(String(a))).find((status) => status !== undefined);
    const fault: Fault | undefined = addressFault !== undefined ? { status: addressFault } : this.faults.shift();
    if (fault) {
      const name = fault.name ?? ERROR_NAMES[fault.status] ?? 'application_error';
      const reply = errorReply(fault.status, name, fault.message ?? 'Injected failure.');
      return fault.retryAfter === undefined ? reply : { ...reply, headers: { 'retry-after': String(fault.retryAfter) } };
    }
    if (req.method !== 'POST' || entry.path !== '/emails') {
      return errorReply(404, 'not_found', 'The requested endpoint does not exist.');
    }
    const auth = this.authenticate(header(req, 'authorization'));
    if (auth) return auth;
    const body = entry.body;
    if (!isRecord(body)) return errorReply(422, 'validation_error', 'Invalid JSON body.');
    const invalid = validate(body);
    if (invalid) return invalid;
    return this.deliver(body, raw, entry);
  }

  private authenticate(authorization: string | null): Reply | null {
    const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    if (!token) return errorReply(401, 'missing_api_key', 'Missing API key in the authorization header.');
    if (this.options.apiKey !== undefined && token !== this.options.apiKey) {
      return errorReply(403, 'invalid_api_key', 'API key is invalid.');
    }
    return null;
  }

  private deliver(body: Record<string, unknown>, raw: string, entry: FakeResendRequest): Reply {
    const key = entry.idempotencyKey;
    if (key !== null && (key.length === 0 || key.length > 256)) {
      return errorReply(400, 'invalid_idempotency_key', 'The key must be between 1-256 chars.');
    }
    const bodyHash = createHash('sha256').update(raw).digest('hex');
    const previous = key === null ? undefined : this.idempotent.get(key);
    if (previous) {
      if (previous.bodyHash !== bodyHash) {
        return errorReply(409, 'invalid_idempotent_request',
          'Same idempotency key used with a different request payload. Change your idempotency key or payload.');
      }
      entry.replay = true;
      return { status: 200, body: { id: previous.id } };
    }
    const id = randomUUID();
    if (key !== null) this.idempotent.set(key, { bodyHash, id });
    this.delivered.push({
      id,
      to: typeof body.to === 'string' ? [body.to] : (body.to as string[]),
      from: body.from as string,
      subject: body.subject as string,
      text: typeof body.text === 'string' ? body.text : undefined,
      html: typeof body.html === 'string' ? body.html : undefined,
      idempotencyKey: key,
    });
    return { status: 200, body: { id } };
  }
}

/** Starts a fake on a random local port; call `stop()` in afterAll. */
export async function startFakeResend(options: { apiKey?: string } = {}): Promise<FakeResend> {
  const fake = new FakeResend(options);
  await fake.start();
  return fake;
}

function validate(body: Record<string, unknown>): Reply | null {
  for (const field of ['from', 'to', 'subject']) {
    if (body[field] === undefined || body[field] === '') {
      return errorReply(422, 'missing_required_field', `Missing \`${field}\` field.`);
    }
  }
  const to = typeof body.to === 'string' ? [body.to] : body.to;
  if (!Array.isArray(to) || to.length === 0 || to.length > 50 || !to.every(isAddress)) {
    return errorReply(422, 'validation_error',
      'Invalid `to` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.');
  }
  if (typeof body.from !== 'string' || !isAddress(body.from)) {
    return errorReply(422, 'invalid_from_address',
      'Invalid `from` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.');
  }
  if (typeof body.text !== 'string' && typeof body.html !== 'string') {
    return errorReply(422, 'validation_error', 'Missing `html` or `text` field.');
  }
  return null;
}

function isAddress(value: unknown): boolean {
  return typeof value === 'string' && /^(?:[^<>]*<)?[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>?$/.test(value.trim());
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function respond(res: ServerResponse, reply: Reply): void {
  if (res.destroyed) return; // the client went away while the response was held
  res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
  res.end(JSON.stringify(reply.body));
}
