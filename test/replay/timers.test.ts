/**
 * Replay compares commands, not timer durations: an edit to the date arithmetic in
 * src/domain/ that the workflow calls would replay cleanly and silently move every
 * in-flight invitation's timers. So every timer in the recorded invitation histories must
 * fire exactly at an instant the current domain code gives for that invitation.
 */
import { InvitationSchedule } from '../../src/domain/policy';
import type { InvitationInput } from '../../src/temporal/shared';
import { PATCHES } from '../../workflows/invitation';
import { recordedHistories } from './histories';

interface HistoryEvent {
  eventTime: string;
  eventType: string;
  markerRecordedEventAttributes?: {
    markerName?: string;
    failure?: object | null;
    details?: { 'patch-data'?: { payloads: { data: string }[] }; data?: { payloads: { data: string }[] } };
  };
  workflowExecutionStartedEventAttributes?: { workflowType?: { name: string }; input: { payloads: { data: string }[] }; firstWorkflowTaskBackoff?: string };
  workflowExecutionSignaledEventAttributes?: { signalName: string; input?: { payloads: { data: string }[] } };
  timerStartedEventAttributes?: { startToFireTimeout: string };
}

const decode = (data: string): unknown => JSON.parse(Buffer.from(data, 'base64').toString('utf8'));

/** How long the server held the first workflow task (the start's delay), ms; 0 for none. */
function heldMs(events: HistoryEvent[]): number {
  return Math.round(parseFloat(events[0].workflowExecutionStartedEventAttributes!.firstWorkflowTaskBackoff ?? '0') * 1000) || 0;
}

/** Timers whose firing instant is none of the schedule's instants (1 ms of rounding allowed). */
export function unexplainedTimers(events: HistoryEvent[], makeSchedule: (t0: number, input: InvitationInput) => InvitationSchedule): string[] {
  const input = decode(events[0].workflowExecutionStartedEventAttributes!.input.payloads[0].data) as InvitationInput;
  const schedule = makeSchedule(Date.parse(input.receivedAt), input);
  const round = input.round ?? 1;
  const ends = new Set([input.serviceEnd]);
  // A run with the spread patch's marker, or of the second generation (which has it from the
  // start), moves its activation and next round by its receipt's offset.
  const spread = events[0].workflowExecutionStartedEventAttributes!.workflowType?.name === 'invitationWorkflowV2'
    || events.some((e) => e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads
      .some((p) => (decode(p.data) as { id?: string }).id === PATCHES.spreadTimers));
  const problems: string[] = [];
  const activationAt = spread ? schedule.spreadActivationAt(input.receiptId) : schedule.activationAt();
  // A start that carries the activation delay: the server holds the first task until the
  // activation. The delay is counted from the API's clock, so the server's start event is
  // later than that by the call's latency (tens of ms): up to 500 ms allowed, never early.
  const backoffMs = heldMs(events);
  if (backoffMs > 0) {
    const heldUntil = Math.floor(Date.parse(events[0].eventTime)) + backoffMs;
    if (!(heldUntil - activationAt >= -1 && heldUntil - activationAt <= 500)) problems.push(`the start is held until ${new Date(heldUntil).toISOString()}`);
  }
  let workflowNow = 0;
  // Local activities that failed in the current workflow task: each may be followed by the
  // pause before its retry on the task queue (a back-off, not a rule's instant).
  let failedLocally = 0;
  for (const e of events) {
    if (e.eventType === 'EVENT_TYPE_WORKFLOW_TASK_STARTED') {
      workflowNow = Math.floor(Date.parse(e.eventTime));
      failedLocally = 0;
    }
    const marker = e.markerRecordedEventAttributes;
    if (marker?.markerName === 'core_local_activity') {
      if (marker.failure) failedLocally++;
      // A local activity moves the workflow's clock to the instant it completed.
      const done = (decode(marker.details!.data!.payloads[0].data) as { complete_time?: { seconds: number; nanos: number } }).complete_time;
      if (done) workflowNow = Math.max(workflowNow, done.seconds * 1000 + Math.floor(done.nanos / 1e6));
    }
    const signal = e.workflowExecutionSignaledEventAttributes;
    if (signal?.signalName === 'serviceEnded') ends.add((decode(signal.input!.payloads[0].data) as { end: string }).end);
    const timer = e.timerStartedEventAttributes;
    if (!timer) continue;
    const firesAt = workflowNow + Math.round(parseFloat(timer.startToFireTimeout) * 1000);
    if (failedLocally > 0) {
      failedLocally--;
      // A retry's pause never runs past the round's e-mail deadline.
      if (firesAt > schedule.notifyDeadline(round)) problems.push(`a retry pause ends at ${new Date(firesAt).toISOString()}, past the deadline`);
      continue;
    }
    const expected = [
      activationAt,
      schedule.notifyDeadline(round),
      schedule.oneTimeClosesAt(),
      spread ? schedule.spreadRoundStartsAt(round + 1, input.receiptId) : schedule.roundStartsAt(round + 1),
      ...[...ends].filter((end): end is string => end !== null).map((end) => schedule.serviceEndClosesAt(end)),
    ];
    if (!expected.some((at) => Math.abs(at - firesAt) <= 1)) problems.push(`a timer fires at ${new Date(firesAt).toISOString()}`);
  }
  return problems;
}

const invitations = recordedHistories().filter((h) => h.workflowId.startsWith('receipt-'));
const current = (t0: number, input: InvitationInput) => new InvitationSchedule(t0, input.policy);

test.each(invitations.map((h) => [h.name, h]))('%s: every timer fires when the current domain rules say', (_name, h) => {
  const events = (h.history as { events: HistoryEvent[] }).events;
  // Something to check: a timer, or a start held until the activation.
  expect(events.some((e) => e.timerStartedEventAttributes) || heldMs(events) > 0).toBe(true);
  expect(unexplainedTimers(events, current)).toEqual([]);
});

test('an edit that moves the activation by an hour is caught', () => {
  class Shifted extends InvitationSchedule {
    override activationAt(): number {
      return super.activationAt() + 3_600_000 / this.policy.timeScale;
    }
  }
  const shifted = (t0: number, input: InvitationInput) => new Shifted(t0, input.policy);
  const caught = invitations.filter((h) => unexplainedTimers((h.history as { events: HistoryEvent[] }).events, shifted).length > 0);
  // Every round-1 run waits for its activation.
  expect(caught.map((h) => h.name)).toEqual(expect.arrayContaining(['v1/one-time-answered', 'v1/no-account', 'v1/cancelled-before-activation']));
});
