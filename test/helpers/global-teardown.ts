/** After every test file: stops the embedded PostgreSQL that global-setup.ts started, if it did. */
import { rmSync } from 'node:fs';
import type { EmbeddedForTests } from './global-setup';
import { exited } from './processes';

export default async function globalTeardown(): Promise<void> {
  const embedded = (globalThis as { embeddedPostgresForTests?: EmbeddedForTests }).embeddedPostgresForTests;
  if (!embedded) return;
  embedded.child.kill('SIGTERM');
  await exited(embedded.child);
  rmSync(embedded.dataDir, { recursive: true, force: true });
}
