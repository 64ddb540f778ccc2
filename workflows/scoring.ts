/**
 * Quarterly scoring. Started by the Temporal Schedule at 00:05 Moscow time on 1 January,
 * April, July and October, it stores the final values of the quarter just ended, after
 * back-filling any finished quarter that a missed schedule left without final values. An
 * admin starts it for one quarter to recompute it (the run keeps an audit of what changed);
 * the provisional schedule refreshes the current quarter's cumulative values.
 * Idempotent: computing a quarter again from the same data gives the same snapshots.
 */
import { ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ScoringResult } from '../activities/scoring';
import { comparePeriods, currentPeriod, isPeriod, lastFinishedPeriod, type Period } from '../src/domain/periods';
import type { ScoringInput } from '../src/temporal/shared';

const scoring = proxyActivities<Activities>({
  startToCloseTimeout: '1 hour',
  // The activity heartbeats every 10 s: a killed worker's run is retried after a minute.
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '10 seconds', maximumInterval: '10 minutes', maximumAttempts: 10 },
});

export async function quarterlyScoringWorkflow(input: ScoringInput = { trigger: 'schedule' }): Promise<ScoringResult[]> {
  const { workflowId } = workflowInfo();
  const now = Date.now();
  const compute = (period: Period, trigger: 'schedule' | 'backfill' | 'admin') =>
    scoring.computeSnapshots({ period, final: true, trigger, workflowId });

  switch (input.trigger) {
    case 'provisional':
      return [await scoring.computeSnapshots({ period: currentPeriod(now), final: false, trigger: 'provisional', workflowId })];
    case 'admin': {
      const { period } = input;
      if (!period || !isPeriod(period) || comparePeriods(period, lastFinishedPeriod(now)) > 0) {
        throw ApplicationFailure.nonRetryable(`an admin run needs a finished quarter, got ${period ?? 'none'}`);
      }
      return [await compute(period, 'admin')];
    }
    case 'schedule': {
      const upTo = lastFinishedPeriod(now);
      const results: ScoringResult[] = [];
      for (const period of await scoring.missingFinalPeriods({ upTo })) {
        if (period !== upTo) results.push(await compute(period, 'backfill'));
      }
      results.push(await compute(upTo, 'schedule'));
      return results;
    }
  }
}
