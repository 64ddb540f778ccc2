/**
 * The Temporal Schedules of the product, created or updated at start-up (visible in the
 * Temporal UI under Schedules): final scoring at 00:05 Moscow time on the first day of each
 * quarter, and the provisional refresh of the current quarter.
 */
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptions, type ScheduleSpec } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import type { quarterlyScoringWorkflow } from '../../workflows/scoring';
import { PROVISIONAL_SCHEDULE_ID, SCORING_SCHEDULE_ID, type ScoringInput } from './shared';

export const QUARTERLY_SCORING_SPEC: ScheduleSpec = {
  calendars: [{ month: ['JANUARY', 'APRIL', 'JULY', 'OCTOBER'], dayOfMonth: 1, hour: 0, minute: 5 }],
  timezone: 'Europe/Moscow',
};

export function provisionalSpec(intervalMinutes: number): ScheduleSpec {
  return { intervals: [{ every: `${intervalMinutes} minutes` }] };
}

export async function ensureSchedules(client: Client, options: { taskQueue: string; provisionalIntervalMinutes: number }): Promise<void> {
  const schedule = (scheduleId: string, spec: ScheduleSpec, input: ScoringInput, catchupWindow: Duration): ScheduleOptions => ({
    scheduleId,
    spec,
    action: {
      type: 'startWorkflow' as const,
      workflowType: 'quarterlyScoringWorkflow',
      workflowId: scheduleId,
      taskQueue: options.taskQueue,
      args: [input] as Parameters<typeof quarterlyScoringWorkflow>,
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow },
  });
  await upsert(client, schedule(SCORING_SCHEDULE_ID, QUARTERLY_SCORING_SPEC, { trigger: 'schedule' }, '30 days'));
  await upsert(client, schedule(PROVISIONAL_SCHEDULE_ID, provisionalSpec(options.provisionalIntervalMinutes), { trigger: 'provisional' }, '1 hour'));
}

async function upsert(client: Client, options: ScheduleOptions): Promise<void> {
  try {
    await client.schedule.create(options);
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(options.scheduleId).update((previous) => ({
      ...previous,
      spec: options.spec,
      action: options.action,
      policies: { ...previous.policies, ...options.policies },
    }));
  }
}
