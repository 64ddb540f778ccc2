/**
 * Configuration rules that a schema alone cannot say: what a production start refuses
 * (a silent outbox, links on http or on localhost's default, compressed deadlines, a
 * placeholder PII key), what development keeps, TRUST_PROXY's forms, and the worker's
 * tuning (activities bounded by the pool, a drain shorter than the container's stop period).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig, parseTrustProxy, piiHashKeyWeakness } from '../../src/config';

const GOOD_KEY = 'uOIBSJnKa2MSsNFxVBUaJ4hQBdz2k8RuTp6eY0Pg0Ic8M7DSVrCH48CP519F0YBn';
const TEST_KEY = 'test-pii-hash-key-0123456789abcdef0123456789';

/** A production environment that starts; each case changes one thing. */
const PRODUCTION = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgresql://feedback@db:5432/feedback',
  TEMPORAL_ADDRESS: 'temporal:7233',
  PII_HASH_KEY: GOOD_KEY,
  RESEND_API_KEY: 're_live_key',
  PUBLIC_BASE_URL: 'https://feedback.gosuslugi.ru',
};
/** Development against external servers, as `npm start` with DATABASE_URL and TEMPORAL_ADDRESS. */
const DEVELOPMENT = {
  NODE_ENV: 'development',
  DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/feedback',
  TEMPORAL_ADDRESS: '127.0.0.1:7233',
  PII_HASH_KEY: TEST_KEY,
};

function refusal(env: Record<string, string | undefined>): string | null {
  try {
    loadConfig(env);
    return null;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.message;
  }
}

describe('NODE_ENV=production refuses development settings, naming the variable', () => {
  const cases: [string, Record<string, string | undefined>, RegExp][] = [
    ['no RESEND_API_KEY and no MAIL_TRANSPORT', { RESEND_API_KEY: undefined }, /RESEND_API_KEY is required when NODE_ENV=production.*MAIL_TRANSPORT=outbox/],
    ['an empty RESEND_API_KEY', { RESEND_API_KEY: '' }, /RESEND_API_KEY is required/],
    ['MAIL_TRANSPORT=resend without a key', { RESEND_API_KEY: undefined, MAIL_TRANSPORT: 'resend' }, /RESEND_API_KEY is required when MAIL_TRANSPORT=resend/],
    ['an unknown MAIL_TRANSPORT', { MAIL_TRANSPORT: 'smtp' }, /MAIL_TRANSPORT/],
    ['no PUBLIC_BASE_URL (the http://localhost default)', { PUBLIC_BASE_URL: undefined }, /PUBLIC_BASE_URL is required/],
    ['PUBLIC_BASE_URL on http', { PUBLIC_BASE_URL: 'http://feedback.gosuslugi.ru' }, /PUBLIC_BASE_URL must be https/],
    ['PUBLIC_BASE_URL on http at a private address', { PUBLIC_BASE_URL: 'http://10.0.0.5:3000' }, /PUBLIC_BASE_URL must be https/],
    ['PUBLIC_BASE_URL on http at a host named like loopback', { PUBLIC_BASE_URL: 'http://127.0.0.1.nip.io' }, /PUBLIC_BASE_URL must be https/],
    ['FEEDBACK_TIME_SCALE=86400', { FEEDBACK_TIME_SCALE: '86400' }, /FEEDBACK_TIME_SCALE must be 1/],
    ['FEEDBACK_TIME_SCALE=0.5', { FEEDBACK_TIME_SCALE: '0.5' }, /FEEDBACK_TIME_SCALE must be 1/],
    ['no PII_HASH_KEY', { PII_HASH_KEY: undefined }, /PII_HASH_KEY is required/],
    ['a PII_HASH_KEY of 31 characters', { PII_HASH_KEY: GOOD_KEY.slice(0, 31) }, /PII_HASH_KEY: PII_HASH_KEY must be at least 32/],
    ['the tests\' PII_HASH_KEY', { PII_HASH_KEY: TEST_KEY }, /PII_HASH_KEY is a published test key/],
    ['a PII_HASH_KEY saying "example"', { PII_HASH_KEY: `Example-${GOOD_KEY}` }, /PII_HASH_KEY contains "example"/],
    ['a PII_HASH_KEY saying "changeme"', { PII_HASH_KEY: `CHANGEME_${GOOD_KEY}` }, /PII_HASH_KEY contains "changeme"/],
    ['a PII_HASH_KEY with the word "test" in it', { PII_HASH_KEY: `${GOOD_KEY.slice(0, 20)}-TeSt-${GOOD_KEY.slice(20)}` }, /PII_HASH_KEY contains "test"/],
    ['a PII_HASH_KEY of one repeated character', { PII_HASH_KEY: 'x'.repeat(64) }, /PII_HASH_KEY has fewer than 8 distinct characters/],
  ];
  test.each(cases)('%s', (_name, change, message) => {
    expect(refusal({ ...PRODUCTION, ...change })).toMatch(message);
  });

  const starts: [string, Record<string, string | undefined>][] = [
    ['everything set', {}],
    ['the outbox, asked for by name', { RESEND_API_KEY: undefined, MAIL_TRANSPORT: 'outbox' }],
    ['http on localhost (a trial on one machine)', { PUBLIC_BASE_URL: 'http://localhost:3000' }],
    ['http on 127.0.0.0/8', { PUBLIC_BASE_URL: 'http://127.1.2.3:3000/' }],
    ['http on [::1]', { PUBLIC_BASE_URL: 'http://[::1]:3000' }],
    ['a hex key (openssl rand -hex 32)', { PII_HASH_KEY: 'd41d8cd98f00b204e9800998ecf8427e0cc175b9c0f1b6a831c399e269772661' }],
    // A random base64 key that happens to hold "test" or "dummy" inside must not lock an operator out.
    ['a base64 key with "test" inside a run of letters', { PII_HASH_KEY: 'q8Zr+Kxtestq0Vb/9hLdummyW2mPq7TnXe3fR1uYc5sA=' }],
  ];
  test.each(starts)('starts with %s', (_name, change) => {
    expect(refusal({ ...PRODUCTION, ...change })).toBeNull();
  });

  test('the transport follows MAIL_TRANSPORT, else RESEND_API_KEY', () => {
    expect(loadConfig(PRODUCTION).email.transport).toBe('resend');
    expect(loadConfig({ ...PRODUCTION, MAIL_TRANSPORT: 'outbox' }).email.transport).toBe('outbox');
    expect(loadConfig({ ...PRODUCTION, RESEND_API_KEY: undefined, MAIL_TRANSPORT: 'outbox' }).email.transport).toBe('outbox');
  });
});

