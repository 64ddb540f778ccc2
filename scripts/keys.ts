/**
 * API keys from the command line, against the configured database:
 *
 *   npm run keys -- create --role <role> [--region 42]... [--sector health]... [--organization <code>] --name <label>
 *   npm run keys -- create --role integrator --integrator <code> [--region 42]... [--sector health]... [--name <label>]
 *   npm run keys -- rotate <id> [--overlap-hours 24]
 *   npm run keys -- list
 *   npm run keys -- revoke <id>
 *
 * With no DATABASE_URL it uses the embedded PostgreSQL of DATA_DIR: the one `npm start`
 * runs, or, when that is not running, one started for this command alone.
 * Exit codes: 0 done, 1 failed, 2 bad usage.
 */
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { seedReferenceData } from '../prisma/seed';
import { SECTORS } from '../prisma/reference-data';
import { ConfigError, loadConfig, ZEnv } from '../src/config';
import { createDb, type Db } from '../src/db/client';
import { migrate } from '../src/db/migrate';
import { ROLES, scopeProblem, type RoleName } from '../src/domain/scope';
import {
  ensureDataDir,
  lockDataDir,
  readOrCreatePiiHashKey,
  readOrCreatePostgresPassword,
  StartupError,
} from '../src/embedded/data-dir';
import { embeddedDatabaseUrl, startEmbeddedPostgres } from '../src/embedded/postgres';
import { audit } from '../src/services/audit';
import { createApiKey, DEFAULT_OVERLAP_HOURS, integratorCodeProblem, listApiKeys, revokeApiKey, rotateApiKey, type NewKey } from '../src/keys';

const USAGE = `Usage:
  npm run keys -- create --role <${ROLES.join('|')}> [--region 42]... [--sector <${SECTORS.join('|')}>]... [--organization <code>] --name <label>
  npm run keys -- create --role integrator --integrator <code> [--region 42]... [--sector <…>]... [--name <label>]
      (a new integrator, or one more key of an existing one; --name defaults to the code)
  npm run keys -- rotate <id> [--overlap-hours ${DEFAULT_OVERLAP_HOURS}]
      (a new key with the same integrator and scope; the old one stops after the overlap)
  npm run keys -- list
  npm run keys -- revoke <id>`;

/** --region and --sector as given (repeats dropped), checked: two-digit regions, known sectors. */
export function scopeOptions(values: { region?: string[]; sector?: string[] }): { regions: string[]; sectors: string[] } {
  const regions = [...new Set(values.region ?? [])];
  const sectors = [...new Set(values.sector ?? [])];
  const badRegion = regions.find((r) => !/^\d{2}$/.test(r));
  if (badRegion) throw new UsageError(`--region takes a two-digit region code, not ${badRegion}`);
  const badSector = sectors.find((s) => !(SECTORS as readonly string[]).includes(s));
  if (badSector) throw new UsageError(`unknown sector ${badSector}: one of ${SECTORS.join(', ')}`);
  return { regions, sectors };
}

/** Who the audit names for a command run at a server's shell: the operating-system user. */
export const CLI_ACTOR = { id: 'cli', label: userInfo().username };

export class UsageError extends Error {
  override name = 'UsageError';
}

type Command =
  | { kind: 'create'; key: NewKey & { regions: string[]; sectors: string[] } }
  | { kind: 'rotate'; id: string; overlapHours: number }
  | { kind: 'list' }
  | { kind: 'revoke'; id: string };

type Env = Record<string, string | undefined>;

