/**
 * `npm start` with nothing configured: embedded PostgreSQL and Temporal dev server under a
 * fresh DATA_DIR, the API answering, a terminal-style Ctrl-C (SIGINT to the whole process
 * group) stopping everything cleanly, and a second start finding the first one's data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const START_TIMEOUT_MS = 150_000;
const STOP_TIMEOUT_MS = 60_000;

jest.setTimeout(2 * START_TIMEOUT_MS + 2 * STOP_TIMEOUT_MS);

interface Banner {
  apiUrl: string;
  adminKey: string;
  integratorKey: string;
}

interface Run {
  child: ChildProcess;
  output: () => string;
  banner: Promise<Banner>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

let dataDir: string;
let ports: { api: number; postgres: number; temporal: number; temporalUi: number };
const runs: Run[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'feedback-start-'));
  ports = { api: await freePort(), postgres: await freePort(), temporal: await freePort(), temporalUi: await freePort() };
});

afterAll(() => {
  for (const run of runs) killGroup(run.child, 'SIGKILL');
  // A failed run may leave the detached embedded servers behind.
  killFromPidFile(join(dataDir, 'postgres', 'postmaster.pid'), 'SIGQUIT');
  killFromPidFile(join(dataDir, 'temporal.pid'), 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

it('starts everything embedded, stops on Ctrl-C, and finds its data on the next start', async () => {
  const first = startService();
  const firstBanner = await first.banner;
  expect(firstBanner.apiUrl).toBe(`http://127.0.0.1:${ports.api}`);
  expect((await fetch(`${firstBanner.apiUrl}/health`)).status).toBe(200);

  await stopWithCtrlC(first);
  expect(await isListening(ports.postgres)).toBe(false);
  expect(await isListening(ports.temporal)).toBe(false);

  const second = startService();
  const secondBanner = await second.banner;
  expect(secondBanner.adminKey).toBe(firstBanner.adminKey);
  expect(secondBanner.integratorKey).toBe(firstBanner.integratorKey);
  expect((await fetch(`${secondBanner.apiUrl}/health`)).status).toBe(200);
  const organizations = await fetch(`${secondBanner.apiUrl}/v1/organizations?region=42`, {
    headers: { authorization: `Bearer ${secondBanner.integratorKey}` },
  });
  expect(organizations.status).toBe(200);

  await stopWithCtrlC(second);
  expect(second.output()).not.toMatch(/initialising the embedded PostgreSQL/);
});

function startService(): Run {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'development',
    DATA_DIR: dataDir,
    PORT: String(ports.api),
    HOST: '127.0.0.1',
    EMBEDDED_PG_PORT: String(ports.postgres),
    EMBEDDED_TEMPORAL_PORT: String(ports.temporal),
    EMBEDDED_TEMPORAL_UI_PORT: String(ports.temporalUi),
    LOG_LEVEL: 'info',
  };
  for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'PII_HASH_KEY', 'PUBLIC_BASE_URL', 'RESEND_API_KEY']) delete env[name];

  // Detached: its own process group, so that a signal to the group is a terminal's Ctrl-C.
  // tsx itself rather than npx: npm re-raises the signal it got, hiding our exit code.
  const tsx = join(ROOT, 'node_modules', '.bin', 'tsx');
  const child = spawn(tsx, ['src/start.ts'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  const banner = new Promise<Banner>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`no banner within ${START_TIMEOUT_MS} ms:\n${output}`)), START_TIMEOUT_MS);
    const look = () => {
      const parsed = parseBanner(output);
      if (!parsed) return;
      clearTimeout(timer);
      child.stdout!.off('data', look);
      done(parsed);
    };
    child.stdout!.on('data', look);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      fail(new Error(`exited before its banner (code ${code}, signal ${signal}):\n${output}`));
    });
  });
  const run = { child, output: () => output, banner, exited };
  runs.push(run);
  return run;
}

function parseBanner(output: string): Banner | null {
  if (!output.includes('Ctrl-C stops everything.')) return null;
  const apiUrl = /^ {2}API +(\S+)$/m.exec(output)?.[1];
  const adminKey = /^ {4}admin +(sfk_\S+)/m.exec(output)?.[1];
  const integratorKey = /^ {4}integrator +(sfk_\S+)/m.exec(output)?.[1];
  return apiUrl && adminKey && integratorKey ? { apiUrl, adminKey, integratorKey } : null;
}

async function stopWithCtrlC(run: Run): Promise<void> {
  killGroup(run.child, 'SIGINT');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((done) => (timer = setTimeout(() => done('late'), STOP_TIMEOUT_MS)));
  const outcome = await Promise.race([run.exited, late]);
  clearTimeout(timer);
  if (outcome === 'late') throw new Error(`still running ${STOP_TIMEOUT_MS} ms after Ctrl-C:\n${run.output()}`);
  expect(outcome).toEqual({ code: 0, signal: null });
  expect(run.output()).not.toMatch(/"level":(50|60)/); // no error or fatal log line
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

function killFromPidFile(file: string, signal: NodeJS.Signals): void {
  if (!existsSync(file)) return;
  try {
    process.kill(Number.parseInt(readFileSync(file, 'utf8'), 10), signal);
  } catch {
    // already gone
  }
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

function isListening(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}
