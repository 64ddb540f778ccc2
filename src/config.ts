import { hkdfSync } from 'node:crypto';
import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * The one place that reads the environment. Every variable of the configuration table in
 * README.md is here, under exactly that name; the type is inferred from the schema.
 */
const ZPositiveNumber = z.coerce.number().positive();
const ZPort = z.coerce.number().int().min(1).max(65535);

export const ZEnv = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATA_DIR: z.string().default('.data'),
  DATABASE_URL: z.string().url().optional(),
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('feedback'),
  WORKFLOW_BUNDLE_PATH: z.string().min(1).optional(),
  RESEND_API_KEY: z.string().min(1).optional(),
  MAIL_TRANSPORT: z.enum(['resend', 'outbox']).optional(),
  EMAIL_FROM: z.string().default('Оценка качества услуг <feedback@example.test>'),
  PUBLIC_BASE_URL: z.string().url().optional(),
  PII_HASH_KEY: z.string().min(32, 'PII_HASH_KEY must be at least 32 characters').optional(),
  FEEDBACK_TIME_SCALE: ZPositiveNumber.default(1),
  POLICY_ACTIVATION_DELAY_DAYS: z.coerce.number().min(0).max(3).default(1),
  POLICY_NOTIFY_WITHIN_DAYS: z.coerce.number().positive().max(4).default(4),
  POLICY_LINK_OPEN_MONTHS: z.coerce.number().int().min(1).max(1).default(1),
  POLICY_REMINDER_INTERVAL_MONTHS: z.coerce.number().int().min(1).max(6).default(6),
  RECONCILE_INTERVAL_SECONDS: ZPositiveNumber.default(20),
  RECONCILE_GRACE_SECONDS: ZPositiveNumber.default(30),
  CITIZEN_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(60),
  PORTAL_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(6000),
  // The portal notification channel (docs/portal.md): off while PORTAL_NOTIFY_URL is unset.
  PORTAL_NOTIFY_URL: z.string().url().optional(),
  PORTAL_NOTIFY_SECRET: z.string().min(1).optional(),
  API_KEY_CACHE_SECONDS: z.coerce.number().min(0).max(60).default(5),
  REPORT_MIN_RESPONSES: z.coerce.number().int().min(1).default(5),
  SCORING_PROVISIONAL_INTERVAL_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
  METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN must be at least 16 characters').optional(),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  TEMPORAL_METRICS_PORT: ZPort.default(9465),
  // Embedded mode only (`npm start` without DATABASE_URL / TEMPORAL_ADDRESS).
  EMBEDDED_PG_PORT: ZPort.default(5433),
  EMBEDDED_TEMPORAL_PORT: ZPort.default(7233),
  EMBEDDED_TEMPORAL_UI_PORT: ZPort.default(8233),
  TEMPORAL_CLI_PATH: z.string().min(1).optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(2).max(200).default(10),
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(100_000).default(2_000),
  WORKER_SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(1).max(3_600).default(45),
  TRUST_PROXY: z.string().optional(),
  // The participants' cabinet (/cabinet): sign-in through an OpenID Connect provider.
  OIDC_ISSUER: z.string().url().optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  SESSION_SECRET: z.string().min(32, 'SESSION_SECRET must be at least 32 characters').optional(),
  // `npm start` without OIDC_ISSUER: the local demo provider's port (0: any free port; its issuer URL is in the banner).
  EMBEDDED_OIDC_PORT: z.coerce.number().int().min(0).max(65535).default(0),
});
export type TEnv = z.infer<typeof ZEnv>;

