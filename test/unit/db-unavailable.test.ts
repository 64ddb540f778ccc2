/**
 * Which errors mean "the database cannot be reached now" (503) and which are faults (500)
 * or answers (4xx). The shapes are the ones Prisma 7 with @prisma/adapter-pg and
 * node-postgres actually throw, recorded against a real server (test/api/database-unavailable.test.ts
 * provokes the same situations end to end).
 */
import { Prisma } from '../../src/generated/prisma/client';
import { isDatabaseUnavailable } from '../../src/db/unavailable';

const known = (code: string, meta?: Record<string, unknown>) =>
  new Prisma.PrismaClientKnownRequestError(`Invalid invocation: ${code}`, { code, clientVersion: '7', meta });
const adapter = (cause: Record<string, unknown>) => ({ driverAdapterError: { name: 'DriverAdapterError', cause } });
const socket = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code, errno: -111, syscall: 'connect' });
const pgError = (code: string, message: string) => Object.assign(new Error(message), { code, severity: 'FATAL' });

/** [case, error, unavailable] */
const CASES: [string, unknown, boolean][] = [
  ['P1001 can\'t reach the server (connection refused)', known('P1001', adapter({ kind: 'DatabaseNotReachable', host: '127.0.0.1', port: 5432 })), true],
  ['P1002 timed out reaching the server', known('P1002'), true],
  ['P1003 the database does not exist (dropped)', known('P1003', adapter({ kind: 'DatabaseDoesNotExist', db: 'feedback' })), true],
  ['P1008 operation timed out', known('P1008', adapter({ kind: 'SocketTimeout' })), true],
  ['P1017 server closed the connection', known('P1017', adapter({ kind: 'ConnectionClosed' })), true],
  ['P2024 timed out fetching a connection from the pool', known('P2024'), true],
  ['P2037 too many connections', known('P2037', adapter({ kind: 'TooManyConnections', cause: 'sorry, too many clients already' })), true],
  ['P2010 raw query, 57P01 terminating connection (admin command)', known('P2010', adapter({ kind: 'postgres', code: '57P01', originalCode: '57P01', originalMessage: 'terminating connection due to administrator command' })), true],
  ['P2039 model query, 57P01', known('P2039', adapter({ kind: 'postgres', code: '57P01', originalCode: '57P01' })), true],
  ['57P02 crash shutdown', known('P2039', adapter({ kind: 'postgres', originalCode: '57P02' })), true],
  ['57P03 the database system is starting up', known('P2039', adapter({ kind: 'postgres', originalCode: '57P03' })), true],
  ['08006 connection failure', known('P2039', adapter({ kind: 'postgres', originalCode: '08006' })), true],
  ['08003 connection does not exist', known('P2039', adapter({ kind: 'postgres', originalCode: '08003' })), true],
  ['53300 too many connections (pg error)', pgError('53300', 'sorry, too many clients already'), true],
  ['pg: the query was in flight when the connection dropped', new Error('Connection terminated unexpectedly'), true],
  ['pg: connect timeout', new Error('Connection terminated due to connection timeout', { cause: new Error('Connection terminated unexpectedly') }), true],
  ['pg-pool: no free connection in time', new Error('timeout exceeded when trying to connect'), true],
  ['pg: a client broken by an earlier connection error', new Error('Client has encountered a connection error and is not queryable'), true],
  ['Node: ECONNREFUSED', socket('ECONNREFUSED'), true],
  ['Node: ECONNRESET', socket('ECONNRESET'), true],
  ['Node: ETIMEDOUT', socket('ETIMEDOUT'), true],
  ['Node: ENOTFOUND', socket('ENOTFOUND'), true],
  ['Node: EHOSTUNREACH', socket('EHOSTUNREACH'), true],
  ['Node: an AggregateError of refused addresses (IPv4 and IPv6)', new AggregateError([socket('ECONNREFUSED'), socket('ECONNREFUSED')], 'connect'), true],
  ['wrapped as a cause', new Error('request failed', { cause: socket('ECONNREFUSED') }), true],
  ['Prisma initialisation error', new Prisma.PrismaClientInitializationError('Can\'t reach database server', '7'), true],

  ['P2002 unique constraint (an answer)', known('P2002', adapter({ kind: 'UniqueConstraintViolation' })), false],
  ['P2025 record not found', known('P2025'), false],
  ['P2021 table does not exist (a fault, not an outage)', known('P2021', adapter({ kind: 'TableDoesNotExist', originalCode: '42P01' })), false],
  ['P2010 with 22021 (NUL in text: a validation gap)', known('P2010', adapter({ kind: 'postgres', code: '22021', originalCode: '22021' })), false],
  ['P2000 value too long', known('P2000', adapter({ kind: 'LengthMismatch' })), false],
  ['P2034 write conflict', known('P2034', adapter({ kind: 'TransactionWriteConflict' })), false],
  ['P1000 authentication failed (misconfiguration)', known('P1000', adapter({ kind: 'AuthenticationFailed' })), false],
  ['a 57014 statement timeout', pgError('57014', 'canceling statement due to statement timeout'), false],
  ['a programming error', new TypeError('Cannot read properties of undefined'), false],
  ['a message that merely mentions a connection', new Error('the connection terminated unexpectedly is a phrase'), false],
  ['a Fastify 4xx', Object.assign(new Error('Body is too large'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }), false],
  ['null', null, false],
  ['a string', 'ECONNREFUSED', false],
  ['an object with a numeric code', { code: 1001 }, false],
];

test.each(CASES.map(([name, error, unavailable]) => [name, unavailable, error] as const))('%s → unavailable: %s', (_name, unavailable, error) => {
  expect(isDatabaseUnavailable(error)).toBe(unavailable);
});

test('a cycle of causes ends', () => {
  const a = new Error('a');
  const b = new Error('b', { cause: a });
  (a as { cause?: unknown }).cause = b;
  expect(isDatabaseUnavailable(a)).toBe(false);
});
