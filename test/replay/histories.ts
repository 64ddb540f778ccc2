/**
 * The recorded histories (scripts/record-histories.ts), one folder per workflow version
 * that ran in production. Every one of them must replay against the current code.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import '../helpers/temporal'; // the quiet worker runtime

export const HISTORIES_DIR = join(__dirname, 'histories');

export interface RecordedHistory {
  /** `<version>/<scenario>`, e.g. `v1/one-time-answered.run1`. */
  name: string;
  workflowId: string;
  history: unknown;
}

export function recordedHistories(): RecordedHistory[] {
  return readdirSync(HISTORIES_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) =>
      readdirSync(join(HISTORIES_DIR, d.name))
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => {
          const { workflowId, history } = JSON.parse(readFileSync(join(HISTORIES_DIR, d.name, f), 'utf8'));
          return { name: `${d.name}/${f.replace(/\.json$/, '')}`, workflowId, history };
        }),
    );
}

/** Replays every history against a bundle; returns the failures by history name. */
export async function replayAll(bundle: WorkflowBundleWithSourceMap, histories: RecordedHistory[]): Promise<Map<string, Error>> {
  const failures = new Map<string, Error>();
  const byWorkflowId = new Map(histories.map((h) => [h.workflowId + h.name, h.name]));
  const results = Worker.runReplayHistories(
    { workflowBundle: bundle, replayName: 'replay-suite' },
    histories.map((h) => ({ workflowId: h.workflowId + h.name, history: h.history })),
  );
  for await (const result of results) {
    if (result.error) failures.set(byWorkflowId.get(result.workflowId) ?? result.workflowId, result.error);
  }
  return failures;
}