export function parseCommand(argv: string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        role: { type: 'string' },
        region: { type: 'string', multiple: true },
        sector: { type: 'string', multiple: true },
        organization: { type: 'string' },
        name: { type: 'string' },
        integrator: { type: 'string' },
        'overlap-hours': { type: 'string' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const [verb, ...rest] = positionals;
  const options = Object.keys(values);
  const keyId = () => {
    if (rest.length !== 1) throw new UsageError(`${verb} takes exactly one key id`);
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(rest[0]!)) {
      throw new UsageError(`not a key id: ${rest[0]} (see the id column of \`npm run keys -- list\`)`);
    }
    return rest[0]!.toLowerCase();
  };
  if (verb === 'list' || verb === 'revoke') {
    if (options.length > 0) throw new UsageError(`${verb} takes no options`);
    if (verb === 'list') {
      if (rest.length > 0) throw new UsageError('list takes no arguments');
      return { kind: 'list' };
    }
    return { kind: 'revoke', id: keyId() };
  }
  if (verb === 'rotate') {
    const other = options.find((o) => o !== 'overlap-hours');
    if (other) throw new UsageError(`rotate takes only --overlap-hours, not --${other}`);
    const hours = values['overlap-hours'];
    const overlapHours = hours === undefined ? DEFAULT_OVERLAP_HOURS : Number(hours);
    if (hours !== undefined && (!/^\d+(\.\d+)?$/.test(hours) || !Number.isFinite(overlapHours))) {
      throw new UsageError(`--overlap-hours takes a non-negative number of hours, not ${hours}`);
    }
    return { kind: 'rotate', id: keyId(), overlapHours };
  }
  if (verb !== 'create') throw new UsageError(verb ? `unknown command: ${verb}` : 'no command given');
  if (rest.length > 0) throw new UsageError(`unexpected argument: ${rest[0]}`);
  if (values['overlap-hours'] !== undefined) throw new UsageError('--overlap-hours is for rotate');

  const role = values.role as RoleName | undefined;
  if (!role || !ROLES.includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  const integrator = values.integrator?.trim();
  if (role === 'integrator') {
    if (!integrator) throw new UsageError('an integrator key needs --integrator <code> (a new integrator, or the one the key joins)');
    const problem = integratorCodeProblem(integrator);
    if (problem) throw new UsageError(problem);
  } else if (values.integrator !== undefined) {
    throw new UsageError('--integrator is for integrator keys only');
  }
  const name = values.name?.trim() || integrator;
  if (!name) throw new UsageError('--name <label> is required');
  const { regions, sectors } = scopeOptions(values);
  const key = { role, name, regions, sectors, organizationCode: values.organization ?? null, ...(integrator ? { integrator } : {}) };
  const problem = scopeProblem(role, key);
  if (problem) throw new UsageError(problem);
  return { kind: 'create', key };
}

async function run(command: Command, db: Db): Promise<number> {
  switch (command.kind) {
    case 'create': {
      await assertScopeExists(db, command.key);
      const code = command.key.integrator;
      const joins = code !== undefined && (await db.integrator.findUnique({ where: { code } })) !== null;
      const { id, key } = await createApiKey(db, command.key);
      await audit(db, CLI_ACTOR, 'key.create', `key:${id}`, { role: command.key.role, regions: command.key.regions, sectors: command.key.sectors, organizationCode: command.key.organizationCode ?? null, integrator: code ?? null });
      const owner = code === undefined ? '' : `, ${joins ? 'one more key of' : 'new'} integrator ${code}`;
      process.stderr.write(`Created ${command.key.role} key ${id} (${describeScope(command.key)}${owner}). It is shown only this once:\n`);
      process.stdout.write(`${key}\n`);
      return 0;
    }
    case 'rotate': {
      const rotated = await rotateApiKey(db, command.id, { overlapHours: command.overlapHours });
      if (rotated) await audit(db, CLI_ACTOR, 'key.rotate', `key:${command.id}`, { newKey: rotated.id, oldExpiresAt: rotated.oldExpiresAt.toISOString() });
      if (!rotated) {
        process.stderr.write(`No working key with id ${command.id} (revoked, expired or unknown)\n`);
        return 1;
      }
      process.stderr.write(
        `Created key ${rotated.id} in place of ${command.id}, which works until ${minute(rotated.oldExpiresAt)}. ` +
          'The new key is shown only this once:\n',
      );
      process.stdout.write(`${rotated.key}\n`);
      return 0;
    }
    case 'list': {
      const now = new Date();
      const keys = await listApiKeys(db);
      const rows = keys.map((k) => [
        k.id,
        k.role,
        status(k, now),
        `${k.prefix}…`,
        k.createdAt.toISOString().slice(0, 10),
        k.lastUsedAt ? minute(k.lastUsedAt) : 'never',
        k.integrator?.code ?? '-',
        describeScope(k),
        k.name,
      ]);
      process.stdout.write(table([['id', 'role', 'status', 'key', 'created', 'last used', 'integrator', 'scope', 'name'], ...rows]));
      return 0;
    }
    case 'revoke': {
      if (await revokeApiKey(db, command.id)) {
        await audit(db, CLI_ACTOR, 'key.revoke', `key:${command.id}`, {});
        process.stdout.write(`Revoked ${command.id}\n`);
        return 0;
      }
      process.stderr.write(`No active key with id ${command.id}\n`);
      return 1;
    }
  }
}

export async function assertScopeExists(db: Db, key: { regions: string[]; organizationCode?: string | null }): Promise<void> {
  const known = await db.region.findMany({ where: { code: { in: key.regions } }, select: { code: true } });
  const unknown = key.regions.filter((r) => !known.some((k) => k.code === r));
  if (unknown.length > 0) throw new UsageError(`unknown region: ${unknown.join(', ')} (not a pilot region)`);
  if (key.organizationCode && !(await db.organization.findUnique({ where: { code: key.organizationCode } }))) {
    throw new UsageError(`unknown organization ${key.organizationCode}: create it first (PUT /v1/organizations/{code})`);
  }
}

function status(k: { revokedAt: Date | null; expiresAt: Date | null }, now: Date): string {
  if (k.revokedAt) return `revoked ${k.revokedAt.toISOString().slice(0, 10)}`;
  if (k.expiresAt) return `${k.expiresAt <= now ? 'expired' : 'expires'} ${minute(k.expiresAt)}`;
  return 'active';
}

/** An instant to the minute, UTC: 2026-11-24 08:30Z. */
export function minute(d: Date): string {
  return `${d.toISOString().slice(0, 16).replace('T', ' ')}Z`;
}

export function describeScope(k: { regions: string[]; sectors: string[]; organizationCode?: string | null }): string {
  if (k.organizationCode) return `organization ${k.organizationCode}`;
  const regions = k.regions.length ? `regions ${k.regions.join(',')}` : 'all regions';
  const sectors = k.sectors.length ? `sectors ${k.sectors.join(',')}` : 'all sectors';
  return `${regions}; ${sectors}`;
}

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ')).join('\n') + '\n';
}

