/**
 * A real browser for tests: Debian's Chromium (`apt-get install chromium`; `.ci/run`
 * installs it when missing) driven by playwright-core, plus axe-core for accessibility
 * checks and a watch for Content-Security-Policy violations.
 *
 * axe-core goes in with `page.evaluate(source)`: Playwright evaluates through the DevTools
 * protocol, which the page's CSP does not govern, so the pages keep their real CSP while
 * axe runs (`page.addScriptTag({ content })` adds an inline <script>, which the CSP blocks,
 * as it should; no `bypassCSP` context is needed).
 */
import { createServer } from 'node:net';
import axe from 'axe-core';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';
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

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
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
