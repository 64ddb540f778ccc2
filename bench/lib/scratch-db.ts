/**
 * A scratch database for a benchmark, made like test/helpers/db.ts (created, migrated,
 * seeded with the reference data) on the server named by BENCH_DATABASE_URL, else
 * TEST_DATABASE_URL, else the local server. It is dropped when the benchmark ends, also on
 * an error, Ctrl-C (SIGINT), SIGTERM, SIGHUP or a closed stdout: `withScratchDatabase`
 * owns its lifetime. (A SIGKILL leaves it behind: drop `bench_*` databases by hand.)
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createDb, type Db } from '../../src/db/client';
import { migrate } from '../../src/db/migrate';
import { seedReferenceData } from '../../prisma/seed';
import { adminQuery as adminQueryOn } from '../../test/helpers/db';

export const SERVER_URL =
  process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface ScratchDatabase {
  name: string;
  url: string;
  /** The app's Prisma client (driver adapter over pg), like production's createDb. */
  db: Db;
  /** A plain pg client for the set-based data generation and the raw SQL. */
  sql: Client;
}

export function adminQuery(sql: string): Promise<void> {
  return adminQueryOn(sql, SERVER_URL);
}

/**
 * Runs `body` against a fresh scratch database and drops it afterwards whatever happens.
 * `pool` is the Prisma client's pool size (production's createDb default is 10).
 */
export async function withScratchDatabase<T>(prefix: string, pool: number, body: (s: ScratchDatabase) => Promise<T>): Promise<T> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  let db: Db | undefined;
  let sql: Client | undefined;
  let dropped: Promise<void> | undefined;
  const drop = () =>
    (dropped ??= (async () => {
      await Promise.allSettled([db?.$disconnect(), sql?.end()]);
      // FORCE ends whatever session is still in a long statement there.
      await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).then(
        () => console.error(`[bench] dropped scratch database ${name}`),
        (err) => console.error(`[bench] could not drop scratch database ${name}: ${(err as Error).message}`),
      );
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`\n[bench] ${signal}: dropping the scratch database, then exiting`);
    void drop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  // Anything else that would end the process early: an error thrown outside `body`'s
  // promise chain, or stdout closed under us (`… | head`).
  const onFatal = (err: unknown) => {
    if ((err as NodeJS.ErrnoException)?.code !== 'EPIPE') console.error('[bench] fatal:', err);
    void drop().finally(() => process.exit(1));
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, onSignal);
  process.on('uncaughtException', onFatal);
  process.stdout.on('error', onFatal);
  try {
    await adminQuery(`CREATE DATABASE "${name}"`);
    console.error(`[bench] created scratch database ${name}`);
    await migrate(url.toString());
    db = createDb(url.toString(), { max: pool });
    await seedReferenceData(db);
    sql = new Client({ connectionString: url.toString() });
    await sql.connect();
    return await body({ name, url: url.toString(), db, sql });
  } finally {
    await drop();
    for (const s of signals) process.off(s, onSignal);
    process.off('uncaughtException', onFatal);
    process.stdout.off('error', onFatal);
  }
}

/** The server settings that matter for these benchmarks, as `name=value unit` lines. */
export async function serverSettings(sql: Client): Promise<string[]> {
  const { rows } = await sql.query<{ name: string; setting: string }>(
    `SELECT name, current_setting(name) AS setting FROM pg_settings
     WHERE name = ANY($1) ORDER BY array_position($1, name)`,
    [[
      'server_version', 'work_mem', 'hash_mem_multiplier', 'shared_buffers', 'effective_cache_size', 'max_parallel_workers_per_gather',
      'max_parallel_workers', 'max_worker_processes', 'jit', 'random_page_cost', 'max_connections',
    ]],
  );
  return rows.map((r) => `${r.name}=${r.setting}`);
}

/** Organisations spread over the seeded regions and types, set-based (shared by both benches). */
export async function insertOrganizations(sql: Client, count: number): Promise<number> {
  const r = await sql.query(
    `WITH regions AS (SELECT array_agg(code ORDER BY code) AS a FROM region),
          types AS (SELECT array_agg(code ORDER BY code) AS a FROM organization_type)
     INSERT INTO organization (id, code, name, type_code, region_code, founder_level, created_at, updated_at)
     SELECT gen_random_uuid(),
            '90' || lpad(n::text, 11, '0'),
            'Организация № ' || n,
            types.a[1 + (n / cardinality(regions.a)) % cardinality(types.a)],
            regions.a[1 + n % cardinality(regions.a)],
            (ARRAY['federal', 'regional', 'regional', 'regional', 'municipal', 'municipal'])[1 + n % 6]::founder_level,
            now(), now()
     FROM generate_series(1, $1::int) n, regions, types`,
    [count],
  );
  return r.rowCount ?? 0;
}

export const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
export const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
/** Nearest-rank percentile of sorted values. */
export const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
