/** The scoring run records: a run whose worker died is marked abandoned by the next run of its quarter. */
import { createScoringActivities } from '../../activities/scoring';
import { createMetrics } from '../../src/metrics';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase('runs');
});
afterAll(async () => tdb?.drop());

test('a run left running for hours is marked failed (abandoned); a recent one is left alone', async () => {
  const now = Date.now();
  const stale = await tdb.db.scoringRun.create({ data: { period: '2026-Q2', final: true, trigger: 'schedule', startedAt: new Date(now - 3 * 3600_000) } });
  const recent = await tdb.db.scoringRun.create({ data: { period: '2026-Q2', final: true, trigger: 'admin', startedAt: new Date(now - 60_000) } });
  const other = await tdb.db.scoringRun.create({ data: { period: '2026-Q1', final: true, trigger: 'schedule', startedAt: new Date(now - 3 * 3600_000) } });

  const result = await createScoringActivities({ db: tdb.db }).computeSnapshots({ period: '2026-Q2', final: true, trigger: 'admin' });
  expect(result).toMatchObject({ period: '2026-Q2', organizations: 0, changed: 0, skipped: false });

  const runs = new Map((await tdb.db.scoringRun.findMany()).map((r) => [r.id, r]));
  expect(runs.get(stale.id)).toMatchObject({ status: 'failed', error: expect.stringContaining('abandoned') });
  expect(runs.get(recent.id)).toMatchObject({ status: 'running', error: null });
  expect(runs.get(other.id)).toMatchObject({ status: 'running' });
  expect(runs.get(result.runId)).toMatchObject({ status: 'completed', trigger: 'admin', organizations: 0 });
});

test('each run is timed in feedback_scoring_run_seconds by final/provisional and status', async () => {
  const metrics = createMetrics({ defaultMetrics: false });
  const scoring = createScoringActivities({ db: tdb.db, metrics });
  await scoring.computeSnapshots({ period: '2026-Q3', final: true, trigger: 'admin' });
  await scoring.computeSnapshots({ period: '2026-Q4', final: false, trigger: 'provisional' });
  await scoring.computeSnapshots({ period: '2026-Q4', final: false, trigger: 'provisional' });
  const counts = (await metrics.scoringRunSeconds.get()).values
    .filter((v) => v.metricName === 'feedback_scoring_run_seconds_count')
    .map((v) => ({ ...v.labels, count: v.value }));
  expect(counts).toEqual(expect.arrayContaining([{ final: 'true', status: 'completed', count: 1 }, { final: 'false', status: 'completed', count: 2 }]));
  expect(counts).toHaveLength(2);
});
