import { PrismaPg } from '@prisma/adapter-pg';
import type { Pool } from 'pg';
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

/** The adapter, remembering the pool it creates on connect (a reconnect makes a new one). */
class ObservedPrismaPg extends PrismaPg {
  pool: Pool | null = null;

  override async connect() {
    const adapter = await super.connect();
    this.pool = adapter.underlyingDriver();
    return adapter;
  }
}

/** What a pool reports, for the metrics (src/metrics.ts). */
export interface PoolStats {
  readonly waitingCount: number;
  readonly totalCount: number;
  readonly idleCount: number;
}

const pools = new WeakMap<Db, PoolStats>();

/** One client per process; close it with `$disconnect()` on shutdown. */
export function createDb(databaseUrl: string, options: DbOptions = {}): Db {
  const adapter = new ObservedPrismaPg({
    connectionString: databaseUrl,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
  });
  const db = new PrismaClient({ adapter });
  pools.set(db, {
    get waitingCount() {
      return adapter.pool?.waitingCount ?? 0;
    },
    get totalCount() {
      return adapter.pool?.totalCount ?? 0;
    },
    get idleCount() {
      return adapter.pool?.idleCount ?? 0;
    },
  });
  return db;
}

/** The live counts of a client's connection pool (zeros before its first query). */
export function poolStats(db: Db): PoolStats | undefined {
  return pools.get(db);
}