export interface Config {
  env: TEnv['NODE_ENV'];
  port: number;
  host: string;
  logLevel: TEnv['LOG_LEVEL'];
  dataDir: string;
  databaseUrl: string | undefined;
  /** Connections in the process's pool; the worker runs at most this many activities at once. */
  databasePoolMax: number;
  /**
   * The worker's tuning: activities at once (the pool's size, never more: each activity holds
   * a connection, and more would only queue for the pool, time out and retry), workflows kept
   * in memory, and how long a SIGTERM waits for running activities.
   */
  worker: { maxConcurrentActivities: number; maxCachedWorkflows: number; shutdownGraceMs: number };
  /** workflowBundlePath: a prebuilt workflow bundle (scripts/build-workflow-bundle.ts) the worker loads instead of bundling at start. */
  temporal: { address: string | undefined; namespace: string; taskQueue: string; workflowBundlePath: string | undefined };
  email: { transport: MailTransport; resendApiKey: string | undefined; from: string };
  publicBaseUrl: string;
  piiHashKey: string;
  timeScale: number;
  policy: {
    activationDelayDays: number;
    notifyWithinDays: number;
    linkOpenMonths: number;
    reminderIntervalMonths: number;
  };
  reconcile: { intervalMs: number; graceMs: number };
  /** Fastify's `trustProxy`: which proxies' X-Forwarded-For is believed for the client's address. */
  trustProxy: TrustProxy;
  /** Requests a minute one address may make to the token routes (questionnaire, unsubscribe). */
  citizenRateLimitPerMinute: number;
  /** Look-ups a minute one portal key may make (POST /v1/portal/questionnaires/lookup). */
  portalRateLimitPerMinute: number;
  /** The portal notification channel's webhook and signing secret; null when it is off. */
  portalNotify: PortalNotifyConfig | null;
  /** How long an API-key look-up is trusted (0: not cached); a revoked key stops within it. */
  apiKeyCacheMs: number;
  /** Below this many responses a row's satisfaction is suppressed (DESIGN §6, small numbers). */
  reportMinResponses: number;
  /** How often the current quarter's provisional values are refreshed. */
  provisionalIntervalMinutes: number;
  /** GET /metrics wants this bearer token when set; the worker role's metrics ports (src/metrics.ts). */
  metrics: { token: string | undefined; port: number; temporalPort: number };
  /** The participants' cabinet; null when no OpenID provider is configured (the cabinet is off). */
  cabinet: CabinetConfig | null;
}

export interface CabinetConfig {
  oidc: { issuer: string; clientId: string; clientSecret: string; redirectUri: string; postLogoutRedirectUri: string };
  /** Encrypts the session cookie (derived from SESSION_SECRET). */
  sessionKey: Buffer;
  /** Cookies only over https (when PUBLIC_BASE_URL is https). */
  secureCookies: boolean;
}

export interface PortalNotifyConfig {
  url: string;
  /** Signs every webhook (HMAC-SHA256, docs/portal.md). */
  secret: string;
}

export type MailTransport = 'resend' | 'outbox';
/** `false`: the peer is the client; `true`: every proxy; addresses/CIDRs: those proxies only. */
export type TrustProxy = boolean | string[];

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses and validates the environment; the message names every wrong variable. */
export function parseEnv(source: Record<string, string | undefined> = process.env): TEnv {
  const parsed = ZEnv.safeParse(blankToUndefined(source));
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `  ${i.path.map(String).join('.')}: ${i.message}`);
  throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
}

/** Parses an environment (process.env by default) into the typed configuration. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const e = parseEnv(source);
  if (!e.PII_HASH_KEY) {
    throw new ConfigError(
      e.NODE_ENV === 'production'
        ? 'PII_HASH_KEY is required when NODE_ENV=production (at least 32 characters)'
        : 'PII_HASH_KEY is not set: `npm start` generates one under DATA_DIR; other entry points need it set',
    );
  }
  const transport = mailTransport(e);
  const trustProxy = parseTrustProxy(e.TRUST_PROXY);
  if (e.NODE_ENV === 'production') checkProduction(e);
  const publicBaseUrl = (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    dataDir: e.DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    databasePoolMax: e.DATABASE_POOL_MAX,
    worker: { maxConcurrentActivities: e.DATABASE_POOL_MAX, maxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS, shutdownGraceMs: e.WORKER_SHUTDOWN_GRACE_SECONDS * 1000 },
    temporal: { address: e.TEMPORAL_ADDRESS, namespace: e.TEMPORAL_NAMESPACE, taskQueue: e.TEMPORAL_TASK_QUEUE, workflowBundlePath: e.WORKFLOW_BUNDLE_PATH },
    email: { transport, resendApiKey: e.RESEND_API_KEY, from: e.EMAIL_FROM },
    publicBaseUrl,
    piiHashKey: e.PII_HASH_KEY,
    timeScale: e.FEEDBACK_TIME_SCALE,
    policy: {
      activationDelayDays: e.POLICY_ACTIVATION_DELAY_DAYS,
      notifyWithinDays: e.POLICY_NOTIFY_WITHIN_DAYS,
      linkOpenMonths: e.POLICY_LINK_OPEN_MONTHS,
      reminderIntervalMonths: e.POLICY_REMINDER_INTERVAL_MONTHS,
    },
    reconcile: { intervalMs: e.RECONCILE_INTERVAL_SECONDS * 1000, graceMs: e.RECONCILE_GRACE_SECONDS * 1000 },
    trustProxy,
    citizenRateLimitPerMinute: e.CITIZEN_RATE_LIMIT_PER_MINUTE,
    portalRateLimitPerMinute: e.PORTAL_RATE_LIMIT_PER_MINUTE,
    portalNotify: portalNotifyConfig(e),
    apiKeyCacheMs: e.API_KEY_CACHE_SECONDS * 1000,
    reportMinResponses: e.REPORT_MIN_RESPONSES,
    provisionalIntervalMinutes: e.SCORING_PROVISIONAL_INTERVAL_MINUTES,
    metrics: { token: e.METRICS_TOKEN, port: e.METRICS_PORT, temporalPort: e.TEMPORAL_METRICS_PORT },
    cabinet: cabinetConfig(e, publicBaseUrl),
  };
}

/**
 * Resend when a key is set, the outbox otherwise; in production the outbox only when asked
 * for by name, since it delivers nothing yet counts every citizen as notified.
 */
