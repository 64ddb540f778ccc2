/**
 * The product and its servers as separate processes, for black-box tests on loopback: a
 * Temporal dev server on a state file, the product's roles (`src/start.ts` or
 * `src/main.ts <role>`), free ports, waiting.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { resolve } from 'node:path';
import { findBinary } from './temporal';

export const ROOT = resolve(__dirname, '..', '..');

export interface Proc {
  proc: ChildProcess;
  log: string[];
}

/** `temporal server start-dev` on 127.0.0.1:port, headless, its state in dbFile (restartable). */
export async function startTemporalServer(port: number, dbFile: string): Promise<ChildProcess> {
  const cli = findBinary('TEMPORAL_CLI_PATH', 'temporal') ?? 'temporal';
  const proc = spawn(cli, [
    'server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port),
    '--db-filename', dbFile, '--log-level', 'error', '--metrics-port', String(await freePort()),
    '--http-port', String(await freePort()),
  ], { stdio: 'ignore' });
  await until('Temporal listening', () => isListening(port), 30_000);
  return proc;
}

/** Runs `tsx <script> [args]` from the repository root with `env` over the test's environment. */
/**
 * Runs one of the product's entry points under tsx. PRODUCT_NODE_ARGS adds Node options to it
 * (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile the API and worker a bench spawns).
 */
export function spawnProduct(script: 'src/start.ts' | 'src/main.ts', args: string[], env: Record<string, string>): Proc {
  const log: string[] = [];
  const proc = spawn(process.execPath, [...(process.env.PRODUCT_NODE_ARGS ? process.env.PRODUCT_NODE_ARGS.split(' ') : []), '--import', 'tsx', script, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  proc.stdout!.on('data', (d: Buffer) => log.push(d.toString()));
  proc.stderr!.on('data', (d: Buffer) => log.push(d.toString()));
  return { proc, log };
}

/** Waits until GET url answers 200; the process's last output in the error otherwise. */
export async function untilHealthy(url: string, p: Proc, timeoutMs = 90_000): Promise<void> {
  await until(`${url} answering`, async () => (await fetch(url).then((r) => r.status, () => 0)) === 200, timeoutMs).catch((err: Error) => {
    throw new Error(`${err.message}\n${p.log.join('').slice(-3000)}`);
  });
}

export function exited(proc: ChildProcess): Promise<void> {
  return proc.exitCode !== null || proc.signalCode !== null ? Promise.resolve() : new Promise((r) => proc.once('exit', () => r()));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function until(what: string, probe: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

export function isListening(port: number): Promise<boolean> {
  return new Promise((resolveListening) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolveListening(true);
    });
    socket.once('error', () => resolveListening(false));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}
