/**
 * `npm start`: the whole service on one machine. With nothing configured it starts an
 * embedded PostgreSQL and the Temporal dev server, keeping their state and the generated
 * secrets under DATA_DIR; with DATABASE_URL / TEMPORAL_ADDRESS set it uses those instead.
 * Then it migrates and seeds the database, makes sure the search attributes exist, and runs
 * the worker, the API and the receipt reconciler (src/runtime.ts).
 *
 * Ctrl-C or SIGTERM stops, in this order: the services, the Temporal dev server, PostgreSQL.
 * A second Ctrl-C exits at once.
 *
 * An embedded PostgreSQL that dies is started again (src/embedded/postgres.ts); when it
 * cannot be, everything stops the same way and the process exits with 1, saying why.
 */
import { randomBytes } from 'node:crypto';
import pino, { type Logger } from 'pino';
import { ConfigError, loadConfig, parseEnv, type Config, type TEnv } from './config';
import { createDb, type Db } from './db/client';
import { ensureDataDir, lockDataDir, readDemoKeys, readOrCreatePiiHashKey, StartupError, writeDemoKeys, type TDemoKeys } from './embedded/data-dir';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded/postgres';
import { isEmptyDatabase, seedDemoData } from './embedded/demo-data';
import { startLocalOidcProvider, DEMO_PASSWORD, type LocalOidcProvider } from './embedded/oidc-provider';
import { startTemporalDevServer, type TemporalDevServer } from './embedded/temporal';
import { DEMO_PARTICIPANTS, ensureDemoParticipants } from './cabinet/participants';
import { createApiKey, principalForKey } from './keys';
import { runMigrate, runServices } from './runtime';
import { installTemporalRuntime } from './temporal/sdk-runtime';

type Env = Record<string, string | undefined>;

/** What runs, in the order it is stopped. */
const STOP_ORDER = ['services', 'oidc', 'temporal', 'postgres'] as const;
type Part = (typeof STOP_ORDER)[number];

/**
 * Stops what was started, once, in STOP_ORDER. npm and tsx relay the terminal's Ctrl-C to
 * a process that already got it, so a signal within a second of the first is the same
 * Ctrl-C; a later one forces the exit.
 */
class Shutdown {
  readonly parts = new Map<Part, { stop(): Promise<void>; signalStop?(): void }>();
  stopping: Promise<void> | undefined;
  private firstSignalAt = 0;

  constructor(private readonly log: Logger) {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => this.onSignal(signal));
    // Last resort on a crash: ask the embedded servers to stop, since they outlive us.
    process.on('exit', () => this.parts.forEach((p) => p.signalStop?.()));
  }

  add(part: Part, handle: { stop(): Promise<void>; signalStop?(): void }): void {
    this.parts.set(part, handle);
    if (this.stopping) void handle.stop();
  }

  run(): Promise<void> {
    this.stopping ??= (async () => {
      for (const part of STOP_ORDER) {
        const handle = this.parts.get(part);
        if (!handle) continue;
        try {
          await handle.stop();
          this.parts.delete(part);
        } catch (err) {
          this.log.error({ err, part }, 'stopping failed');
        }
      }
    })();
    return this.stopping;
  }

  /**
   * Something the product cannot run without is gone for good: one log line, the whole
   * message on stderr, everything stopped in order, exit code 1.
   */
  fail(message: string): void {
    if (this.stopping) return;
    this.log.fatal(message.split('\n')[0]);
    process.stderr.write(`\nStopping: ${message}\n`);
    void this.run().then(() => process.exit(1));
  }

  private onSignal(signal: NodeJS.Signals): void {
    if (!this.stopping) {
      this.firstSignalAt = Date.now();
      this.log.info({ signal }, 'shutting down (Ctrl-C again to force)');
      void this.run().then(() => process.exit(0));
      return;
    }
    if (Date.now() - this.firstSignalAt < 1_000) return;
    this.log.warn({ signal }, 'forced exit');
    process.exit(130);
  }
}

async function main(env: Env): Promise<void> {
  let settings: TEnv;
  try {
    settings = parseEnv(env);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  }
  const log = pino({ level: settings.LOG_LEVEL });
  const shutdown = new Shutdown(log);
  try {
    await start(env, settings, log, shutdown);
  } catch (err) {
    if (shutdown.stopping) return; // interrupted while starting: the shutdown exits
    if (!(err instanceof ConfigError || err instanceof StartupError)) log.fatal({ err }, 'could not start');
    process.stderr.write(`\nCould not start: ${(err as Error).message}\n`);
    await shutdown.run();
    process.exit(1);
  }
}

