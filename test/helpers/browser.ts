/**
 * A real browser for tests: a Chromium driven by playwright-core, plus axe-core for
 * accessibility checks and a watch for Content-Security-Policy violations.
 *
 * Which Chromium (`BROWSER_EXECUTABLE`, see chromiumExecutable): the system's
 * (`/usr/bin/chromium`, Debian's `apt-get install chromium`; `.ci/run` installs it) where
 * present, else the one shipped inside the npm package `@sparticuz/chromium` (a devDependency:
 * `npm install` brings it, brotli-compressed, and its first launch unpacks it to
 * `$TMPDIR/chromium`, about a second). So a bare machine needs nothing from its system.
 *
 * axe-core goes in with `page.evaluate(source)`: Playwright evaluates through the DevTools
 * protocol, which the page's CSP does not govern, so the pages keep their real CSP while
 * axe runs (`page.addScriptTag({ content })` adds an inline <script>, which the CSP blocks,
 * as it should; no `bypassCSP` context is needed).
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import packagedChromium from '@sparticuz/chromium';
import axe from 'axe-core';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Where a system Chromium is looked for, in this order (Debian, then Ubuntu/Fedora names). */
export const SYSTEM_CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

export interface ChromiumExecutable {
  path: string;
  /** `system`: installed on the machine; `bundled`: unpacked from @sparticuz/chromium; `path`: BROWSER_EXECUTABLE named it. */
  source: 'system' | 'bundled' | 'path';
  /** Environment the browser needs: for the packaged one, where its own shared libraries are. */
  env: Record<string, string>;
}

/**
 * The Chromium the tests launch, by `BROWSER_EXECUTABLE`:
 * - unset or `auto`: the system's where present, else the packaged one;
 * - `system`: the system's, or an error saying none is installed;
 * - `bundled`: the packaged one, even where the system has its own (to try the fallback);
 * - anything else: the path of a Chromium executable.
 *
 * The package is pinned to 147.0.0 in package.json: every later release (147.0.1 on) wants
 * Node ^22.17, while this project supports Node >= 20.19 (and CI runs 20); 147.0.0 declares
 * Node >= 20.11 and was tried on Node 20 (launch, pages, screenshots).
 */
export async function chromiumExecutable(choice = process.env.BROWSER_EXECUTABLE): Promise<ChromiumExecutable> {
  const wanted = choice?.trim() || 'auto';
  if (wanted === 'bundled') return packaged();
  if (wanted !== 'auto' && wanted !== 'system') {
    if (!isExecutable(wanted)) throw new Error(`BROWSER_EXECUTABLE=${wanted}: no executable file there`);
    return { path: wanted, source: 'path', env: {} };
  }
  const system = SYSTEM_CHROMIUM_PATHS.find(isExecutable);
  if (system) return { path: system, source: 'system', env: {} };
  if (wanted === 'system') throw new Error(`BROWSER_EXECUTABLE=system: no Chromium at ${SYSTEM_CHROMIUM_PATHS.join(' or ')}`);
  return packaged();
}

/**
 * The packaged Chromium needs, beyond glibc, NSS, NSPR and expat (`libnss3.so`…), which a
 * bare machine may lack (Debian installs them with its chromium package). The package ships
 * them for Amazon Linux (`bin/al2023.tar.br`) but unpacks them only on AWS Lambda; here they
 * are unpacked once to `$TMPDIR/sparticuz-chromium-lib` and put first on LD_LIBRARY_PATH, so
 * the fallback uses nothing from the system but glibc, on every machine alike.
 */
async function packaged(): Promise<ChromiumExecutable> {
  const path = await packagedChromium.executablePath();
  const libraries = packagedLibraries();
  return { path, source: 'bundled', env: { LD_LIBRARY_PATH: [libraries, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') } };
}

export function packagedLibraries(): string {
  const lib = join(tmpdir(), 'sparticuz-chromium-lib');
  if (existsSync(join(lib, 'libnss3.so'))) return lib;
  // The package's bin/ is beside its build/ (its exports hide package.json from require.resolve).
  const tarball = join(dirname(require.resolve('@sparticuz/chromium')), '..', '..', 'bin', 'al2023.tar.br');
  // Unpacked aside and renamed into place: test files running at once never see half of it.
  const work = mkdtempSync(join(tmpdir(), 'sparticuz-chromium-lib-'));
  try {
    writeFileSync(join(work, 'al2023.tar'), brotliDecompressSync(readFileSync(tarball)));
    execFileSync('tar', ['-xf', join(work, 'al2023.tar'), '-C', work]);
    renameSync(join(work, 'lib'), lib);
  } catch (err) {
    if (!existsSync(join(lib, 'libnss3.so'))) throw err;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return lib;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Flags this environment needs (no user namespaces for the sandbox, no GPU, no network chatter). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** A phone: iPhone 12–15 sized. */
export const PHONE_VIEWPORT = { width: 390, height: 844 };

/** Launches the Chromium chromiumExecutable picks (BROWSER_EXECUTABLE, or the system's, or the packaged one). */
export async function launchChromium(choice?: string): Promise<Browser> {
  const { path, env } = await chromiumExecutable(choice);
  return chromium.launch({ executablePath: path, args: CHROMIUM_ARGS, env: { ...process.env, ...env } });
}

/** A TCP port free right now on 127.0.0.1 (for a server whose own URL must be known up front). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

export interface AxeFinding {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

export interface AxeReport {
  /** The page's path, its token replaced by `{token}` (artifacts may be kept by CI). */
  url: string;
  violations: AxeFinding[];
  /** Rules axe could not decide (e.g. contrast over an image): listed, not failed. */
  incomplete: AxeFinding[];
  passes: number;
}

/** Runs axe-core (WCAG 2.0/2.1 A and AA rules) on the page as it is now. */
export async function runAxe(page: Page): Promise<AxeReport> {
  if (!(await page.evaluate('typeof window.axe === "object"'))) await page.evaluate(axe.source);
  // A string, not a function: transpilers (tsx/esbuild) may wrap functions in helpers the page lacks.
  return page.evaluate(`(async () => {
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(AXE_TAGS)} }, resultTypes: ['violations', 'incomplete'] });
    const findings = (list) => list.map((r) => ({
      id: r.id, impact: r.impact || null, help: r.help, targets: r.nodes.map((n) => n.target.join(' ')),
    }));
    return { url: location.pathname.replace(/^[/]([qu])[/][^/]+/, '/$1/{token}'), violations: findings(result.violations), incomplete: findings(result.incomplete), passes: result.passes.length };
  })()`);
}

/** The violations of impact serious or critical, one line each, for a failure message. */
export function seriousViolations(report: AxeReport): string[] {
  return report.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id} (${v.help}) at ${v.targets.join(', ')}`);
}

/**
 * Records what a page reports about its own loading: CSP violations (Chromium logs them to
 * the console as "… violates the following Content Security Policy directive …"), uncaught
 * script errors and failed requests.
 */
export function watchPage(page: Page): { csp: string[]; scriptErrors: string[]; failedRequests: string[] } {
  const seen = { csp: [] as string[], scriptErrors: [] as string[], failedRequests: [] as string[] };
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) seen.csp.push(m.text());
  });
  page.on('pageerror', (e) => seen.scriptErrors.push(e.message));
  page.on('requestfailed', (r) => seen.failedRequests.push(`${r.method()} ${new URL(r.url()).pathname.replace(/\/[qu]\/[\w-]+/, '/$TOKEN')}: ${r.failure()?.errorText}`));
  return seen;
}
