/**
 * TRUST_PROXY: behind a reverse proxy every request comes from the proxy's address. With
 * the proxy trusted, the per-address rate limit of the token routes counts each citizen by
 * X-Forwarded-For; without it, everyone behind the proxy shares one limit. A client that
 * is not a trusted proxy cannot choose its address by sending the header itself.
 */
import { createTestApp, type TestApp } from './app-helper';

const LIMIT = 3;
const PROXY = '10.0.0.7';
const UNKNOWN_LINK = `/v1/questionnaires/${'Z'.repeat(43)}`;

let behindProxy: TestApp;
let direct: TestApp;
beforeAll(async () => {
  const env = { CITIZEN_RATE_LIMIT_PER_MINUTE: String(LIMIT) };
  [behindProxy, direct] = await Promise.all([
    createTestApp({ env: { ...env, TRUST_PROXY: '10.0.0.0/8' } }),
    createTestApp({ env }),
  ]);
});
afterAll(async () => Promise.allSettled([behindProxy?.close(), direct?.close()]));

/** Status codes of `n` requests to a token route from `remoteAddress`, forwarded for `forwardedFor`. */
async function statuses(t: TestApp, n: number, remoteAddress: string, forwardedFor?: string): Promise<number[]> {
  const codes: number[] = [];
  for (let i = 0; i < n; i++) {
    const headers = forwardedFor ? { 'x-forwarded-for': forwardedFor } : {};
    codes.push((await t.call(null, { method: 'GET', url: UNKNOWN_LINK, remoteAddress, headers })).statusCode);
  }
  return codes;
}

test('with TRUST_PROXY, two citizens behind the proxy have a limit each', async () => {
  expect(await statuses(behindProxy, LIMIT + 1, PROXY, '198.51.100.1')).toEqual([404, 404, 404, 429]);
  expect(await statuses(behindProxy, LIMIT, PROXY, '198.51.100.2')).toEqual([404, 404, 404]);
  // A chain: the address the trusted proxy saw is the last one it appended.
  expect(await statuses(behindProxy, 1, PROXY, '192.0.2.50, 198.51.100.3')).toEqual([404]);
});

test('with TRUST_PROXY, a client that is not a trusted proxy is counted by its own address', async () => {
  expect(await statuses(behindProxy, LIMIT, '203.0.113.9', '198.51.100.10')).toEqual([404, 404, 404]);
  expect(await statuses(behindProxy, 1, '203.0.113.9', '198.51.100.11')).toEqual([429]);
});

test('without TRUST_PROXY, everyone behind the proxy shares the proxy\'s limit', async () => {
  expect(await statuses(direct, LIMIT, PROXY, '198.51.100.1')).toEqual([404, 404, 404]);
  expect(await statuses(direct, 1, PROXY, '198.51.100.2')).toEqual([429]);
});
