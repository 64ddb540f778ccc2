/**
 * A freshly migrated and seeded database per test file, on the PostgreSQL server named by
 * TEST_DATABASE_URL (default: the local server). A test that cannot reach it fails.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createDb, type Db } from '../../src/db/client';
import { migrate } from '../../src/db/migrate';
import { seedReferenceData } from '../../prisma/seed';

const SERVER_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  db: Db;
  drop(): Promise<void>;
}

/**
 * `through`: migrate only up to that migration and seed nothing, for a test that fills an
 * older shape with raw SQL and then applies the rest (`migrate(url)`); until then `db`,
 * built for the current schema, must not be used.
 */
export async function createTestDatabase(prefix = 't', options: { through?: string } = {}): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  await migrate(url.toString(), undefined, { through: options.through });
  const db = createDb(url.toString(), { max: 20 });
  if (options.through === undefined) await seedReferenceData(db);
  return {
    url: url.toString(),
    db,
    async drop() {
      await db.$disconnect();
      await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

/** One statement on the server's maintenance database (CREATE / DROP DATABASE). */
export async function adminQuery(sql: string, serverUrl = SERVER_URL): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
