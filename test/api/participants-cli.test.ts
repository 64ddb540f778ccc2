/** The participants command (`npm run participants -- …`) against a real database given by DATABASE_URL. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseCommand } from '../../scripts/participants';
import { participantById, signIn } from '../../src/cabinet/participants';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

const TSX = join(__dirname, '..', '..', 'node_modules', '.bin', 'tsx');
const SCRIPT = join(__dirname, '..', '..', 'scripts', 'participants.ts');
let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase('participants');
});
afterAll(async () => tdb?.drop());

function participants(...args: string[]) {
  const run = spawnSync(TSX, [SCRIPT, ...args], { env: { ...process.env, DATABASE_URL: tdb.url, LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

test('add by e-mail; the first sign-in with that verified e-mail binds the subject; deactivate ends it; all audited', async () => {
  const added = participants('add', '--role', 'region', '--region', '42', '--email', 'Minister@Kuzbass.test', '--name', 'Министерство здравоохранения Кузбасса');
  expect(added.status).toBe(0);
  const id = /participant ([0-9a-f-]{36})/.exec(added.stdout)![1];

  // An unverified e-mail does not match; a verified one does, and binds the subject for good.
  expect(await signIn(tdb.db, { subject: 'esia-1001', email: 'minister@kuzbass.test', emailVerified: false })).toBeNull();
  const principal = await signIn(tdb.db, { subject: 'esia-1001', email: 'minister@kuzbass.test', emailVerified: true });
  expect(principal).toMatchObject({ keyId: `participant:${id}`, role: 'region', regions: ['42'], integratorId: null });
  expect(await signIn(tdb.db, { subject: 'esia-1001' })).toMatchObject({ keyId: `participant:${id}` });
  expect(await signIn(tdb.db, { subject: 'someone-else', email: 'minister@kuzbass.test', emailVerified: true })).toBeNull();

  const list = participants('list');
  expect(list.status).toBe(0);
  expect(list.stdout.split('\n').find((l) => l.startsWith(id))).toMatch(/region +active +esia-1001 +minister@kuzbass\.test +\d{4}-\d\d-\d\d \d\d:\d\dZ +regions 42/);

  expect(participants('deactivate', id).status).toBe(0);
  expect(await participantById(tdb.db, id)).toBeNull();
  expect(await signIn(tdb.db, { subject: 'esia-1001' })).toBeNull();
  expect(participants('deactivate', id).status).toBe(1);

  const audit = participants('audit');
  expect(audit.status).toBe(0);
  expect(audit.stdout).toMatch(new RegExp(`cli \\(.+\\) +participant\\.create +participant:${id}`));
  expect(audit.stdout).toMatch(new RegExp(`participant\\.deactivate +participant:${id}`));
});

test('refuses what would not work: a region without one region, an integrator, nobody to match, duplicates, unknown scope', async () => {
  expect(() => parseCommand(['add', '--role', 'region', '--email', 'a@b.test', '--name', 'x'])).toThrow(/exactly one --region/);
  expect(() => parseCommand(['add', '--role', 'integrator', '--email', 'a@b.test', '--name', 'x'])).toThrow(/--role must be one of/);
  expect(() => parseCommand(['add', '--role', 'federal', '--name', 'x'])).toThrow(/--subject or --email/);
  expect(() => parseCommand(['add', '--role', 'federal', '--email', 'not-an-address', '--name', 'x'])).toThrow(/not an address/);
  expect(participants('add', '--role', 'federal', '--subject', 'dup', '--name', 'Минтруд').status).toBe(0);
  const again = participants('add', '--role', 'federal', '--subject', 'dup', '--name', 'Минтруд');
  expect([again.status, again.stderr]).toEqual([2, expect.stringContaining('exists already')]);
  const unknown = participants('add', '--role', 'organization', '--organization', 'NO-SUCH', '--subject', 'head', '--name', 'Главврач');
  expect([unknown.status, unknown.stderr]).toEqual([2, expect.stringContaining('unknown organization')]);
});
