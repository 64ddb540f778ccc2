/**
 * GET /metrics moves by exactly what was done (receipts by outcome, each batch item too;
 * questionnaire answers), labels requests by route pattern and never by a token; /health is
 * liveness, /ready names the dependency that is down; X-Request-Id comes back in the header
 * and in a problem's `instance`.
 */
import pino from 'pino';
import { createTestApp, type TestApp } from './app-helper';
import { GOOD_ANSWERS, openLink } from './citizen-helper';
import { receiptBody } from './receipt-body';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
}, 120_000);
afterAll(() => t?.close());

async function scrape(): Promise<string> {
  const res = await t.call(null, { method: 'GET', url: '/metrics' });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.body;
}

/** The value of one sample (`name{labels} value`) of a scrape, 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = match[2] ? match[2].split(',') : [];
    if (wanted.length === have.length && wanted.every((w) => have.includes(w))) return Number(match[3]);
  }
  return 0;
}

const receipts = (text: string, outcome: string) => sample(text, 'feedback_receipts_total', { outcome });

test('receipt outcomes and answers move the counters by exactly what was done; routes are labelled by pattern', async () => {
  const before = await scrape();

  const body = receiptBody();
  expect((await t.call(t.keys.integrator, { method: 'POST', url: '/v1/receipts', payload: body })).statusCode).toBe(202);
  expect((await t.call(t.keys.integrator, { method: 'POST', url: '/v1/receipts', payload: body })).statusCode).toBe(200);
  const changed = { ...body, recipient: { ...body.recipient, firstName: 'Мария' } };
  expect((await t.call(t.keys.integrator, { method: 'POST', url: '/v1/receipts', payload: changed })).statusCode).toBe(409);
  // Refused by the schema (422) and by the service (an unknown organization, 422).
  expect((await t.call(t.keys.integrator, { method: 'POST', url: '/v1/receipts', payload: { ...receiptBody(), recipient: 'nobody' } })).statusCode).toBe(422);
  expect((await t.call(t.keys.integrator, { method: 'POST', url: '/v1/receipts', payload: receiptBody({ organization: '1024200009999' }) })).statusCode).toBe(422);
  // A batch counts each item: 2 accepted, 1 duplicate, 1 rejected.
  const batch = await t.call(t.keys.integrator, {
    method: 'POST',
    url: '/v1/receipts/batch',
    payload: { receipts: [receiptBody(), receiptBody(), body, { externalId: 'x' }] },
  });
  expect(batch.json().results.map((r: { status: string }) => r.status)).toEqual(['accepted', 'accepted', 'duplicate', 'rejected']);
  // openLink posts one more receipt (accepted); then one answer, and a second one refused.
  const { token } = await openLink(t);
  const answer = () => t.call(null, { method: 'POST', url: `/v1/questionnaires/${token}/responses`, payload: { answers: GOOD_ANSWERS } });
  expect((await answer()).statusCode).toBe(201);
  expect((await answer()).statusCode).toBe(409);

  const after = await scrape();
  expect(receipts(after, 'accepted') - receipts(before, 'accepted')).toBe(1 + 2 + 1);
  expect(receipts(after, 'duplicate') - receipts(before, 'duplicate')).toBe(1 + 1);
  expect(receipts(after, 'conflict') - receipts(before, 'conflict')).toBe(1);
  expect(receipts(after, 'rejected') - receipts(before, 'rejected')).toBe(2 + 1);
  expect(sample(after, 'feedback_responses_total') - sample(before, 'feedback_responses_total')).toBe(1);

  const count = (text: string, labels: Record<string, string>) => sample(text, 'feedback_http_request_duration_seconds_count', labels);
  expect(count(after, { route: '/v1/questionnaires/:token/responses', method: 'POST', status: '201' })).toBe(1);
  expect(count(after, { route: '/v1/receipts', method: 'POST', status: '202' }) - count(before, { route: '/v1/receipts', method: 'POST', status: '202' })).toBe(2); // ours and openLink's
  expect(after).not.toContain(token);
  expect(after).toMatch(/^feedback_db_pool_waiting \d+$/m);
  for (const name of ['feedback_notifications_total', 'feedback_reconciler_backlog', 'feedback_reconciler_started_total', 'feedback_scoring_run_seconds']) {
    expect(after).toContain(`# TYPE ${name} `);
  }
}, 60_000);

test('an unknown path is labelled "unmatched", not by its URL', async () => {
  await t.call(null, { method: 'GET', url: '/q/some-secret-token/extra' });
  const text = await scrape();
  expect(text).not.toContain('some-secret-token');
  expect(sample(text, 'feedback_http_request_duration_seconds_count', { route: 'unmatched', method: 'GET', status: '404' })).toBeGreaterThanOrEqual(1);
});

test('X-Request-Id: a sane one is echoed and is the instance of a problem; anything else is replaced', async () => {
  const res = await t.call(null, { method: 'GET', url: '/v1/receipts/not-a-uuid', headers: { 'x-request-id': 'trace-42.abc_DEF' } });
  expect(res.statusCode).toBe(401);
  expect(res.headers['x-request-id']).toBe('trace-42.abc_DEF');
  expect(res.json().instance).toBe('urn:request:trace-42.abc_DEF');

  for (const bad of ['has space', 'x'.repeat(129), 'a/b', 'semi;colon', '']) {
    const replaced = await t.call(null, { method: 'GET', url: '/nowhere', headers: { 'x-request-id': bad } });
    const id = replaced.headers['x-request-id'] as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(replaced.json().instance).toBe(`urn:request:${id}`);
  }
  const generated = await t.call(null, { method: 'GET', url: '/health' });
  expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
});

test('/health is liveness only; /ready checks PostgreSQL and Temporal', async () => {
  const health = await t.call(null, { method: 'GET', url: '/health' });
  expect(health.statusCode).toBe(200);
  expect(health.json()).toEqual({ status: 'ok' });
  const ready = await t.call(null, { method: 'GET', url: '/ready' });
  expect(ready.statusCode).toBe(200);
  expect(ready.json()).toEqual({ status: 'ok', database: 'up', temporal: 'up' });
});

test('/ready answers 503 naming Temporal when it does not answer; /health stays 200', async () => {
  const down = await createTestApp({ temporalHealthy: async () => false });
  try {
    const ready = await down.call(null, { method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({ status: 'degraded', database: 'up', temporal: 'down', detail: 'Temporal is down' });
    expect((await down.call(null, { method: 'GET', url: '/health' })).statusCode).toBe(200);
    // Each app has its own registry: this one saw none of the other app's receipts.
    expect(receipts(await (await down.call(null, { method: 'GET', url: '/metrics' })).body, 'accepted')).toBe(0);
  } finally {
    await down.close();
  }
}, 120_000);

test('METRICS_TOKEN, when set, is required as a bearer token; each request line carries its request id', async () => {
  const token = 'metrics-token-0123456789';
  const lines: { reqId?: string; msg?: string; route?: string }[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const guarded = await createTestApp({ env: { METRICS_TOKEN: token }, logger });
  try {
    await guarded.call(null, { method: 'GET', url: '/health', headers: { 'x-request-id': 'probe-7' } });
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'request completed', route: '/health', reqId: 'probe-7' }));
    const refused = await guarded.call(null, { method: 'GET', url: '/metrics' });
    expect(refused.statusCode).toBe(401);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((await guarded.call('wrong-token-0123456789', { method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    expect((await guarded.call(token, { method: 'GET', url: '/metrics' })).statusCode).toBe(200);
  } finally {
    await guarded.close();
  }
}, 120_000);
