/** The keys command (`npm run keys -- …`) against a real database given by DATABASE_URL. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { principalForKey } from '../../src/keys';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

const TSX = join(__dirname, '..', '..', 'node_modules', '.bin', 'tsx');
const SCRIPT = join(__dirname, '..', '..', 'scripts', 'keys.ts');
let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase('keys');
});
afterAll(async () => tdb?.drop());

function keys(...args: string[]) {
  const run = spawnSync(TSX, [SCRIPT, ...args], {
    env: { ...process.env, DATABASE_URL: tdb.url, LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

test('create prints a working key once; list shows it without the key; revoke stops it', async () => {
  const created = keys('create', '--role', 'integrator', '--region', '42', '--sector', 'health', '--name', 'МИС Кузбасса');
  expect(created.status).toBe(0);
  const key = created.stdout.trim().split('\n').pop()!;
  expect(key).toMatch(/^sfk_[\w-]{40,}$/);
  const principal = await principalForKey(tdb.db, key);
  expect(principal).toMatchObject({ role: 'integrator', regions: ['42'], sectors: ['health'], name: 'МИС Кузбасса' });

  const list = keys('list');
  expect(list.status).toBe(0);
  expect(list.stdout).toContain(principal!.keyId);
  expect(list.stdout).toContain('МИС Кузбасса');
  expect(list.stdout).not.toContain(key);

  expect(keys('revoke', principal!.keyId).status).toBe(0);
  expect(await principalForKey(tdb.db, key)).toBeNull();
  expect(keys('revoke', principal!.keyId).status).toBe(1);
});

test('bad usage exits 2 with a message and creates nothing', async () => {
  const before = await tdb.db.apiKey.count();
  for (const args of [
    ['create', '--role', 'wizard', '--name', 'x'],
    ['create', '--role', 'region', '--name', 'no region'],
    ['create', '--role', 'region', '--region', '77', '--name', 'not a pilot region'],
    ['create', '--role', 'organization', '--organization', 'NOPE', '--name', 'unknown org'],
    ['frobnicate'],
  ]) {
    const run = keys(...args);
    expect(run.status).toBe(2);
    expect(run.stderr.length).toBeGreaterThan(0);
  }
  expect(await tdb.db.apiKey.count()).toBe(before);
});
