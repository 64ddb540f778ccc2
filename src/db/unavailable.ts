/**
 * Whether an error means "the database cannot be reached now" (the caller should retry
 * later: 503), as opposed to a fault in the request or in the code. Prisma wraps the pg
 * driver's errors (`meta.driverAdapterError.cause`), so the whole chain is examined.
 */

/**
 * Prisma: P1001 can't reach the server, P1002 timed out reaching it, P1003 the database
 * does not exist (dropped, or being restored), P1008 operation timed out, P1017 server
 * closed the connection, P2024 timed out fetching a connection from the pool, P2037 too
 * many connections.
 */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1003', 'P1008', 'P1017', 'P2024', 'P2037']);
/** Prisma's driver-adapter error kinds behind those codes. */
const ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'DatabaseDoesNotExist', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);
/**
 * PostgreSQL SQLSTATE: class 08 connection exception (08000, 08003, 08006, 08001, 08004…),
 * 57P01 admin shutdown (connection terminated), 57P02 crash shutdown, 57P03 cannot connect
 * now (starting up), 53300 too many connections, 3D000 database does not exist.
 */
const SQLSTATE = /^(08[0-9A-Z]{3}|57P0[123]|53300|3D000)$/;
/** Node's socket errors. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ECONNABORTED']);
/** node-postgres errors that carry no code: a lost connection, its connect or pool-wait timeout. */
const PG_MESSAGES = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/;

export function isDatabaseUnavailable(err: unknown): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length > 0 && seen.size < 16) {
    const e = queue.shift();
    if (!e || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    const { name, code, originalCode, kind, message, cause, meta, errors } = e as Record<string, unknown>;
    if (name === 'PrismaClientInitializationError') return true;
    if (typeof code === 'string' && (PRISMA_CODES.has(code) || SOCKET_CODES.has(code) || SQLSTATE.test(code))) return true;
    if (typeof originalCode === 'string' && SQLSTATE.test(originalCode)) return true;
    if (typeof kind === 'string' && ADAPTER_KINDS.has(kind)) return true;
    if (typeof message === 'string' && PG_MESSAGES.test(message)) return true;
    queue.push(cause, (meta as { driverAdapterError?: unknown } | undefined)?.driverAdapterError);
    if (Array.isArray(errors)) queue.push(...errors);
  }
  return false;
}