async function start(env: Env, settings: TEnv, log: Logger, shutdown: Shutdown): Promise<void> {
  const embedded = settings;
  const production = settings.NODE_ENV === 'production';
  if (production && (!settings.DATABASE_URL || !settings.TEMPORAL_ADDRESS || !settings.PII_HASH_KEY)) {
    throw new ConfigError('NODE_ENV=production needs DATABASE_URL, TEMPORAL_ADDRESS and PII_HASH_KEY: it never starts embedded servers');
  }
  const embedPostgres = !settings.DATABASE_URL;
  const embedTemporal = !settings.TEMPORAL_ADDRESS;
  // Only the embedded mode and a generated PII_HASH_KEY keep anything on disk.
  const usesDataDir = embedPostgres || embedTemporal || !settings.PII_HASH_KEY;
  const dataDir = usesDataDir ? ensureDataDir(settings.DATA_DIR) : null;
  const piiHashKey = settings.PII_HASH_KEY ?? readOrCreatePiiHashKey(dataDir!);

  if (dataDir && (embedPostgres || embedTemporal)) {
    const lock = lockDataDir(dataDir);
    if (!lock.acquired) {
      throw new StartupError(`another process (pid ${lock.heldBy}) runs the embedded servers of ${dataDir}: stop it, or set DATA_DIR to another directory`);
    }
    process.on('exit', lock.release);
  }
  const started = Date.now();
  const [postgres, temporal] = await startedOrFailed([
    embedPostgres
      ? startEmbeddedPostgres({
          dataDir: dataDir!,
          port: embedded.EMBEDDED_PG_PORT,
          log,
          onSpawn: (s) => shutdown.add('postgres', stoppable(s)),
          restart: { onGiveUp: (message) => shutdown.fail(message) },
        })
      : undefined,
    embedTemporal
      ? startTemporalDevServer({
          dataDir: dataDir!,
          namespace: settings.TEMPORAL_NAMESPACE,
          cliPath: embedded.TEMPORAL_CLI_PATH,
          searchPath: env.PATH,
          port: embedded.EMBEDDED_TEMPORAL_PORT,
          uiPort: embedded.EMBEDDED_TEMPORAL_UI_PORT,
          log,
          onSpawn: (s) => shutdown.add('temporal', stoppable(s)),
        })
      : undefined,
  ]);
  if (postgres || temporal) log.info({ ms: Date.now() - started }, 'embedded servers are ready');

  const oidc = await startDemoOidcProvider(settings, log);
  if (oidc) shutdown.add('oidc', { stop: () => oidc.provider.close() });
  const config = loadConfig({
    ...env,
    DATABASE_URL: postgres?.databaseUrl ?? settings.DATABASE_URL,
    TEMPORAL_ADDRESS: temporal?.address ?? settings.TEMPORAL_ADDRESS,
    PII_HASH_KEY: piiHashKey,
    ...(oidc ? { OIDC_ISSUER: oidc.provider.issuer, OIDC_CLIENT_ID: oidc.clientId, OIDC_CLIENT_SECRET: oidc.clientSecret } : {}),
  });
  const demoKeys = await prepare(config, postgres ? dataDir : null, log, { demoParticipants: Boolean(oidc) });

  installTemporalRuntime(log, settings.LOG_LEVEL);
  const services = await runServices(config, log, { schedules: false }); // runMigrate (in prepare) made them
  shutdown.add('services', { stop: () => services.close() });
  log.info({ ms: Date.now() - started }, 'started');
  process.stdout.write(banner({ apiUrl: services.apiUrl, temporal, config, dataDir, demoKeys, demoCabinet: Boolean(oidc) }));
}

/**
 * Without OIDC_ISSUER, outside production, the cabinet signs people in through a local
 * OpenID provider with the demo participants (src/embedded/oidc-provider.ts). It needs the
 * API's port in advance (the provider registers the cabinet's callback URL), so PORT=0 gets
 * no cabinet.
 */
async function startDemoOidcProvider(settings: TEnv, log: Logger): Promise<{ provider: LocalOidcProvider; clientId: string; clientSecret: string } | null> {
  if (settings.OIDC_ISSUER || settings.NODE_ENV === 'production') return null;
  if (settings.PORT === 0) {
    log.warn('PORT=0: the cabinet and its local sign-in are off (the provider needs the callback URL in advance)');
    return null;
  }
  const base = (settings.PUBLIC_BASE_URL ?? `http://localhost:${settings.PORT}`).replace(/\/+$/, '');
  const clientId = 'feedback-cabinet';
  const clientSecret = randomBytes(24).toString('base64url');
  const provider = await startLocalOidcProvider({
    port: settings.EMBEDDED_OIDC_PORT,
    clientId,
    clientSecret,
    redirectUris: [`${base}/cabinet/callback`],
    postLogoutRedirectUris: [`${base}/cabinet/signed-out`],
    people: DEMO_PARTICIPANTS.map((p) => ({ subject: p.subject, name: p.name, email: p.email })),
  });
  log.info({ issuer: provider.issuer }, 'local OpenID provider started (demo participants)');
  return { provider, clientId, clientSecret };
}

