/**
 * A database that cannot be reached is a 503 with Retry-After, quickly, never a 500: as
 * problem+json on the API, as a Russian page on the citizen pages. For real: the app is
 * built against a port where nothing listens, against a proxy in front of a real test
 * database that then drops its connections, against a server that never answers, and
 * against a database that is dropped under it.
 */
import { createServer, type AddressInfo, type Server, type Socket, connect } from 'node:net';
import { Client } from '@temporalio/client';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildApp } from '../../src/api/app';
import { createServices } from '../../src/composition';
import { loadConfig } from '../../src/config';
import { createDb, type Db } from '../../src/db/client';
import { REGULATION_POLICY } from '../../src/domain/policy';
import { createApiKey } from '../../src/keys';
import { OutboxMailer } from '../../src/mail/outbox-mailer';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

const silent = { info() {}, warn() {}, error() {} };
const TOKEN = 'A'.repeat(43);
const FORM = 'info=5&process=5&comfort=5&accessibility=na&courtesy=5&competence=5&overall=5&comment=';
const KEY = `Bearer sfk_${'x'.repeat(43)}`;

interface Harness {
  app: FastifyInstance;
  db: Db;
  close(): Promise<void>;
}

/** The real app on `databaseUrl`; Temporal is a lazy client that no request here reaches. */
async function appOn(databaseUrl: string, connectTimeoutMs?: number): Promise<Harness> {
  const config = loadConfig({ ...process.env, DATABASE_URL: databaseUrl });
  const db = createDb(databaseUrl, { max: 4, connectTimeoutMs });
  const services = createServices(config, { db, client: new Client(), log: silent }, {
    policy: REGULATION_POLICY, searchAttributes: false, mailer: new OutboxMailer(db, silent),
  });
  const app = await buildApp({ ...services, temporalHealthy: async () => true });
  return {
    app,
    db,
    async close() {
      await app.close();
      await db.$disconnect().catch(() => {});
    },
  };
}

