import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';

export type Db = PrismaClient;

export interface DbOptions {
  /** Connections in the pool. */
  max?: number;
  /**
   * How long a query waits to connect, or for a free connection of a full pool, before it
   * fails (and the API answers 503). node-postgres waits forever by default, so an
   * unreachable server would hang every request.
   */
  connectTimeoutMs?: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

/** One client per process; close it with `$disconnect()` on shutdown. */
export function createDb(databaseUrl: string, options: DbOptions = {}): Db {
  const adapter = new PrismaPg({
    connectionString: databaseUrl,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
  });
  return new PrismaClient({ adapter });
}