/** What `migrate` does (schema, reference data, search attributes, schedules), then the demo keys of an embedded database. */
async function prepare(config: Config, demoKeysDir: string | null, log: Logger, demo: { demoParticipants: boolean }): Promise<TDemoKeys | null> {
  await runMigrate(config, log);
  if (!demoKeysDir && !demo.demoParticipants) return null;
  const db = createDb(config.databaseUrl!, { max: 2 });
  try {
    if (demo.demoParticipants) await ensureDemoParticipants(db);
    // Something to look at in the cabinet: made once, into the embedded database while it has no receipt.
    if (demoKeysDir && (await isEmptyDatabase(db))) log.info({ receipts: await seedDemoData(db) }, 'demo data made (six quarters, regions 42, 54 and 16)');
    return demoKeysDir ? await ensureDemoKeys(db, demoKeysDir) : null;
  } finally {
    await db.$disconnect();
  }
}

/**
 * Keys are stored hashed, so the plaintext of the two demo keys is kept in DATA_DIR and
 * reused; a kept key that no longer works (revoked, or the database was reset) is replaced.
 */
async function ensureDemoKeys(db: Db, dataDir: string): Promise<TDemoKeys> {
  const kept = readDemoKeys(dataDir);
  const works = async (key: string | undefined) => Boolean(key && (await principalForKey(db, key)));
  const admin = (await works(kept?.admin.key)) ? kept!.admin : await createApiKey(db, { role: 'admin', name: 'demo admin (npm start)' });
  const integrator = (await works(kept?.integrator.key))
    ? kept!.integrator
    : await createApiKey(db, { role: 'integrator', name: 'demo integrator, region 42 (npm start)', regions: ['42'], integrator: 'demo-mis-42' });
  if (admin !== kept?.admin || integrator !== kept?.integrator) writeDemoKeys(dataDir, { admin, integrator });
  return { admin, integrator };
}

function banner(o: { apiUrl: string; temporal?: TemporalDevServer; config: Config; dataDir: string | null; demoKeys: TDemoKeys | null; demoCabinet: boolean }): string {
  const api = o.apiUrl.replace(/\/+$/, '');
  const lines = [
    '',
    'Feedback service is running',
    `  API          ${api}`,
    `  API docs     ${api}/docs`,
    o.temporal
      ? `  Temporal UI  ${o.temporal.uiUrl}`
      : `  Temporal     ${o.config.temporal.address} (namespace ${o.config.temporal.namespace})`,
  ];
  if (o.config.cabinet) lines.push(`  Cabinet      ${o.config.publicBaseUrl}/cabinet`);
  if (o.demoCabinet) {
    lines.push(
      `  Sign in as   ${DEMO_PARTICIPANTS.map((p) => p.subject).join(', ')}`,
      `               (password ${DEMO_PASSWORD}; local OpenID provider ${o.config.cabinet?.oidc.issuer ?? ''})`,
    );
  }
  if (o.dataDir) lines.push(`  Data         ${o.dataDir}`);
  if (o.demoKeys) {
    lines.push(
      '  Demo keys (development database only)',
      `    admin        ${o.demoKeys.admin.key}`,
      `    integrator   ${o.demoKeys.integrator.key}   (region 42, all sectors)`,
      `  Try: curl -H "Authorization: Bearer ${o.demoKeys.integrator.key}" "${api}/v1/organizations?region=42"`,
    );
  }
  lines.push('  Ctrl-C stops everything.', '');
  return `${lines.join('\n')}\n`;
}

function stoppable(server: EmbeddedPostgres | TemporalDevServer): { stop(): Promise<void>; signalStop(): void } {
  return { stop: () => server.stop(), signalStop: () => server.signalStop() };
}

/** Waits for all; throws the first failure once every start has settled. */
async function startedOrFailed<A, B>(starts: [Promise<A> | undefined, Promise<B> | undefined]): Promise<[A | undefined, B | undefined]> {
  const [a, b] = await Promise.allSettled(starts);
  if (a.status === 'rejected') throw a.reason;
  if (b.status === 'rejected') throw b.reason;
  return [a.value, b.value];
}

void main(process.env);