describe('development with external servers works as before', () => {
  test('the outbox, http://localhost links, a compressed time scale and the tests\' key', () => {
    const config = loadConfig({ ...DEVELOPMENT, FEEDBACK_TIME_SCALE: '86400' });
    expect(config).toMatchObject({ env: 'development', timeScale: 86400, publicBaseUrl: 'http://localhost:3000', piiHashKey: TEST_KEY, trustProxy: false });
    expect(config.email.transport).toBe('outbox');
  });

  test('Resend as soon as a key is set, the outbox when named even then', () => {
    expect(loadConfig({ ...DEVELOPMENT, RESEND_API_KEY: 're_dev' }).email.transport).toBe('resend');
    expect(loadConfig({ ...DEVELOPMENT, RESEND_API_KEY: 're_dev', MAIL_TRANSPORT: 'outbox' }).email.transport).toBe('outbox');
    expect(refusal({ ...DEVELOPMENT, MAIL_TRANSPORT: 'resend' })).toMatch(/RESEND_API_KEY is required when MAIL_TRANSPORT=resend/);
  });
});

describe('PII_HASH_KEY weakness', () => {
  test.each([
    [GOOD_KEY, null],
    [TEST_KEY, 'is a published test key'],
    ['my-production-example-key-please-replace', 'contains "example", so it looks like a placeholder'],
    ['0101010101010101010101010101010101', 'has fewer than 8 distinct characters'],
  ])('%s', (key, weakness) => {
    expect(piiHashKeyWeakness(key)).toBe(weakness);
  });
});

describe('TRUST_PROXY', () => {
  test.each([
    [undefined, false],
    ['', false],
    ['false', false],
    ['true', true],
    ['10.0.0.1', ['10.0.0.1']],
    [' 10.0.0.0/8, 192.168.1.1 ,fd00::/8 ', ['10.0.0.0/8', '192.168.1.1', 'fd00::/8']],
    ['loopback,uniquelocal', ['loopback', 'uniquelocal']],
  ])('%j is %j', (value, expected) => {
    expect(parseTrustProxy(value)).toEqual(expected);
  });

  test.each([
    ['1', /number of hops is not supported/],
    ['proxy.internal', /"proxy.internal" is none/],
    ['10.0.0.0/33', /"10.0.0.0\/33" is none/],
    ['10.0.0.1/8/1', /is none/],
    [',', /expected false, true, or addresses/],
  ])('%j is refused', (value, message) => {
    expect(() => parseTrustProxy(value)).toThrow(message);
    expect(() => loadConfig({ ...DEVELOPMENT, TRUST_PROXY: value })).toThrow(/TRUST_PROXY/);
  });
});

