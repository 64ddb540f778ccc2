/**
 * The integrators migration on a database in the old shape (receipts keyed by the posting
 * key's name), filled with raw SQL: every distinct name becomes one integrator, keys and
 * receipts are linked to it, and no externalId changes meaning.
 */
import { Client } from 'pg';
import { listMigrations, migrate } from '../../src/db/migrate';
import { principalForKey } from '../../src/keys';
import { Secrets, sha256 } from '../../src/security';
import { ReceiptService } from '../../src/services/receipts';
import type { InvitationGateway } from '../../src/temporal/invitations';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { ORG } from './app-helper';
import { receiptBody } from './receipt-body';

const MIGRATION = '20261124080000_integrators';
const BEFORE = listMigrations().map((m) => m.name).filter((name) => name < MIGRATION).pop()!;
const KEY = 'sfk_an-old-integrator-key-of-mis-42';

let tdb: TestDatabase;
let sql: Client;
beforeAll(async () => {
  tdb = await createTestDatabase('mig', { through: BEFORE });
  sql = new Client({ connectionString: tdb.url });
  await sql.connect();
});
afterAll(async () => {
  await sql?.end();
  await tdb?.drop();
});

/** Old-shape rows: keys named alike across roles, a revoked key, receipts of a key long gone. */
async function insertOldShape(): Promise<void> {
  await sql.query(`
    INSERT INTO region (code, name) VALUES ('42', 'Кемеровская область');
    INSERT INTO organization_type (code, name, sector) VALUES ('healthcare', 'Медицинские организации', 'health');
    INSERT INTO region_organization_type (region_code, type_code) VALUES ('42', 'healthcare');
    INSERT INTO organization (id, code, name, type_code, region_code, founder_level, updated_at)
      VALUES ('00000000-0000-4000-8000-00000000000a', '${ORG.code}', 'Больница', 'healthcare', '42', 'regional', now());
    INSERT INTO api_key (id, name, role, regions, sectors, key_hash, prefix, created_at, revoked_at) VALUES
      ('00000000-0000-4000-8000-000000000001', 'mis-42', 'integrator', '{42}', '{}', '${sha256(KEY)}', 'sfk_an-old', '2026-01-10T00:00:00Z', NULL),
      ('00000000-0000-4000-8000-000000000002', 'mis-42', 'integrator', '{42}', '{}', 'hash-2', 'sfk_2', '2026-01-05T00:00:00Z', '2026-01-09T00:00:00Z'),
      ('00000000-0000-4000-8000-000000000003', 'МИС Кузбасса', 'integrator', '{42}', '{health}', 'hash-3', 'sfk_3', '2026-02-01T00:00:00Z', NULL),
      ('00000000-0000-4000-8000-000000000004', 'mis-42', 'admin', '{}', '{}', 'hash-4', 'sfk_4', '2026-01-01T00:00:00Z', NULL),
      ('00000000-0000-4000-8000-000000000005', 'region-42', 'region', '{42}', '{}', 'hash-5', 'sfk_5', '2026-01-01T00:00:00Z', NULL);
    INSERT INTO receipt (id, integrator, external_id, body_hash, organization_id, service_kind, service_date, minor, late, received_at) VALUES
      ('00000000-0000-4000-8000-0000000000b1', 'mis-42', 'E1', 'old-hash-1', '00000000-0000-4000-8000-00000000000a', 'one_time', '2026-01-02', false, false, '2026-01-03T00:00:00Z'),
      ('00000000-0000-4000-8000-0000000000b2', 'mis-42', 'E2', 'old-hash-2', '00000000-0000-4000-8000-00000000000a', 'one_time', '2026-01-20', false, false, '2026-01-21T00:00:00Z'),
      ('00000000-0000-4000-8000-0000000000b3', 'orphan-mis', 'E1', 'old-hash-3', '00000000-0000-4000-8000-00000000000a', 'one_time', '2025-12-01', false, false, '2025-12-02T00:00:00Z');
  `);
}

