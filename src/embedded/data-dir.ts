/**
 * The local data directory of the embedded mode (DATA_DIR, `.data/` by default): the
 * secrets `npm start` generates once and reuses, the demo keys, a lock naming the process
 * that runs this directory's embedded servers, and helpers for those server processes.
 * Secrets are files of mode 0600.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { z } from 'zod';

export const PII_HASH_KEY_FILE = 'pii-hash-key';
export const POSTGRES_PASSWORD_FILE = 'postgres-password';
export const DEMO_KEYS_FILE = 'demo-keys.json';
const LOCK_FILE = 'embedded.pid';

/** Default ports of the embedded servers (EMBEDDED_* in src/config.ts override them). */
export const EMBEDDED_PG_PORT = 5433;
export const EMBEDDED_TEMPORAL_PORT = 7233;
export const EMBEDDED_TEMPORAL_UI_PORT = 8233;

/** A failure to start that the message explains (port taken, binary missing…): no stack needed. */
export class StartupError extends Error {
  override name = 'StartupError';
}

/** Creates the directory (0700 when new) and returns its absolute path. */
export function ensureDataDir(dir: string): string {
  const path = resolve(dir);
  mkdirSync(path, { recursive: true, mode: 0o700 });
  return path;
}

/**
 * Reads a secret file, or creates it with `generate()` the first time. Creation is
 * exclusive, so two processes starting at once end up with the same secret.
 */
export function readOrCreateSecret(file: string, generate: () => string, minLength = 1): string {
  try {
    writeFileSync(file, `${generate()}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const value = readFileSync(file, 'utf8').trim();
  if (value.length < minLength) {
    throw new StartupError(`${file} is damaged (shorter than ${minLength} characters): delete it to generate a new one`);
  }
  return value;
}

/** The HMAC key for SNILS in embedded mode: 48 random bytes, kept across starts. */
export function readOrCreatePiiHashKey(dataDir: string): string {
  return readOrCreateSecret(join(dataDir, PII_HASH_KEY_FILE), () => randomBytes(48).toString('base64url'), 32);
}

export function readOrCreatePostgresPassword(dataDir: string): string {
  return readOrCreateSecret(join(dataDir, POSTGRES_PASSWORD_FILE), () => randomBytes(24).toString('base64url'), 16);
}

const ZDemoKey = z.object({ id: z.string(), key: z.string() });
export const ZDemoKeys = z.object({ admin: ZDemoKey, integrator: ZDemoKey });
export type TDemoKeys = z.infer<typeof ZDemoKeys>;

/** The plaintext demo keys of a development database, or null when none were kept. */
export function readDemoKeys(dataDir: string): TDemoKeys | null {
  let text: string;
  try {
    text = readFileSync(join(dataDir, DEMO_KEYS_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const parsed = ZDemoKeys.safeParse(JSON.parse(text));
  return parsed.success ? parsed.data : null;
}

export function writeDemoKeys(dataDir: string, keys: TDemoKeys): void {
  const file = join(dataDir, DEMO_KEYS_FILE);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
}

export type DataDirLock = { acquired: true; release(): void } | { acquired: false; heldBy: number };

/**
 * One process at a time runs a data directory's embedded servers. The lock file holds its
 * pid; a lock whose process is gone was left by a crash and is taken over.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  const file = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { mode: 0o600, flag: 'wx' });
      return { acquired: true, release: () => removeIfOurs(file) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number.parseInt(readFileSync(file, 'utf8'), 10);
    if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder)) return { acquired: false, heldBy: holder };
    unlinkSync(file);
  }
  throw new Error(`Could not take the lock ${file}`);
}

function removeIfOurs(file: string): void {
  try {
    if (Number.parseInt(readFileSync(file, 'utf8'), 10) === process.pid) unlinkSync(file);
  } catch {
    // already gone
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// Child processes of the embedded mode (PostgreSQL, the Temporal dev server).

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/** Started (it has a pid) and not exited. */
export function isRunning(child: ChildProcess): boolean {
  return child.pid !== undefined && child.exitCode === null && child.signalCode === null;
}

/** Resolves when the child has exited (at once if it already has). */
export function waitForExit(child: ChildProcess): Promise<void> {
  if (!isRunning(child)) return Promise.resolve();
  return new Promise((done) => child.once('exit', () => done()));
}

/** Sends `signal`; after `timeoutMs`, sends `escalation`, and SIGKILL 5 s after that. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals, timeoutMs: number, escalation: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (!isRunning(child)) return;
  const exited = waitForExit(child);
  child.kill(signal);
  if (await exitsWithin(exited, timeoutMs)) return;
  child.kill(escalation);
  if (escalation !== 'SIGKILL' && !(await exitsWithin(exited, 5_000))) child.kill('SIGKILL');
  await exited;
}

async function exitsWithin(exited: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((done) => (timer = setTimeout(() => done(false), ms)));
  const outcome = await Promise.race([exited.then(() => true), late]);
  clearTimeout(timer);
  return outcome;
}

/** The last lines of a log file, for an error message. */
export function logTail(file: string, lines = 15): string {
  try {
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      const length = Math.min(size, 8192);
      const buffer = Buffer.alloc(length);
      readSync(fd, buffer, 0, length, size - length);
      return buffer.toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } finally {
      closeSync(fd);
    }
  } catch {
    return '(no log)';
  }
}

/** Fails with `message` when something already listens on 127.0.0.1:`port`. */
export function assertPortFree(port: number, message: string): Promise<void> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => fail(err.code === 'EADDRINUSE' ? new StartupError(message) : err));
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => done()));
  });
}
