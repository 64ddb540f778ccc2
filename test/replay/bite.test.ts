/**
 * The replay suite bites: a change to the invitation workflow that would break in-flight
 * invitations (an activity call inserted without `patched()`) fails replay, and the same
 * change behind `patched()` passes. The variants are real bundles of edited copies of
 * workflows/, built the way the worker builds its own.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { recordedHistories, replayAll } from './histories';

const WORKFLOWS_DIR = resolve(__dirname, '../../workflows');
const ANCHOR = '  // What the database says about the link\'s closing';
const EXTRA_CALL = 'await db.setClosesAt({ receiptId: input.receiptId, closesAt: null });';

/** Bundles a copy of workflows/ whose invitation.ts went through `edit`. */
async function variant(edit: (source: string) => string): Promise<WorkflowBundleWithSourceMap> {
  const dir = join(__dirname, '.variants', randomUUID());
  mkdirSync(dir, { recursive: true });
  try {
    for (const file of readdirSync(WORKFLOWS_DIR)) {
      let source = readFileSync(join(WORKFLOWS_DIR, file), 'utf8');
      source = source.replace(/from '(\.\.\/[^']+)'/g, (_, rel: string) => `from '${resolve(WORKFLOWS_DIR, rel)}'`);
      writeFileSync(join(dir, file), file === 'invitation.ts' ? edit(source) : source);
    }
    return await bundleWorkflowCode({ workflowsPath: join(dir, 'index.ts'), logger: quiet });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function insertBeforeAnchor(line: string) {
  return (source: string) => {
    if (!source.includes(ANCHOR)) throw new Error('the anchor line moved: update this test');
    return source.replace(ANCHOR, `  ${line}\n${ANCHOR}`);
  };
}

const invitationHistories = () => recordedHistories().filter((h) => h.workflowId.startsWith('receipt-'));

test('an activity call inserted without patched() fails replay of every invitation history', async () => {
  const histories = invitationHistories();
  const failures = await replayAll(await variant(insertBeforeAnchor(EXTRA_CALL)), histories);
  expect([...failures.keys()].sort()).toEqual(histories.map((h) => h.name).sort());
  for (const err of failures.values()) expect(err.name).toMatch(/DeterminismViolationError|ReplayError/);
});

test('the same call behind patched() replays cleanly', async () => {
  const edit = (source: string) => {
    const edited = insertBeforeAnchor(`if (patched('bite-test-extra-call')) ${EXTRA_CALL}`)(source);
    return /^\s+patched,$/m.test(edited) ? edited : edited.replace('import {\n', 'import {\n  patched,\n');
  };
  const failures = await replayAll(await variant(edit), invitationHistories());
  expect(Object.fromEntries([...failures].map(([name, err]) => [name, err.message]))).toEqual({});
});

const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
