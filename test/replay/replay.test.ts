/**
 * Workflow evolution cannot go wrong silently: every history recorded from real runs on the
 * dev server (every lifecycle, every version that ran) replays against the current code.
 * A change that would break in-flight invitations on replay fails here; the rule for making
 * such a change safely is in docs/workflow-changes.md.
 */
import { workflowBundle } from '../helpers/temporal';
import { recordedHistories, replayAll } from './histories';

const LIFECYCLES = [
  'one-time-answered', 'one-time-expired', 'long-two-rounds-ended.run1', 'long-two-rounds-ended.run2',
  'minor-two-representatives', 'no-account', 'cancelled-before-activation', 'cancelled-at-activation',
  'cancelled-while-active', 'unsubscribed', 'provider-failure', 'scoring-admin', 'scoring-provisional',
];

test('the suite holds every lifecycle of the first production version', () => {
  const names = recordedHistories().map((h) => h.name);
  for (const lifecycle of LIFECYCLES) expect(names).toContain(`v1/${lifecycle}`);
});

test('the suite holds the lifecycles that only the patched version has', () => {
  const names = recordedHistories().map((h) => h.name);
  for (const lifecycle of [...LIFECYCLES, 'operator-cancelled', 'answered-while-retrying']) expect(names).toContain(`v2/${lifecycle}`);
});

test('every recorded history replays against the current workflow code', async () => {
  const histories = recordedHistories();
  const failures = await replayAll(await workflowBundle(), histories);
  expect(Object.fromEntries([...failures].map(([name, err]) => [name, err.message]))).toEqual({});
});