describe('worker tuning', () => {
  test('the worker runs as many activities at once as its pool has connections, never more', () => {
    expect(loadConfig(DEVELOPMENT).worker.maxConcurrentActivities).toBe(10);
    const tuned = loadConfig({ ...DEVELOPMENT, DATABASE_POOL_MAX: '25', WORKER_MAX_CACHED_WORKFLOWS: '500', WORKER_SHUTDOWN_GRACE_SECONDS: '20' });
    expect(tuned.databasePoolMax).toBe(25);
    expect(tuned.worker).toEqual({ maxConcurrentActivities: 25, maxCachedWorkflows: 500, shutdownGraceMs: 20_000 });
  });

  test.each([
    ['DATABASE_POOL_MAX', '0'],
    ['DATABASE_POOL_MAX', '1'],
    ['DATABASE_POOL_MAX', '201'],
    ['DATABASE_POOL_MAX', '2.5'],
    ['DATABASE_POOL_MAX', 'ten'],
    ['WORKER_MAX_CACHED_WORKFLOWS', '-1'],
    ['WORKER_MAX_CACHED_WORKFLOWS', '100001'],
    ['WORKER_SHUTDOWN_GRACE_SECONDS', '0'],
    ['WORKER_SHUTDOWN_GRACE_SECONDS', '1.5'],
    ['WORKER_SHUTDOWN_GRACE_SECONDS', '3601'],
  ])('%s=%s is refused, naming the variable', (name, value) => {
    expect(refusal({ ...DEVELOPMENT, [name]: value })).toMatch(new RegExp(`^Invalid configuration:\\n  ${name}: `));
  });

  test('docker-compose.yml gives a worker more time to stop than its drain takes, with the same defaults as the code', () => {
    const compose = readFileSync(join(__dirname, '..', '..', 'docker-compose.yml'), 'utf8');
    const worker = /\n {2}worker:\n([\s\S]*?)\n {2}\S/.exec(compose)?.[1] ?? '';
    const stopGraceSeconds = Number(/\n {4}stop_grace_period: (\d+)s\n/.exec(worker)?.[1]);
    const defaults = loadConfig(DEVELOPMENT);
    const composeDefault = (name: string) => Number(new RegExp(`\\n {4}${name}: \\$\\{${name}:-(\\d+)\\}\\n`).exec(compose)?.[1]);
    expect(composeDefault('WORKER_SHUTDOWN_GRACE_SECONDS') * 1000).toBe(defaults.worker.shutdownGraceMs);
    expect(composeDefault('WORKER_MAX_CACHED_WORKFLOWS')).toBe(defaults.worker.maxCachedWorkflows);
    expect(composeDefault('DATABASE_POOL_MAX')).toBe(defaults.databasePoolMax);
    // After the grace time the worker cancels what still runs, closes its connections and
    // exits; at least 10 s are left for that before Docker's SIGKILL.
    expect(stopGraceSeconds * 1000 - defaults.worker.shutdownGraceMs).toBeGreaterThanOrEqual(10_000);
  });
});

describe('the portal notification channel (PORTAL_NOTIFY_URL)', () => {
  const SECRET = 'kq3Z9vWm1pXr7Lt2Yb8Nc4Hs6Jd0Fg5A';
  test('off while the URL is unset, in every environment', () => {
    expect(loadConfig(DEVELOPMENT).portalNotify).toBeNull();
    expect(loadConfig({ ...PRODUCTION, PORTAL_NOTIFY_SECRET: SECRET }).portalNotify).toBeNull();
  });
  test('on with its URL and secret', () => {
    expect(loadConfig({ ...PRODUCTION, PORTAL_NOTIFY_URL: 'https://portal.example/notify', PORTAL_NOTIFY_SECRET: SECRET }).portalNotify)
      .toEqual({ url: 'https://portal.example/notify', secret: SECRET });
    expect(loadConfig({ ...DEVELOPMENT, PORTAL_NOTIFY_URL: 'http://127.0.0.1:9000/notify', PORTAL_NOTIFY_SECRET: 'short' }).portalNotify)
      .toEqual({ url: 'http://127.0.0.1:9000/notify', secret: 'short' });
  });
  test.each([
    ['no secret, in development', { ...DEVELOPMENT, PORTAL_NOTIFY_URL: 'http://127.0.0.1:9000/notify' }, /PORTAL_NOTIFY_SECRET is required when PORTAL_NOTIFY_URL is set/],
    ['no secret, in production', { ...PRODUCTION, PORTAL_NOTIFY_URL: 'https://portal.example/notify' }, /PORTAL_NOTIFY_SECRET is required/],
    ['a secret of 31 characters in production', { ...PRODUCTION, PORTAL_NOTIFY_URL: 'https://portal.example/notify', PORTAL_NOTIFY_SECRET: SECRET.slice(1) }, /PORTAL_NOTIFY_SECRET must be at least 32 characters when NODE_ENV=production/],
    ['http in production, even on loopback', { ...PRODUCTION, PORTAL_NOTIFY_URL: 'http://127.0.0.1:9000/notify', PORTAL_NOTIFY_SECRET: SECRET }, /PORTAL_NOTIFY_URL must be https:\/\/ when NODE_ENV=production/],
    ['not a URL', { ...DEVELOPMENT, PORTAL_NOTIFY_URL: 'portal', PORTAL_NOTIFY_SECRET: SECRET }, /PORTAL_NOTIFY_URL/],
  ])('refused: %s', (_name, env, message) => {
    expect(refusal(env)).toMatch(message);
  });
  test('the refusal never repeats the secret', () => {
    expect(refusal({ ...PRODUCTION, PORTAL_NOTIFY_URL: 'https://portal.example/notify', PORTAL_NOTIFY_SECRET: 'tooshort-secret' })).not.toContain('tooshort-secret');
  });
});
