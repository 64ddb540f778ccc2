/**
 * The life of one invitation (Regulation II.4–7): wait for activation, check eligibility,
 * activate the personalised link, e-mail it within the deadline, remind long-service
 * recipients every half-year (a new round each time, continue-as-new per round), and
 * close the link after one calendar month or when the service ends.
 *
 * Deterministic orchestration only: every side effect is an activity, every input an id.
 */
import {
  type ActivityInterfaceFor,
  type ActivityOptions,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { InvitationSchedule } from '../src/domain/policy';
import {
  SA_STATUS,
  type InvitationInput,
  type InvitationOutcome,
  type InvitationStage,
  type InvitationState,
} from '../src/temporal/shared';
import { cancelSignal, completedSignal, serviceEndedSignal, stateQuery, unsubscribedSignal } from './invitation-signals';

/**
 * Database activities: retried through a database outage for up to a day, then the
 * workflow fails (visible in the Temporal UI; the reconciler's sweep closes its link).
 * Errors retrying cannot fix (a row that does not exist) are non-retryable in the activity.
 */
const DB_OPTIONS = {
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '1 day',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
} satisfies ActivityOptions;

/**
 * Changes to this workflow since the first production version, each behind `patched()` so
 * that invitations started before it replay unchanged (docs/workflow-changes.md).
 */
export const PATCHES = {
  /** A cancellation request from the Temporal UI or CLI closes the link before the workflow ends. */
  operatorCancel: 'close-link-on-operator-cancel',
  /** A one-time round answered (or a withdrawal) while e-mails still retry stops those retries. */
  stopSends: 'stop-sends-when-round-done',
  /** A run whose history grows long (many signals) continues as new within its round. */
  boundedHistory: 'continue-as-new-on-long-history',
  /** Scaled (demo) policies only: a round's sends get a minute, enough to survive a restart. */
  demoSendWindow: 'demo-send-window-one-minute',
  /**
   * Activation and each later round start move later by the receipt's own offset inside
   * the spread the Regulation allows (InvitationSchedule.spreadMs): receipts posted
   * together no longer fire their timers in the same second.
   */
  spreadTimers: 'spread-timers-per-receipt',
  /**
   * Each round's notice also goes to the portal's personal account (a signed webhook), for
   * addressees with a portal account id while the channel is on, until the same deadline.
   */
  portalChannel: 'portal-notify-channel',
} as const;

/**
 * How a run decides what is in force and where its activities run. The first generation
 * (`invitationWorkflow`) asks `patched()` for every change and runs every activity on the
 * task queue. The second (`invitationWorkflowV2`, every invitation started since) has the
 * changes in BUILT_INTO_V2 from its first event, so it records no marker for them, and tries
 * each database write and each send once as a local activity, inside the workflow task that
 * needs it (one marker in the history instead of three activity events and a workflow task):
 * a one-time lifecycle takes about 20 events instead of 40. Only what fails there goes to
 * the task queue with the usual retries, so an outage costs the history what it always did.
 */
interface Generation {
  /** Whether a change behind `patch` is in force in this run (records its marker if needed). */
  has(patch: PatchId): boolean;
  /** The short database writes. */
  db: ActivityInterfaceFor<Activities>;
  /** Whether a send is first tried once as a local activity. */
  localFirst: boolean;
}

type PatchId = (typeof PATCHES)[keyof typeof PATCHES];

/**
 * The changes the second generation has from its start. Frozen: a change made after it
 * goes behind `patched()` in both generations, exactly as before.
 */
const BUILT_INTO_V2: readonly PatchId[] = [
  PATCHES.operatorCancel,
  PATCHES.stopSends,
  PATCHES.boundedHistory,
  PATCHES.demoSendWindow,
  PATCHES.spreadTimers,
  PATCHES.portalChannel,
];

const FIRST: Generation = {
  has: patched,
  db: proxyActivities<Activities>(DB_OPTIONS),
  localFirst: false,
};

const SECOND: Generation = {
  has: (patch) => BUILT_INTO_V2.includes(patch) || patched(patch),
  db: tryLocallyFirst(DB_OPTIONS),
  localFirst: true,
};

/** One attempt as a local activity: a single marker when it succeeds. */
function localOnce(startToCloseTimeout: ActivityOptions['startToCloseTimeout']): ActivityInterfaceFor<Activities> {
  return proxyLocalActivities<Activities>({ startToCloseTimeout, retry: { maximumAttempts: 1 } });
}

/**
 * Whether a failed local attempt should go on to the task queue: not when it was cancelled
 * or the activity said retrying cannot help (a missing row, a permanent rejection).
 */
function worthRetrying(err: unknown): err is ActivityFailure | ApplicationFailure {
  if (isCancellation(err)) return false;
  if (err instanceof ApplicationFailure) return !err.nonRetryable;
  return err instanceof ActivityFailure;
}

/** Each activity tried once locally, then on the task queue with `options` if that failed. */
function tryLocallyFirst(options: ActivityOptions): ActivityInterfaceFor<Activities> {
  const local = localOnce(options.startToCloseTimeout);
  const queued = proxyActivities<Activities>(options);
  return new Proxy(queued, {
    get: (_, name: keyof Activities) => async (input: never) => {
      try {
        return await (local[name] as (input: never) => Promise<unknown>)(input);
      } catch (err) {
        if (!worthRetrying(err)) throw err;
        return (queued[name] as (input: never) => Promise<unknown>)(input);
      }
    },
  });
}

/** Events after which a run continues as new within its round (Temporal's hard cap is 51,200). */
export const MAX_RUN_EVENTS = 500;

/**
 * Under a scaled policy (FEEDBACK_TIME_SCALE > 1, never in production), the least real time
 * e-mails of a round get: a minute, so that a worker restart does not eat the whole window
 * (15 s for workflows started before the patch).
 */
function minSendWindowMs(gen: Generation): number {
  return gen.has(PATCHES.demoSendWindow) ? 60_000 : 15_000;
}

type CloseReason = NonNullable<InvitationOutcome['reason']>;

export async function invitationWorkflow(input: InvitationInput): Promise<InvitationOutcome> {
  return runWorkflow(input, FIRST);
}

/** Every invitation started since the second generation (see Generation). */
export async function invitationWorkflowV2(input: InvitationInput): Promise<InvitationOutcome> {
  return runWorkflow(input, SECOND);
}

async function runWorkflow(input: InvitationInput, gen: Generation): Promise<InvitationOutcome> {
  try {
    return await runInvitation(input, gen);
  } catch (err) {
    // An operator's cancellation (Temporal UI or CLI): close the link, record why, end as cancelled.
    if (isCancellation(err) && gen.has(PATCHES.operatorCancel)) {
      await CancellationScope.nonCancellable(() => gen.db.closeInvitation({ receiptId: input.receiptId, reason: 'operator_cancelled' }));
      if (workflowInfo().typedSearchAttributes.get(SA_STATUS) !== undefined) {
        upsertSearchAttributes([{ key: SA_STATUS, value: 'withdrawn' }]);
      }
    }
    throw err;
  }
}

async function runInvitation(input: InvitationInput, gen: Generation): Promise<InvitationOutcome> {
  const { db } = gen;
  const schedule = new InvitationSchedule(Date.parse(input.receivedAt), input.policy);
  // Decided once per run: a run that began before the patch keeps the old instants throughout.
  const spread = gen.has(PATCHES.spreadTimers);
  const activationAt = spread ? schedule.spreadActivationAt(input.receiptId) : schedule.activationAt();
  const roundStartsAt = (k: number) => (spread ? schedule.spreadRoundStartsAt(k, input.receiptId) : schedule.roundStartsAt(k));
  const round = input.round ?? 1;
  const resume = input.resume;
  const withSearchAttributes = workflowInfo().typedSearchAttributes.get(SA_STATUS) !== undefined;
  const s = {
    stage: (resume ? 'active' : 'awaiting_activation') as InvitationStage,
    nextDeadline: null as number | null,
    nextAction: null as InvitationState['nextAction'],
    serviceEnd: input.serviceEnd,
    /** When this run's first e-mails were done with (round 1 only); null before. */
    firstEmailAt: resume?.firstEmailAt ?? (null as number | null),
    cancelled: false,
    completedRound: resume?.completedRound ?? 0,
    unsubscribed: input.unsubscribed ?? false,
    changes: 0,
  };

  setHandler(cancelSignal, () => {
    s.cancelled = true;
    s.changes++;
  });
  setHandler(serviceEndedSignal, ({ end }) => {
    s.serviceEnd = end;
    s.changes++;
  });
  setHandler(completedSignal, ({ round: done }) => {
    s.completedRound = Math.max(s.completedRound, done);
    s.changes++;
  });
  setHandler(unsubscribedSignal, ({ all }) => {
    s.unsubscribed = s.unsubscribed || all;
    s.changes++;
  });
  setHandler(stateQuery, () => ({
    stage: s.stage,
    round,
    nextDeadline: iso(s.nextDeadline),
    nextAction: s.nextAction,
    closesAt: iso(closesAt()),
    serviceEnd: s.serviceEnd,
    unsubscribed: s.unsubscribed,
  }));

  /**
   * One-time rules: a one-time service, or a long one whose end came before its first
   * e-mail (link open one month from T0, one e-mail), however late that end is reported.
   */
  function oneTime(): boolean {
    if (input.serviceKind === 'one_time') return true;
    if (round > 1 || s.serviceEnd === null) return false;
    return schedule.serviceEndClosesAt(s.serviceEnd) <= (s.firstEmailAt ?? Date.now());
  }

  function closesAt(): number | null {
    if (oneTime()) return schedule.oneTimeClosesAt();
    return s.serviceEnd ? schedule.serviceEndClosesAt(s.serviceEnd) : null;
  }

  function enter(stage: InvitationStage, deadline: number | null, action: InvitationState['nextAction']): void {
    if (stage !== s.stage && withSearchAttributes) upsertSearchAttributes([{ key: SA_STATUS, value: stage }]);
    s.stage = stage;
    s.nextDeadline = deadline;
    s.nextAction = action;
  }

  async function close(reason: CloseReason, rounds = round): Promise<InvitationOutcome> {
    await db.closeInvitation({ receiptId: input.receiptId, reason });
    enter(reason === 'withdrawn' ? 'withdrawn' : 'closed', null, null);
    return { status: reason === 'withdrawn' ? 'withdrawn' : 'closed', reason, rounds };
  }

  // What the database says about the link's closing, kept in step with the rules above.
  let storedClosesAt = resume ? resume.storedClosesAt : closesAt();
  if (round === 1 && !resume) {
    enter('awaiting_activation', activationAt, 'activate');
    await waitUntil(() => s.cancelled, activationAt);
    if (s.cancelled) return close('withdrawn', 0);
    storedClosesAt = closesAt();
    const activation = await db.activateInvitation({ receiptId: input.receiptId, closesAt: iso(storedClosesAt) });
    if (activation.status === 'withdrawn') return close('withdrawn', 0);
    if (activation.status === 'no_account') {
      enter('no_account', null, null);
      return { status: 'no_account', rounds: 0 };
    }
  }

  if (!resume && !s.unsubscribed && !s.cancelled) {
    enter('notifying', schedule.notifyDeadline(round), 'notify');
    const send = () => notifyRound(gen, input.receiptId, round, schedule.notifyDeadline(round), input.policy.timeScale);
    if (gen.has(PATCHES.stopSends)) {
      // Neither a withdrawal nor an answered one-time round waits for other addressees' retries.
      const roundDone = () => s.cancelled || (oneTime() && s.completedRound >= round);
      const sends = new CancellationScope();
      const sending = sends.run(send);
      await Promise.race([sending, condition(roundDone)]);
      if (roundDone()) sends.cancel();
      await sending.catch((err: unknown) => {
        if (!isCancellation(err)) throw err;
      });
    } else {
      // A withdrawal does not wait for e-mail retries (the activity skips a closed invitation).
      await Promise.race([send(), condition(() => s.cancelled)]);
    }
  }
  if (round === 1 && !resume) s.firstEmailAt = Date.now();

  for (;;) {
    if (s.cancelled) return close('withdrawn');
    if (oneTime() && s.completedRound >= round) return close('completed');
    const closeAt = closesAt();
    if (closeAt !== storedClosesAt) {
      await db.setClosesAt({ receiptId: input.receiptId, closesAt: iso(closeAt) });
      storedClosesAt = closeAt;
      continue;
    }
    const nextRoundAt = oneTime() || s.unsubscribed ? null : roundStartsAt(round + 1);
    const wakeAt = earliest(closeAt, nextRoundAt);
    if (closeAt !== null && Date.now() >= closeAt) return close(oneTime() ? 'expired' : 'service_ended');
    if (nextRoundAt !== null && Date.now() >= nextRoundAt) {
      return continueAsNew<typeof invitationWorkflow>({
        ...input,
        resume: undefined,
        round: round + 1,
        serviceEnd: s.serviceEnd,
        unsubscribed: s.unsubscribed,
      });
    }
    if (historyIsLong() && gen.has(PATCHES.boundedHistory)) {
      // Hundreds of signals would grow one run towards Temporal's cap: carry on in a fresh run.
      await condition(allHandlersFinished);
      return continueAsNew<typeof invitationWorkflow>({
        ...input,
        serviceEnd: s.serviceEnd,
        unsubscribed: s.unsubscribed,
        resume: { firstEmailAt: s.firstEmailAt, completedRound: s.completedRound, storedClosesAt },
      });
    }
    enter('active', wakeAt, wakeAt === null ? null : wakeAt === closeAt ? 'close' : 'next_round');
    const seen = s.changes;
    await waitUntil(() => s.changes !== seen, wakeAt);
  }
}

/**
 * Sends every addressee's notices of a round, retrying each until the round's deadline: an
 * e-mail each, and since the portal-notify-channel patch a portal notice each (for
 * addressees with a portal account id, while the channel is on).
 */
async function notifyRound(gen: Generation, receiptId: string, round: number, policyDeadline: number, timeScale: number): Promise<void> {
  // Decided before the round opens: a round opened before the patch sends e-mails only.
  const withPortal = gen.has(PATCHES.portalChannel);
  const { notificationIds, portalNotificationIds = [] } = await gen.db.openRound(withPortal ? { receiptId, round, portal: true } : { receiptId, round });
  // A scaled demo policy can shrink the window below what real sends take.
  const deadline = timeScale > 1 ? Math.max(policyDeadline, Date.now() + minSendWindowMs(gen)) : policyDeadline;
  await Promise.all([
    ...notificationIds.map((notificationId) => deliver(gen, notificationId, 'sendNotification', deadline)),
    ...portalNotificationIds.map((notificationId) => deliver(gen, notificationId, 'sendPortalNotification', deadline)),
  ]);
}

/** One notice on one channel, retried until `deadline`; recorded failed when it cannot go. */
async function deliver(gen: Generation, notificationId: string, activity: 'sendNotification' | 'sendPortalNotification', deadline: number): Promise<void> {
  let remaining = deadline - Date.now();
  if (remaining <= 0) {
    await gen.db.recordNotificationFailed({ notificationId, error: 'deadline passed before the first attempt' });
    return;
  }
  // Each attempt gets a tenth of the window at most: an attempt that dies with its
  // worker times out and is retried, never taking the rest of the window with it.
  const startToCloseTimeout = clamp(remaining / 10, 1_000, 30_000);
  const initialInterval = clamp(remaining / 500, 1_000, 60_000);
  try {
    if (gen.localFirst) {
      try {
        await localOnce(startToCloseTimeout)[activity]({ notificationId });
        return;
      } catch (err) {
        if (!worthRetrying(err)) throw err;
        // Retried on the task queue after the pause the provider asked for, or the first back-off.
        const asked = retryAfterMs(err);
        const pause = Math.min(Math.max(asked, initialInterval), deadline - Date.now());
        if (pause > 0) await sleep(pause);
        remaining = deadline - Date.now();
        if (remaining <= 0) throw err;
      }
    }
    await proxyActivities<Activities>({
      scheduleToCloseTimeout: remaining,
      startToCloseTimeout,
      retry: { initialInterval, maximumInterval: clamp(remaining / 20, 1_000, 3_600_000), backoffCoefficient: 2 },
    })[activity]({ notificationId });
  } catch (err) {
    // A task-queue activity's failure is an ActivityFailure; a local one's arrives as its own
    // ApplicationFailure (a timeout wrapped in an ActivityFailure, as for the others).
    if (!(err instanceof ActivityFailure || err instanceof ApplicationFailure) || isCancellation(err)) throw err;
    await gen.db.recordNotificationFailed({ notificationId, error: describeFailure(err) });
  }
}

function historyIsLong(): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength > MAX_RUN_EVENTS;
}

/** Waits until `fn` holds or the instant `at` passes (forever when `at` is null). */
async function waitUntil(fn: () => boolean, at: number | null): Promise<void> {
  if (at === null) return condition(fn);
  const remaining = at - Date.now();
  if (remaining > 0 && !fn()) await condition(fn, remaining);
}

/** The pause a failed send's provider asked for (its Retry-After, in the failure's details), or 0. */
function retryAfterMs(err: ActivityFailure | ApplicationFailure): number {
  const [detail] = (err instanceof ApplicationFailure ? err.details : null) ?? [];
  const asked = (detail as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
  return typeof asked === 'number' && asked > 0 ? asked : 0;
}

function describeFailure(err: ActivityFailure | ApplicationFailure): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause ? `${cause.name}: ${cause.message}`.slice(0, 500) : err.message;
}

function earliest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

function clamp(value: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, Math.round(value)));
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