/**
 * The database to work on and what to do once done. Without DATABASE_URL: the embedded
 * PostgreSQL that `npm start` runs, or one started (and migrated) for this command.
 */
export async function openDatabase(env: Env): Promise<{ databaseUrl: string; close(): Promise<void> }> {
  const clean = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const settings = ZEnv.safeParse(clean);
  if (!settings.success) {
    const lines = settings.error.issues.map((i) => `  ${i.path.map(String).join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const production = settings.data.NODE_ENV === 'production';
  if (production && !settings.data.DATABASE_URL) throw new ConfigError('DATABASE_URL is required when NODE_ENV=production');
  const dataDir = production ? settings.data.DATA_DIR : ensureDataDir(settings.data.DATA_DIR);
  const config = loadConfig({
    ...env,
    PII_HASH_KEY: settings.data.PII_HASH_KEY ?? (production ? undefined : readOrCreatePiiHashKey(dataDir)),
  });
  if (config.databaseUrl) return { databaseUrl: config.databaseUrl, close: async () => undefined };

  const port = settings.data.EMBEDDED_PG_PORT;
  const lock = lockDataDir(dataDir);
  if (!lock.acquired) {
    // `npm start` (pid lock.heldBy) runs the embedded PostgreSQL.
    return { databaseUrl: embeddedDatabaseUrl(readOrCreatePostgresPassword(dataDir), port), close: async () => undefined };
  }
  process.stderr.write(`Starting the embedded PostgreSQL of ${dataDir} for this command…\n`);
  const log = pino({ level: 'warn' }, pino.destination(2));
  try {
    const server = await startEmbeddedPostgres({ dataDir, port, log });
    const close = async () => {
      await server.stop();
      lock.release();
    };
    try {
      await migrate(server.databaseUrl);
      const db = createDb(server.databaseUrl, { max: 1 });
      await seedReferenceData(db).finally(() => db.$disconnect());
    } catch (err) {
      await close();
      throw err;
    }
    return { databaseUrl: server.databaseUrl, close };
  } catch (err) {
    lock.release();
    throw err;
  }
}

/**
 * A database command's main: parse (usage errors exit 2 with the usage), open the database
 * (DATABASE_URL, or the embedded one of DATA_DIR), run, close; exit 0 done, 1 failed.
 */
export function runCommand<C>(usage: string, parse: (argv: string[]) => C, run: (command: C, db: Db) => Promise<number>): void {
  const main = async (argv: string[], env: Env): Promise<number> => {
    let command: C;
    try {
      command = parse(argv);
    } catch (err) {
      process.stderr.write(`${(err as Error).message}\n\n${usage}\n`);
      return 2;
    }
    const database = await openDatabase(env);
    const db = createDb(database.databaseUrl, { max: 1 });
    try {
      return await run(command, db);
    } finally {
      await db.$disconnect();
      await database.close();
    }
  };
  main(process.argv.slice(2), process.env).then(
    (code) => process.exit(code),
    (err: Error) => {
      const expected = err instanceof UsageError || err instanceof ConfigError || err instanceof StartupError;
      process.stderr.write(`${expected ? err.message : err.stack}\n`);
      process.exit(err instanceof UsageError ? 2 : 1);
    },
  );
}

if (require.main === module) runCommand(USAGE, parseCommand, run);
