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
  RESEND_API_KEY: z.string().min(1).optional(),
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
  REPORT_MIN_RESPONSES: z.coerce.number().int().min(1).default(5),
  SCORING_PROVISIONAL_INTERVAL_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
  METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN must be at least 16 characters').optional(),
  METRICS_PORT: ZPort.default(9464),
  TEMPORAL_METRICS_PORT: ZPort.default(9465),
  // Embedded mode only (`npm start` without DATABASE_URL / TEMPORAL_ADDRESS).
  EMBEDDED_PG_PORT: ZPort.default(5433),
  EMBEDDED_TEMPORAL_PORT: ZPort.default(7233),
  EMBEDDED_TEMPORAL_UI_PORT: ZPort.default(8233),
  TEMPORAL_CLI_PATH: z.string().min(1).optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(2).max(200).default(10),
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
  temporal: { address: string | undefined; namespace: string; taskQueue: string };
  email: { resendApiKey: string | undefined; from: string };
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
  /** Requests a minute one address may make to the token routes (questionnaire, unsubscribe). */
  citizenRateLimitPerMinute: number;
  /** Below this many responses a row's satisfaction is suppressed (DESIGN §6, small numbers). */
  reportMinResponses: number;
  /** How often the current quarter's provisional values are refreshed. */
  provisionalIntervalMinutes: number;
  /** GET /metrics wants this bearer token when set; the worker role's metrics ports (src/metrics.ts). */
  metrics: { token: string | undefined; port: number; temporalPort: number };
}

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
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    dataDir: e.DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    databasePoolMax: e.DATABASE_POOL_MAX,
    temporal: { address: e.TEMPORAL_ADDRESS, namespace: e.TEMPORAL_NAMESPACE, taskQueue: e.TEMPORAL_TASK_QUEUE },
    email: { resendApiKey: e.RESEND_API_KEY, from: e.EMAIL_FROM },
    publicBaseUrl: (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    piiHashKey: e.PII_HASH_KEY,
    timeScale: e.FEEDBACK_TIME_SCALE,
    policy: {
      activationDelayDays: e.POLICY_ACTIVATION_DELAY_DAYS,
      notifyWithinDays: e.POLICY_NOTIFY_WITHIN_DAYS,
      linkOpenMonths: e.POLICY_LINK_OPEN_MONTHS,
      reminderIntervalMonths: e.POLICY_REMINDER_INTERVAL_MONTHS,
    },
    reconcile: { intervalMs: e.RECONCILE_INTERVAL_SECONDS * 1000, graceMs: e.RECONCILE_GRACE_SECONDS * 1000 },
    citizenRateLimitPerMinute: e.CITIZEN_RATE_LIMIT_PER_MINUTE,
    reportMinResponses: e.REPORT_MIN_RESPONSES,
    provisionalIntervalMinutes: e.SCORING_PROVISIONAL_INTERVAL_MINUTES,
    metrics: { token: e.METRICS_TOKEN, port: e.METRICS_PORT, temporalPort: e.TEMPORAL_METRICS_PORT },
  };
}

function blankToUndefined(source: Record<string, string | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(source).map(([k, v]) => [k, v === '' ? undefined : v]));
}