function mailTransport(e: TEnv): MailTransport {
  if (e.MAIL_TRANSPORT === 'resend' && !e.RESEND_API_KEY) {
    throw new ConfigError('RESEND_API_KEY is required when MAIL_TRANSPORT=resend');
  }
  if (e.MAIL_TRANSPORT) return e.MAIL_TRANSPORT;
  if (e.RESEND_API_KEY) return 'resend';
  if (e.NODE_ENV === 'production') {
    throw new ConfigError(
      'RESEND_API_KEY is required when NODE_ENV=production; to write e-mails to the outbox table instead (nothing is delivered), set MAIL_TRANSPORT=outbox',
    );
  }
  return 'outbox';
}

/** What a production start must not take from the development defaults. */
function checkProduction(e: TEnv): void {
  if (!e.PUBLIC_BASE_URL) {
    throw new ConfigError('PUBLIC_BASE_URL is required when NODE_ENV=production (the https:// address citizens open the links in e-mails at)');
  }
  const url = new URL(e.PUBLIC_BASE_URL);
  if (url.protocol !== 'https:' && !isLoopbackHost(url.hostname)) {
    throw new ConfigError('PUBLIC_BASE_URL must be https:// when NODE_ENV=production (http:// only on a loopback host: localhost, 127.0.0.0/8, [::1])');
  }
  if (e.FEEDBACK_TIME_SCALE !== 1) {
    throw new ConfigError('FEEDBACK_TIME_SCALE must be 1 when NODE_ENV=production (other values compress the Regulation\'s deadlines, for demos)');
  }
  const weakness = piiHashKeyWeakness(e.PII_HASH_KEY!);
  if (weakness) {
    throw new ConfigError(`PII_HASH_KEY ${weakness} and cannot be used when NODE_ENV=production: generate one with \`openssl rand -base64 48\``);
  }
}

/** Minimum length of PORTAL_NOTIFY_SECRET in production (the HMAC key the portal shares). */
export const PORTAL_SECRET_MIN_PRODUCTION = 32;

/**
 * The portal channel is on when PORTAL_NOTIFY_URL is set, and then needs the secret its
 * webhooks are signed with; in production the secret has at least 32 characters and the
 * URL is https (the body carries the citizen's questionnaire link).
 */
function portalNotifyConfig(e: TEnv): PortalNotifyConfig | null {
  if (!e.PORTAL_NOTIFY_URL) return null;
  const url = new URL(e.PORTAL_NOTIFY_URL);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError('PORTAL_NOTIFY_URL must be an http(s):// address');
  if (!e.PORTAL_NOTIFY_SECRET) throw new ConfigError('PORTAL_NOTIFY_SECRET is required when PORTAL_NOTIFY_URL is set (the webhooks are signed with it)');
  if (e.NODE_ENV === 'production') {
    if (e.PORTAL_NOTIFY_SECRET.length < PORTAL_SECRET_MIN_PRODUCTION) {
      throw new ConfigError(`PORTAL_NOTIFY_SECRET must be at least ${PORTAL_SECRET_MIN_PRODUCTION} characters when NODE_ENV=production (\`openssl rand -base64 48\`)`);
    }
    if (url.protocol !== 'https:') throw new ConfigError('PORTAL_NOTIFY_URL must be https:// when NODE_ENV=production (the webhook carries the citizen\'s link)');
  }
  return { url: e.PORTAL_NOTIFY_URL, secret: e.PORTAL_NOTIFY_SECRET };
}

/**
 * The cabinet is on when OIDC_ISSUER is set, and then needs its client's id and secret. Its
 * session cookie is encrypted with a key derived from SESSION_SECRET; outside production a
 * missing SESSION_SECRET is derived from PII_HASH_KEY (under another label, so neither
 * reveals the other), in production it must be set.
 */