/** A port on which nothing listens. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function urlOn(port: number, database = 'feedback'): string {
  return `postgresql://postgres@127.0.0.1:${port}/${database}`;
}

async function timed(app: FastifyInstance, options: InjectOptions) {
  const started = performance.now();
  const res = await app.inject(options);
  return { res, ms: performance.now() - started };
}

/** Requests over every kind of route: key-authenticated JSON, citizen JSON, citizen pages. */
const API_REQUESTS: InjectOptions[] = [
  { method: 'GET', url: '/v1/organizations', headers: { authorization: KEY } },
  { method: 'POST', url: '/v1/receipts', headers: { authorization: KEY }, payload: { externalId: 'x' } },
  { method: 'GET', url: '/v1/reports/indicators', headers: { authorization: KEY } },
  { method: 'GET', url: `/v1/questionnaires/${TOKEN}` },
  { method: 'POST', url: `/v1/questionnaires/${TOKEN}/responses`, payload: { answers: { info: 5, process: 5, comfort: 5, accessibility: null, courtesy: 5, competence: 5, overall: 5 } } },
  { method: 'POST', url: `/v1/unsubscribe/${TOKEN}` },
];
const PAGE_REQUESTS: InjectOptions[] = [
  { method: 'GET', url: `/q/${TOKEN}` },
  { method: 'POST', url: `/q/${TOKEN}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: FORM },
  { method: 'GET', url: `/q/${TOKEN}/thanks` },
  { method: 'GET', url: `/u/${TOKEN}` },
  { method: 'POST', url: `/u/${TOKEN}` },
];

async function expectUnavailable(app: FastifyInstance, withinMs: number) {
  for (const options of API_REQUESTS) {
    const { res, ms } = await timed(app, options);
    expect([options.url, res.statusCode]).toEqual([options.url, 503]);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    expect(res.json()).toMatchObject({ status: 503, code: 'database_unavailable', title: 'Service unavailable', detail: expect.stringContaining('database') });
    expect(ms).toBeLessThan(withinMs);
  }
  for (const options of PAGE_REQUESTS) {
    const { res, ms } = await timed(app, options);
    expect([options.method, options.url, res.statusCode]).toEqual([options.method, options.url, 503]);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.body).toContain('<html lang="ru">');
    expect(res.body).toContain('Сервис временно недоступен, попробуйте позже');
    expect(res.body).not.toMatch(/database|problem|Service unavailable/i);
    expect(ms).toBeLessThan(withinMs);
  }
  const health = await app.inject({ method: 'GET', url: '/ready' });
  expect(health.statusCode).toBe(503);
  expect(health.json()).toMatchObject({ database: 'down' });
}

test('nothing listens on the database port: 503 at once on every kind of route', async () => {
  const h = await appOn(urlOn(await deadPort()));
  try {
    // The very first query of a Prisma client also loads its query compiler (about a second here).
    const first = await timed(h.app, API_REQUESTS[0]);
    expect(first.res.statusCode).toBe(503);
    expect(first.ms).toBeLessThan(5000);
    await expectUnavailable(h.app, 1000);
  } finally {
    await h.close();
  }
});

/** A TCP proxy to the test server that can stall, and cut every connection. */
class Proxy {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  stalled = false;

  constructor(target: { host: string; port: number }) {
    this.server = createServer((client) => {
      const upstream = connect(target.port, target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {});
      }
      client.on('data', (chunk) => {
        if (!this.stalled) upstream.write(chunk);
      });
      upstream.pipe(client);
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  /** Drops every open connection and stops accepting new ones. */
  async cut(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

describe('a real database that goes away', () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await createTestDatabase('unavailable');
  });
  afterAll(async () => tdb?.drop());

  test('connections cut mid-query, then refused: 503, not 500', async () => {
    const server = new URL(tdb.url);
    const proxy = new Proxy({ host: server.hostname, port: Number(server.port || 5432) });
    const port = await proxy.listen();
    const h = await appOn(urlOn(port, server.pathname.slice(1)));
    try {
      const key = (await createApiKey(tdb.db, { role: 'admin', name: 'ops' })).key;
      const list = { method: 'GET' as const, url: '/v1/organizations', headers: { authorization: `Bearer ${key}` } };
      expect((await h.app.inject(list)).statusCode).toBe(200);
      expect((await h.app.inject({ method: 'GET', url: `/q/${TOKEN}` })).statusCode).toBe(404);

      // the query is in flight when the connection drops
      proxy.stalled = true;
      const inFlight = timed(h.app, list);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await proxy.cut();
      const { res, ms } = await inFlight;
      expect(res.statusCode).toBe(503);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(ms).toBeLessThan(1500);

      await expectUnavailable(h.app, 1000);
    } finally {
      await h.close();
    }
  });

  test('a server that accepts connections and never answers: 503 after the connect timeout', async () => {
    const held: Socket[] = [];
    const silentServer = createServer((socket) => {
      held.push(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => silentServer.listen(0, '127.0.0.1', resolve));
    const h = await appOn(urlOn((silentServer.address() as AddressInfo).port), 300);
    try {
      const { res, ms } = await timed(h.app, { method: 'GET', url: `/q/${TOKEN}` });
      expect(res.statusCode).toBe(503);
      expect(res.body).toContain('Сервис временно недоступен, попробуйте позже');
      expect(ms).toBeGreaterThanOrEqual(250);
      expect(ms).toBeLessThan(1300);
      const api = await timed(h.app, { method: 'GET', url: '/v1/organizations', headers: { authorization: KEY } });
      expect(api.res.statusCode).toBe(503);
      expect(api.ms).toBeLessThan(1300);
    } finally {
      await h.close();
      for (const s of held) s.destroy();
      await new Promise((resolve) => silentServer.close(resolve));
    }
  });

  test('the database is dropped under the running app: 503', async () => {
    const scratch = await createTestDatabase('unavailable_drop');
    const h = await appOn(scratch.url);
    try {
      expect((await h.app.inject({ method: 'GET', url: `/v1/questionnaires/${TOKEN}` })).statusCode).toBe(404);
      await scratch.drop();
      const { res, ms } = await timed(h.app, { method: 'GET', url: `/v1/questionnaires/${TOKEN}` });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toMatch(/^\d+$/);
      expect(ms).toBeLessThan(1000);
      const page = await h.app.inject({ method: 'POST', url: `/q/${TOKEN}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: FORM });
      expect(page.statusCode).toBe(503);
      expect(page.body).toContain('Сервис временно недоступен');
    } finally {
      await h.close();
    }
  });
});
