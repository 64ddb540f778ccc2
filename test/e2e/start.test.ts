/**
 * `npm start` with nothing configured: embedded PostgreSQL and Temporal dev server under a
 * fresh DATA_DIR, the API answering, a terminal-style Ctrl-C (SIGINT to the whole process
 * group) stopping everything cleanly, and a second start finding the first one's data.
 *
 * The embedded PostgreSQL dying (SIGKILL to its postmaster): started again, the API serves
 * again within seconds; when it cannot be started again (its data directory made
 * unusable), the product stops in order and exits with 1, naming the directory and the log;
 * a server that keeps dying is given up on. These reuse the data directory of the first test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { launchChromium } from '../helpers/browser';
import { freePort, isListening, sleep } from '../helpers/processes';

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

  // A new user opens the banner's cabinet, signs in as the demo region, and sees region 42's
  // indicators (the demo data of an empty embedded database) with their chart.
  const cabinetUrl = /^ {2}Cabinet +(\S+)$/m.exec(first.output())?.[1];
  expect(cabinetUrl).toBe(`http://localhost:${ports.api}/cabinet`);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(cabinetUrl!);
    await page.selectOption('#login', 'demo-region-42');
    await page.fill('#password', 'demo');
    await Promise.all([page.waitForURL((url) => url.href.startsWith(cabinetUrl!)), page.click('button[type=submit]')]);
    expect((await page.$$('#figures tbody tr')).length).toBeGreaterThanOrEqual(8);
    expect((await page.$$('svg.chart circle')).length).toBe(6);
    mkdirSync(join(ROOT, 'test-artifacts', 'start'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'test-artifacts', 'start', 'cabinet-demo-region-42.png'), fullPage: true });
  } finally {
    await browser.close();
  }

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

it('restarts an embedded PostgreSQL that dies; stops everything, saying why, when it cannot', async () => {
  const run = startService();
  const { apiUrl, adminKey } = await run.banner;
  const pgData = join(dataDir, 'postgres');
  const logFile = join(dataDir, 'postgres.log');

  // Killed: started again on the same directory and port, the API's pool reconnects.
  const killed = postmasterPid();
  const killedAt = Date.now();
  process.kill(killed, 'SIGKILL');
  const health = await waitForHealthyDatabase(apiUrl, 30_000);
  const recoveredMs = Date.now() - killedAt;
  expect(health).toEqual({ status: 'ok', database: 'up', temporal: 'up' });
  expect(postmasterPid()).not.toBe(killed);
  const organization = await fetch(`${apiUrl}/v1/organizations/1024200000077`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'ГБУЗ «Больница после рестарта»', type: 'healthcare', region: '42', founderLevel: 'regional' }),
  });
  expect(organization.status).toBe(201);
  expect(run.output()).toMatch(/the embedded PostgreSQL stopped unexpectedly \(killed by SIGKILL\): restarting it \(restart 1 of at most 3 within 10 minutes\)/);
  // The API's pool may reconnect a moment before the restart's own log line is written.
  await waitFor(() => /the embedded PostgreSQL is running again/.test(run.output()), 10_000).catch(() => undefined);
  expect(run.output()).toMatch(/the embedded PostgreSQL is running again/);
  recordFigure('recoveredAfterSigkillMs', recoveredMs);

  // Killed with an unusable data directory: no restart possible, the product stops.
  const versionFile = join(pgData, 'PG_VERSION');
  const version = readFileSync(versionFile, 'utf8');
  writeFileSync(versionFile, '9\n');
  try {
    process.kill(postmasterPid(), 'SIGKILL');
    const outcome = await exitsWithin(run, STOP_TIMEOUT_MS);
    expect(outcome).toEqual({ code: 1, signal: null });
  } finally {
    writeFileSync(versionFile, version);
  }
  const output = run.output();
  expect(output).toContain(`Stopping: the embedded PostgreSQL under ${pgData} stopped unexpectedly (killed by SIGKILL) and could not be restarted`);
  expect(output).toContain(`could not be restarted: it exited at start (code 1). See ${logFile}, fix the cause, then run npm start again`);
  expect(output).toMatch(/database files are incompatible with server/);
  expect(output).toMatch(/"level":60,[^\n]*could not be restarted/); // one fatal log line
  for (const port of [ports.api, ports.postgres, ports.temporal]) expect(await isListening(port)).toBe(false);
});

it('gives up on an embedded PostgreSQL that keeps dying, saying so', async () => {
  // The server alone, at most one restart: killed twice.
  const tsx = join(ROOT, 'node_modules', '.bin', 'tsx');
  const policy = JSON.stringify({ maxRestarts: 1, windowMs: 60_000, backoffMs: 100 });
  const child = spawn(tsx, ['test/helpers/embedded-postgres-alone.ts', dataDir, String(ports.postgres), policy], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: Run = {
    child,
    output: () => output,
    banner: new Promise(() => undefined),
    exited: new Promise((done) => child.once('exit', (code, signal) => done({ code, signal }))),
  };
  runs.push(run);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const event = (key: string) => output.split('\n').flatMap((line) => (line.startsWith(`{"${key}":`) ? [(JSON.parse(line) as Record<string, string>)[key]!] : []))[0];
  await waitFor(() => event('ready') !== undefined || run.child.exitCode !== null, START_TIMEOUT_MS);
  const databaseUrl = event('ready');
  if (!databaseUrl) throw new Error(`the embedded PostgreSQL did not start:\n${output}`);

  // A session open when the postmaster dies: its backend must be gone before the restart.
  const session = new Client({ connectionString: databaseUrl });
  session.on('error', () => undefined);
  await session.connect();
  process.kill(postmasterPid(), 'SIGKILL');
  await waitFor(() => output.includes('the embedded PostgreSQL is running again'), 30_000);
  await session.end().catch(() => undefined);
  const again = new Client({ connectionString: databaseUrl });
  await again.connect();
  await again.end();

  process.kill(postmasterPid(), 'SIGKILL');
  expect(await exitsWithin(run, 30_000)).toEqual({ code: 0, signal: null });
  expect(event('gaveUp')).toBe(
    `the embedded PostgreSQL under ${join(dataDir, 'postgres')} stopped unexpectedly (killed by SIGKILL) after 1 restart within 1 minute, ` +
      `and is not restarted again. Its log is ${join(dataDir, 'postgres.log')}: find out what stops it (memory, disk, another process), then run npm start again.`,
  );
  expect(await isListening(ports.postgres)).toBe(false);
});

function postmasterPid(): number {
  return Number.parseInt(readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8'), 10);
}

async function waitForHealthyDatabase(apiUrl: string, timeoutMs: number): Promise<unknown> {
  let last: unknown;
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(100)) {
    try {
      const response = await fetch(`${apiUrl}/ready`, { signal: AbortSignal.timeout(5_000) });
      last = await response.json();
      if (response.status === 200) return last;
    } catch (err) {
      last = err;
    }
  }
  throw new Error(`the database is not up ${timeoutMs} ms after the kill; last /ready: ${JSON.stringify(last)}`);
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !condition(); await sleep(50)) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
  }
}

async function exitsWithin(run: Run, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((done) => (timer = setTimeout(() => done('late'), ms)));
  const outcome = await Promise.race([run.exited, late]);
  clearTimeout(timer);
  if (outcome === 'late') throw new Error(`still running after ${ms} ms:\n${run.output()}`);
  return outcome;
}

function recordFigure(name: string, value: number): void {
  const dir = join(ROOT, 'test-artifacts');
  const file = join(dir, 'start.json');
  mkdirSync(dir, { recursive: true });
  const figures = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>) : {};
  writeFileSync(file, `${JSON.stringify({ ...figures, [name]: value }, null, 2)}\n`);
}


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