function cabinetConfig(e: TEnv, publicBaseUrl: string): CabinetConfig | null {
  if (!e.OIDC_ISSUER) return null;
  const missing = (['OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'] as const).filter((k) => !e[k]);
  if (missing.length > 0) throw new ConfigError(`${missing.join(' and ')} required when OIDC_ISSUER is set`);
  if (e.NODE_ENV === 'production') {
    if (!e.SESSION_SECRET) throw new ConfigError('SESSION_SECRET is required when NODE_ENV=production and OIDC_ISSUER is set (at least 32 characters: `openssl rand -base64 48`)');
    const issuer = new URL(e.OIDC_ISSUER);
    if (issuer.protocol !== 'https:' && !isLoopbackHost(issuer.hostname)) throw new ConfigError('OIDC_ISSUER must be https:// when NODE_ENV=production');
  }
  const secret = e.SESSION_SECRET ?? e.PII_HASH_KEY!;
  const label = e.SESSION_SECRET ? 'feedback cabinet session' : 'feedback cabinet session (derived from PII_HASH_KEY)';
  return {
    oidc: {
      issuer: e.OIDC_ISSUER,
      clientId: e.OIDC_CLIENT_ID!,
      clientSecret: e.OIDC_CLIENT_SECRET!,
      redirectUri: `${publicBaseUrl}/cabinet/callback`,
      postLogoutRedirectUri: `${publicBaseUrl}/cabinet/signed-out`,
    },
    sessionKey: Buffer.from(hkdfSync('sha256', secret, 'social-feedback', label, 32)),
    secureCookies: publicBaseUrl.startsWith('https:'),
  };
}

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === 'localhost' || host === '[::1]' || (isIP(host) === 4 && host.startsWith('127.'));
}

/** Keys published in this repository (the tests' default) or in examples. */
const KNOWN_PII_HASH_KEYS = new Set(['test-pii-hash-key-0123456789abcdef0123456789']);
/**
 * Words of placeholders, counted only as whole words (at the key's ends or between
 * characters that are neither letters nor digits: `CHANGEME_…`, `my-test-key`). A random
 * key must never be refused on an upgrade: base64 holds `test` inside about 1 key in
 * 17,000, but a word standing alone between `+` or `/` about once in a billion.
 */
const PLACEHOLDER_WORDS = ['test', 'example', 'changeme', 'change-me', 'change_me', 'placeholder', 'dummy'];
const MIN_DISTINCT_CHARACTERS = 8;

/**
 * Why a PII_HASH_KEY is unfit for production, or null: a published key, a placeholder's
 * word standing alone in it (any case), or fewer than 8 distinct characters (`aaaa…`, `0101…`).
 * The length (at least 32) is the schema's rule, for every environment.
 */
export function piiHashKeyWeakness(key: string): string | null {
  if (KNOWN_PII_HASH_KEYS.has(key)) return 'is a published test key';
  const lower = key.toLowerCase();
  const word = PLACEHOLDER_WORDS.find((w) => new RegExp(`(^|[^a-z0-9])${w}([^a-z0-9]|$)`).test(lower));
  if (word) return `contains "${word}", so it looks like a placeholder`;
  if (new Set(key).size < MIN_DISTINCT_CHARACTERS) return `has fewer than ${MIN_DISTINCT_CHARACTERS} distinct characters`;
  return null;
}

/**
 * TRUST_PROXY as Fastify's `trustProxy`: `false` (unset), `true` (believe every hop), or a
 * comma-separated list of the proxies' addresses, CIDRs and proxy-addr's names (`loopback`,
 * `linklocal`, `uniquelocal`). Fastify 5.12 ignores a hop count (it cannot check the
 * immediate peer, so it trusts nothing), hence a number is refused rather than ignored.
 */
export function parseTrustProxy(value: string | undefined): TrustProxy {
  const v = value?.trim().toLowerCase();
  if (v === undefined || v === '' || v === 'false') return false;
  if (v === 'true') return true;
  const wrong = (reason: string) => new ConfigError(`Invalid configuration:\n  TRUST_PROXY: ${reason}`);
  if (/^\d+$/.test(v)) {
    throw wrong('a number of hops is not supported (Fastify would trust no proxy): list the proxies\' addresses or CIDRs, or set true');
  }
  const entries = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const bad = entries.find((s) => !isProxyEntry(s));
  if (bad !== undefined || entries.length === 0) {
    throw wrong(`expected false, true, or addresses/CIDRs separated by commas${bad === undefined ? '' : ` ("${bad}" is none)`}`);
  }
  return entries;
}

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isProxyEntry(entry: string): boolean {
  if (PROXY_NAMES.has(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

function blankToUndefined(source: Record<string, string | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(source).map(([k, v]) => [k, v === '' ? undefined : v]));
}