test('every distinct integrator name becomes one integrator that owns its keys and receipts', async () => {
  await insertOldShape();
  expect(await migrate(tdb.url)).toEqual({ applied: listMigrations().map((m) => m.name).filter((n) => n > BEFORE), alreadyApplied: expect.any(Array) });

  const integrators = (await sql.query<{ id: string; code: string; created_at: Date }>('SELECT id, code, created_at FROM integrator')).rows;
  // One per integrator-key name (revoked or not) and per receipt.integrator; none for the admin and region keys.
  expect(integrators.map((i) => i.code).sort()).toEqual(['mis-42', 'orphan-mis', 'МИС Кузбасса'].sort());
  const id = Object.fromEntries(integrators.map((i) => [i.code, i.id]));
  const since = Object.fromEntries(integrators.map((i) => [i.code, i.created_at.toISOString()]));
  expect(since).toEqual({
    'mis-42': '2026-01-03T00:00:00.000Z', // its first receipt, before its keys
    'orphan-mis': '2025-12-02T00:00:00.000Z',
    'МИС Кузбасса': '2026-02-01T00:00:00.000Z',
  });

  const keys = (await sql.query<{ id: string; integrator_id: string | null; expires_at: Date | null; last_used_at: Date | null }>(
    'SELECT id, integrator_id, expires_at, last_used_at FROM api_key ORDER BY id')).rows;
  expect(keys.map((k) => [k.id.slice(-1), k.integrator_id])).toEqual([
    ['1', id['mis-42']], ['2', id['mis-42']], ['3', id['МИС Кузбасса']], ['4', null], ['5', null],
  ]);
  expect(keys.every((k) => k.expires_at === null && k.last_used_at === null)).toBe(true);

  const receipts = (await sql.query<{ id: string; integrator_id: string; external_id: string; body_hash: string }>(
    'SELECT id, integrator_id, external_id, body_hash FROM receipt ORDER BY id')).rows;
  expect(receipts.map((r) => [r.id.slice(-1), r.integrator_id, r.external_id, r.body_hash])).toEqual([
    ['1', id['mis-42'], 'E1', 'old-hash-1'],
    ['2', id['mis-42'], 'E2', 'old-hash-2'],
    ['3', id['orphan-mis'], 'E1', 'old-hash-3'],
  ]);
  const columns = (await sql.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns WHERE table_name = 'receipt' AND column_name LIKE 'integrator%'`)).rows;
  expect(columns.map((c) => c.column_name)).toEqual(['integrator_id']);
});

test('after the migration an old key still reaches its receipts, and their externalIds stay taken', async () => {
  const principal = await principalForKey(tdb.db, KEY);
  const mis42 = await tdb.db.integrator.findUniqueOrThrow({ where: { code: 'mis-42' } });
  expect(principal).toMatchObject({ role: 'integrator', name: 'mis-42', integratorId: mis42.id });

  const service = new ReceiptService({
    db: tdb.db,
    secrets: new Secrets(process.env.PII_HASH_KEY!),
    invitations: {} as InvitationGateway, // a conflict is decided before any workflow is started
    log: { warn() {} },
  });
  // E1 of mis-42 with another body is a conflict, exactly as before the migration.
  expect(await service.ingest(principal!, receiptBody({ externalId: 'E1' }))).toMatchObject({ kind: 'conflict' });

  const data = { externalId: 'E1', bodyHash: 'h', organizationId: '00000000-0000-4000-8000-00000000000a', serviceKind: 'one_time' as const, serviceDate: new Date('2026-03-01'), minor: false, late: false };
  await expect(tdb.db.receipt.create({ data: { ...data, integratorId: mis42.id } })).rejects.toMatchObject({ code: 'P2002' });
  const kuzbass = await tdb.db.integrator.findUniqueOrThrow({ where: { code: 'МИС Кузбасса' } });
  await expect(tdb.db.receipt.create({ data: { ...data, integratorId: kuzbass.id } })).resolves.toMatchObject({ externalId: 'E1' });
});
