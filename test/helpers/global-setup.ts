/**
 * Before any test file: the PostgreSQL the tests create their databases on. With
 * TEST_DATABASE_URL set, or a server answering on 127.0.0.1:5432 (as in CI), that one.
 * Otherwise, on a bare machine, an embedded PostgreSQL (the binaries `npm start` uses) on a
 * free port under a temporary directory, stopped by global-teardown.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT, freePort, isListening } from './processes';

export interface EmbeddedForTests {
  child: ChildProcess;
  dataDir: string;
}

export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_DATABASE_URL || (await isListening(5432))) return;
  const dataDir = mkdtempSync(join(tmpdir(), 'feedback-test-pg-'));
  const port = await freePort();
  process.stderr.write(`\nNo PostgreSQL on 127.0.0.1:5432 and no TEST_DATABASE_URL: starting an embedded one on port ${port}…\n`);
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/embedded-postgres-alone.ts', dataDir, String(port), '{}'], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the embedded PostgreSQL for the tests did not start (exit ${code})`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const ready = /^\{"ready":"(.+)"\}$/.exec(line)?.[1];
      if (ready) resolve(ready);
    });
  });
  const server = new URL(url);
  server.pathname = '/postgres';
  process.env.TEST_DATABASE_URL = server.toString();
  (globalThis as { embeddedPostgresForTests?: EmbeddedForTests }).embeddedPostgresForTests = { child, dataDir };
}
