/** Token hygiene: rate limits on token routes, strict headers, and no token in any log line. */
import { Writable } from 'node:stream';
import pino from 'pino';
import { createTestApp, type TestApp } from './app-helper';
import { GOOD_ANSWERS, openLink } from './citizen-helper';

let t: TestApp;
let logs = '';
beforeAll(async () => {
  const sink = new Writable({ write(chunk, _enc, done) { logs += chunk.toString(); done(); } });
  t = await createTestApp({ env: { CITIZEN_RATE_LIMIT_PER_MINUTE: '8' }, logger: pino({ level: 'trace' }, sink) });
});
afterAll(async () => t?.close());

test('a full request cycle on a link logs route patterns, never the token', async () => {
  const { token } = await openLink(t);
  const requests = [
    { method: 'GET', url: `/v1/questionnaires/${token}` },
    { method: 'POST', url: `/v1/questionnaires/${token}/responses`, payload: { answers: { ...GOOD_ANSWERS, info: 9 } } },
    { method: 'POST', url: `/v1/questionnaires/${token}/responses`, payload: { answers: GOOD_ANSWERS, comment: 'хорошо' } },
    { method: 'POST', url: `/v1/questionnaires/${token}/responses`, payload: { answers: GOOD_ANSWERS } },
    { method: 'POST', url: `/v1/unsubscribe/${token}` },
    { method: 'GET', url: `/q/${token}` },
    { method: 'GET', url: `/u/${token}` },
  ] as const;
  for (const r of requests) await t.call(null, r);
  expect(logs).toContain('/v1/questionnaires/:token/responses');
  expect(logs).toContain('"status":201');
  expect(logs).toContain('"status":409');
  expect(logs).not.toContain(token);
  expect(logs).not.toContain(token.slice(0, 20));
});

test('token routes are rate limited per address, with a problem+json 429', async () => {
  const { token } = await openLink(t);
  const codes: number[] = [];
  for (let i = 0; i < 10; i++) codes.push((await t.call(null, { method: 'GET', url: `/v1/questionnaires/${token}`, remoteAddress: '203.0.113.7' })).statusCode);
  expect(codes.slice(0, 8).every((c) => c === 200)).toBe(true);
  const limited = await t.call(null, { method: 'GET', url: `/v1/questionnaires/${token}`, remoteAddress: '203.0.113.7' });
  expect(limited.statusCode).toBe(429);
  expect(limited.headers['content-type']).toContain('application/problem+json');
  expect(limited.headers['retry-after']).toBeDefined();
  // another address is not affected, nor are the key-authenticated routes
  expect((await t.call(null, { method: 'GET', url: `/v1/questionnaires/${token}`, remoteAddress: '203.0.113.8' })).statusCode).toBe(200);
  for (let i = 0; i < 12; i++) {
    expect((await t.call(t.keys.federal, { method: 'GET', url: '/v1/organizations', remoteAddress: '203.0.113.7' })).statusCode).toBe(200);
  }
});

test('on the citizen pages (/q/…, /u/…) the limit is a Russian page, not JSON', async () => {
  const { token } = await openLink(t);
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const routes = [['GET', `/q/${token}`], ['POST', `/q/${token}`], ['GET', `/u/${token}`], ['POST', `/u/${token}`]] as const;
  for (const [i, [method, url]] of routes.entries()) {
    const request = { method, url, remoteAddress: `203.0.113.${20 + i}`, headers: form, payload: method === 'POST' ? 'info=5' : undefined };
    for (let n = 0; n < 8; n++) expect((await t.call(null, request)).statusCode).toBeLessThan(429);
    const limited = await t.call(null, request);
    expect([method, url.slice(0, 3), limited.statusCode]).toEqual([method, url.slice(0, 3), 429]);
    expect(limited.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(limited.headers['retry-after']).toBeDefined();
    expect(limited.headers['content-security-policy']).toContain("default-src 'none'");
    expect(limited.body).toContain('<html lang="ru">');
    expect(limited.body).toContain('Слишком много запросов');
    expect(limited.body).not.toMatch(/Too many requests|problem/);
  }
});

test('token routes carry a strict CSP and no-store; /docs keeps working without it', async () => {
  const { token } = await openLink(t);
  const res = await t.call(null, { method: 'GET', url: `/v1/questionnaires/${token}`, remoteAddress: '198.51.100.1' });
  expect(res.headers['content-security-policy']).toContain("default-src 'none'");
  expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers['referrer-policy']).toBe('no-referrer');
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  const docs = await t.call(null, { method: 'GET', url: '/docs/json' });
  expect(docs.statusCode).toBe(200);
  expect(docs.headers['content-security-policy']).toBeUndefined();
});
