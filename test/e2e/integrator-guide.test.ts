/**
 * docs/integrators.md stays true. Its `sh` blocks are a curl session: they run here, in
 * order, with bash and the real curl against the real app listening on a real port, and
 * each command must get the status and the error codes of the `http` block the guide shows
 * after it. The guide documents every code of the catalogue (src/domain/error-codes.ts),
 * with the right status, and names no code that does not exist.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FIELD_ERROR_CODES, PROBLEM_CODES } from '../../src/domain/error-codes';
import { createApiKey } from '../../src/keys';
import { createTestApp, type TestApp } from '../api/app-helper';

const run = promisify(execFile);
const GUIDE = readFileSync(join(__dirname, '../../docs/integrators.md'), 'utf8');

interface Step {
  command: string;
  shownStatus: number;
  shownCodes: string[];
  line: number;
}

/** Each `sh` block with the `http` block that follows it. */
function curlSession(markdown: string): Step[] {
  const blocks = [...markdown.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({
    lang: m[1],
    body: m[2],
    line: markdown.slice(0, m.index).split('\n').length,
  }));
  const steps: Step[] = [];
  blocks.forEach((block, i) => {
    if (block.lang !== 'sh') return;
    const answer = blocks[i + 1];
    if (answer?.lang !== 'http') throw new Error(`docs/integrators.md:${block.line}: an sh block must be followed by the http block it gets`);
    const status = /^HTTP\/[\d.]+ (\d{3})/.exec(answer.body);
    if (!status) throw new Error(`docs/integrators.md:${answer.line}: the http block starts with its status line`);
    steps.push({ command: block.body, shownStatus: Number(status[1]), shownCodes: codesIn(answer.body), line: block.line });
  });
  return steps;
}

/** Every `"code": "…"` in a text, in order. */
function codesIn(text: string): string[] {
  return [...text.matchAll(/"code":\s*"([a-z_]+)"/g)].map((m) => m[1]);
}

/** The status line and body of `curl -i` output (the last status line: a 100 Continue may come first). */
function parseCurl(output: string): { status: number; body: string } {
  const statuses = [...output.matchAll(/^HTTP\/[\d.]+ (\d{3})/gm)];
  if (statuses.length === 0) throw new Error(`no HTTP status in curl output:\n${output}`);
  const last = statuses[statuses.length - 1];
  const rest = output.slice(last.index);
  const split = rest.search(/\r?\n\r?\n/);
  return { status: Number(last[1]), body: split === -1 ? '' : rest.slice(split).trim() };
}

let t: TestApp;
let api: string;
const env: Record<string, string> = {};
beforeAll(async () => {
  t = await createTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  if (!address || typeof address === 'string') throw new Error('not listening');
  api = `http://127.0.0.1:${address.port}`;
  const expired = await createApiKey(t.tdb.db, { role: 'integrator', name: 'mis-42-old', integrator: 'mis-42', regions: ['42'] });
  await t.tdb.db.apiKey.update({ where: { id: expired.id }, data: { expiresAt: new Date(Date.now() - 60_000) } });
  const revoked = await createApiKey(t.tdb.db, { role: 'integrator', name: 'mis-42-revoked', integrator: 'mis-42', regions: ['42'] });
  await t.tdb.db.apiKey.update({ where: { id: revoked.id }, data: { revokedAt: new Date() } });
  Object.assign(env, { API: api, KEY: t.keys.integrator, EXPIRED_KEY: expired.key, REVOKED_KEY: revoked.key });
});
afterAll(async () => t?.close());

test('the curl session of the guide gets, command by command, the statuses and codes the guide shows', async () => {
  const steps = curlSession(GUIDE);
  expect(steps.length).toBeGreaterThanOrEqual(15);
  const results: object[] = [];
  const shown: object[] = [];
  for (const step of steps) {
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', step.command], { env: { ...process.env, ...env }, timeout: 30_000 });
    const { status, body } = parseCurl(stdout);
    const json = body.startsWith('{') ? (JSON.parse(body) as Record<string, unknown>) : {};
    results.push({ line: step.line, status, codes: codesIn(JSON.stringify(json, null, 1)) });
    shown.push({ line: step.line, status: step.shownStatus, codes: step.shownCodes });
    // The guide calls the first receipt's id $RECEIPT_ID from then on.
    if (status === 202 && !env.RECEIPT_ID) env.RECEIPT_ID = String(json.id);
  }
  expect(results).toEqual(shown);
  // What the guide shows is what this integrator now has: its receipt, withdrawn by the session.
  const receipt = await t.tdb.db.receipt.findUniqueOrThrow({ where: { id: env.RECEIPT_ID } });
  expect(receipt.status).toBe('cancelled');
});

test('every code of the catalogue is documented with its status, and the guide names no other code', () => {
  const problemHeadings = [...GUIDE.matchAll(/^### `([a-z_]+)` — (\d{3})/gm)].map((m) => ({ code: m[1], status: Number(m[2]) }));
  const fieldSection = GUIDE.slice(GUIDE.indexOf('### Field error codes'));
  const fieldRows = [...fieldSection.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]);
  expect(problemHeadings.map((h) => h.code).sort()).toEqual(Object.keys(PROBLEM_CODES).sort());
  for (const { code, status } of problemHeadings) expect({ code, status }).toEqual({ code, status: PROBLEM_CODES[code as keyof typeof PROBLEM_CODES].status });
  // Each problem code's section shows an example response carrying that code.
  for (const section of GUIDE.split(/^### /m).filter((s) => /^`[a-z_]+` — \d{3}/.test(s))) {
    const code = /^`([a-z_]+)`/.exec(section)![1];
    expect({ code, example: codesIn(section)[0] }).toEqual({ code, example: code });
  }
  expect(fieldRows.sort()).toEqual(Object.keys(FIELD_ERROR_CODES).sort());
  const known = new Set<string>([...Object.keys(PROBLEM_CODES), ...Object.keys(FIELD_ERROR_CODES)]);
  expect(codesIn(GUIDE).filter((code) => !known.has(code))).toEqual([]);
});
