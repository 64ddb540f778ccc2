/**
 * The browser fallback of a bare machine: with no Chromium of its own, the tests launch the
 * one shipped inside the npm package @sparticuz/chromium (test/helpers/browser.ts). Here that
 * packaged Chromium is launched on purpose (`bundled`, as `BROWSER_EXECUTABLE=bundled` does
 * for the questionnaire test) even on a machine that has a system one, opens a citizen page
 * served with the product's real Content-Security-Policy and stylesheet, and finds it whole.
 * It runs on the shared libraries the package ships (NSS, NSPR, expat), not the system's, so
 * a machine without Debian's chromium package (which brings those) runs it the same way.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { CITIZEN_CSP } from '../../src/api/plugins/citizen-security';
import { ASSETS } from '../../src/web/assets';
import { linkStatusPage } from '../../src/web/pages';
import { chromiumExecutable, launchChromium, packagedLibraries, runAxe, seriousViolations, SYSTEM_CHROMIUM_PATHS, watchPage } from '../helpers/browser';

const PACKAGE_MAJOR = (JSON.parse(readFileSync(join(__dirname, '..', '..', 'node_modules', '@sparticuz', 'chromium', 'package.json'), 'utf8')) as { version: string }).version.split('.')[0];
const ORGANIZATION = 'ГБУЗ «Городская поликлиника № 7»';

let server: Server;
let baseUrl: string;
let browser: Browser | undefined;

beforeAll(async () => {
  server = createServer((req, res) => {
    const asset = ASSETS[req.url ?? ''];
    if (asset) {
      res.writeHead(200, { 'content-type': asset.contentType }).end(asset.body);
    } else if (req.url === '/q/closed') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': CITIZEN_CSP });
      res.end(linkStatusPage('closed', { organizationName: ORGANIZATION }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server.close(resolve));
});

test('the packaged Chromium is unpacked, launches, and shows a citizen page under its real CSP', async () => {
  const executable = await chromiumExecutable('bundled');
  expect(executable.source).toBe('bundled');
  expect(SYSTEM_CHROMIUM_PATHS).not.toContain(executable.path);
  // Every library it links beyond glibc resolves to the package's copy; none is missing.
  const linked = execFileSync('ldd', [executable.path], { env: { ...process.env, ...executable.env }, encoding: 'utf8' });
  expect(linked).not.toContain('not found');
  for (const library of ['libnss3.so', 'libnssutil3.so', 'libnspr4.so', 'libplc4.so', 'libplds4.so', 'libexpat.so.1']) {
    expect(linked).toContain(`${library} => ${join(packagedLibraries(), library)}`);
  }

  browser = await launchChromium('bundled');
  // The package's major version is Chromium's: this is the packaged browser, not the system's.
  expect(browser.version().split('.')[0]).toBe(PACKAGE_MAJOR);

  const page = await browser.newPage();
  const seen = watchPage(page);
  const response = await page.goto(`${baseUrl}/q/closed`);
  expect(response?.status()).toBe(200);
  await expect(page.locator('h1').textContent()).resolves.toBe('Срок ответа истёк');
  await expect(page.getByText(ORGANIZATION).count()).resolves.toBe(1);
  // The page's stylesheet loaded (under `style-src 'self'`) and nothing was blocked.
  await expect(page.evaluate('Array.from(document.styleSheets, (s) => s.cssRules.length)')).resolves.toEqual([expect.any(Number)]);
  await expect(page.evaluate('document.styleSheets[0].cssRules.length > 10')).resolves.toBe(true);
  expect(seen).toEqual({ csp: [], scriptErrors: [], failedRequests: [] });
  expect(seriousViolations(await runAxe(page))).toEqual([]);
});

test('BROWSER_EXECUTABLE: auto takes the system Chromium where there is one, a wrong path is named', async () => {
  const auto = await chromiumExecutable(undefined);
  const system = await chromiumExecutable('system').catch(() => null);
  expect(auto).toEqual(system ?? { path: expect.any(String) as string, source: 'bundled' });
  await expect(chromiumExecutable('/nonexistent/chromium')).rejects.toThrow('BROWSER_EXECUTABLE=/nonexistent/chromium: no executable file there');
});
