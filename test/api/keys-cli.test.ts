/** The keys command (`npm run keys -- …`) against a real database given by DATABASE_URL. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseCommand } from '../../scripts/keys';
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

const printedKey = (run: { stdout: string }) => run.stdout.trim().split('\n').pop()!;
const listed = (stdout: string, keyId: string) => stdout.split('\n').find((line) => line.startsWith(keyId)) ?? '';

test('create prints a working key once; list shows it without the key; revoke stops it', async () => {
  const created = keys('create', '--role', 'integrator', '--integrator', 'kuzbass-mis', '--region', '42', '--sector', 'health', '--name', 'МИС Кузбасса');
  expect(created.status).toBe(0);
  expect(created.stderr).toContain('new integrator kuzbass-mis');
  const key = printedKey(created);
  expect(key).toMatch(/^sfk_[\w-]{40,}$/);
  const principal = await principalForKey(tdb.db, key);
  const integrator = await tdb.db.integrator.findUniqueOrThrow({ where: { code: 'kuzbass-mis' } });
  expect(principal).toMatchObject({ role: 'integrator', regions: ['42'], sectors: ['health'], name: 'МИС Кузбасса', integratorId: integrator.id });

  const list = keys('list');
  expect(list.status).toBe(0);
  expect(list.stdout.split('\n')[0]).toMatch(/^id +role +status +key +created +last used +integrator +scope +name$/);
  const line = listed(list.stdout, principal!.keyId);
  expect(line).toContain('МИС Кузбасса');
  expect(line).toContain('kuzbass-mis');
  expect(line).toMatch(/ active .* \d{4}-\d\d-\d\d \d\d:\d\dZ /); // last used: by principalForKey above
  expect(list.stdout).not.toContain(key);

  expect(keys('revoke', principal!.keyId).status).toBe(0);
  expect(await principalForKey(tdb.db, key)).toBeNull();
  expect(keys('revoke', principal!.keyId).status).toBe(1);

  // Both changes are in the administrators' audit, by the command line's user; the key never is.
  const events = await tdb.db.auditEvent.findMany({ where: { target: `key:${principal!.keyId}` }, orderBy: { id: 'asc' } });
  expect(events.map((e) => [e.action, e.actor.startsWith('cli (')])).toEqual([['key.create', true], ['key.revoke', true]]);
  expect(JSON.stringify(events.map((e) => ({ ...e, id: String(e.id) })))).not.toContain(key);
});

test('bad usage exits 2 with a message and creates nothing', async () => {
  const before = await tdb.db.apiKey.count();
  for (const args of [
    ['create', '--role', 'wizard', '--name', 'x'],
    ['create', '--role', 'region', '--name', 'no region'],
    ['create', '--role', 'region', '--region', '77', '--name', 'not a pilot region'],
    ['create', '--role', 'organization', '--organization', 'NOPE', '--name', 'unknown org'],
    ['create', '--role', 'integrator', '--region', '42', '--name', 'no integrator'],
    ['rotate', '00000000-0000-4000-8000-000000000000', '--overlap-hours', 'soon'],
    ['frobnicate'],
  ]) {
    const run = keys(...args);
    expect(run.status).toBe(2);
    expect(run.stderr.length).toBeGreaterThan(0);
  }
  expect(await tdb.db.apiKey.count()).toBe(before);
});

test.each([
  [['create', '--role', 'integrator', '--region', '42', '--name', 'x'], /needs --integrator <code>/],
  [['create', '--role', 'integrator', '--integrator', '  ', '--region', '42'], /needs --integrator <code>/],
  [['create', '--role', 'integrator', '--integrator', 'mis\n42', '--region', '42'], /control characters/],
  [['create', '--role', 'integrator', '--integrator', 'mis-42'], /--region and\/or --sector/],
  [['create', '--role', 'admin', '--integrator', 'mis-42', '--name', 'x'], /--integrator is for integrator keys only/],
  [['create', '--role', 'admin', '--sector', 'health', '--name', 'x'], /never --sector or --organization/],
  [['create', '--role', 'integrator', '--integrator', 'mis-42', '--region', '42', '--overlap-hours', '2'], /--overlap-hours is for rotate/],
  [['rotate'], /exactly one key id/],
  [['rotate', 'not-an-id'], /not a key id/],
  [['rotate', '00000000-0000-4000-8000-000000000000', '--overlap-hours=-1'], /non-negative number of hours/],
  [['rotate', '00000000-0000-4000-8000-000000000000', '--name', 'x'], /only --overlap-hours/],
])('usage: %j', (args, message) => {
  expect(() => parseCommand(args)).toThrow(message);
});

test('usage: what create and rotate parse to', () => {
  expect(parseCommand(['create', '--role', 'integrator', '--integrator', 'mis-42', '--region', '42'])).toEqual({
    kind: 'create', key: { role: 'integrator', name: 'mis-42', integrator: 'mis-42', regions: ['42'], sectors: [], organizationCode: null },
  });
  // A region's administrator: an admin key with a region (it manages that region's organisations only).
  expect(parseCommand(['create', '--role', 'admin', '--region', '42', '--name', 'Минсоцзащиты Кузбасса'])).toEqual({
    kind: 'create', key: { role: 'admin', name: 'Минсоцзащиты Кузбасса', regions: ['42'], sectors: [], organizationCode: null },
  });
  const id = '00000000-0000-4000-8000-0000000000AB';
  expect(parseCommand(['rotate', id])).toEqual({ kind: 'rotate', id: id.toLowerCase(), overlapHours: 24 });
  expect(parseCommand(['rotate', id, '--overlap-hours', '0.5'])).toEqual({ kind: 'rotate', id: id.toLowerCase(), overlapHours: 0.5 });
});

test('a second key joins an existing integrator: same integrator, its own name and scope', async () => {
  const first = keys('create', '--role', 'integrator', '--integrator', 'mis-54', '--region', '54');
  expect(first.status).toBe(0);
  const second = keys('create', '--role', 'integrator', '--integrator', 'mis-54', '--region', '54', '--sector', 'health', '--name', 'mis-54 health');
  expect(second.status).toBe(0);
  expect(second.stderr).toContain('one more key of integrator mis-54');
  const [a, b] = await Promise.all([principalForKey(tdb.db, printedKey(first)), principalForKey(tdb.db, printedKey(second))]);
  expect(a).toMatchObject({ name: 'mis-54', sectors: [] }); // --name defaults to the code
  expect(b).toMatchObject({ name: 'mis-54 health', sectors: ['health'], integratorId: a!.integratorId });
  expect(await tdb.db.integrator.count({ where: { code: 'mis-54' } })).toBe(1);
});

test('rotate issues a key of the same integrator and scope; the old one expires after the overlap', async () => {
  const old = printedKey(keys('create', '--role', 'integrator', '--integrator', 'mis-16', '--region', '16', '--sector', 'sport'));
  const before = (await principalForKey(tdb.db, old))!;
  const started = Date.now();
  const rotated = keys('rotate', before.keyId, '--overlap-hours', '2');
  expect(rotated.status).toBe(0);
  const fresh = printedKey(rotated);
  const after = (await principalForKey(tdb.db, fresh))!;
  expect(after).toMatchObject({ role: 'integrator', name: before.name, regions: ['16'], sectors: ['sport'], integratorId: before.integratorId });
  expect(after.keyId).not.toBe(before.keyId);
  expect(rotated.stderr).toContain(`in place of ${before.keyId}`);

  const expiresAt = (await tdb.db.apiKey.findUniqueOrThrow({ where: { id: before.keyId } })).expiresAt!;
  expect(expiresAt.getTime()).toBeGreaterThanOrEqual(started + 2 * 3_600_000 - 1000);
  expect(expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 2 * 3_600_000);
  expect(await principalForKey(tdb.db, old)).not.toBeNull(); // during the overlap
  expect(await principalForKey(tdb.db, old, new Date(expiresAt.getTime()))).toBeNull();
  expect(listed(keys('list').stdout, before.keyId)).toContain(` expires ${expiresAt.toISOString().slice(0, 16).replace('T', ' ')}Z `);

  // The default overlap is 24 hours; an expired or revoked key cannot be rotated.
  const again = keys('rotate', after.keyId);
  expect(again.status).toBe(0);
  const expires = (await tdb.db.apiKey.findUniqueOrThrow({ where: { id: after.keyId } })).expiresAt!.getTime() - Date.now();
  expect(Math.abs(expires - 24 * 3_600_000)).toBeLessThan(60_000);
  expect(keys('rotate', before.keyId, '--overlap-hours', '0').status).toBe(0);
  expect(await principalForKey(tdb.db, old)).toBeNull();
  expect(listed(keys('list').stdout, before.keyId)).toContain(' expired ');
  const dead = keys('rotate', before.keyId);
  expect(dead.status).toBe(1);
  expect(dead.stderr).toContain('No working key');
});
