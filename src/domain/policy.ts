/**
 * The timing policy of an invitation (Regulation, section II, items 6–7), as data. A
 * workflow captures the policy in force when it starts and keeps it for its whole life.
 *
 * Policy time runs `timeScale` times faster than real time from the receipt's arrival
 * (T0): with FEEDBACK_TIME_SCALE=86400 a policy day lasts one real second. Calendar rules
 * (one calendar month, end of a Moscow day) are computed in policy time and then mapped
 * back to real instants, so a scaled demo keeps the exact shape of the real schedule.
 */
import { DAY_MS, addMoscowMonths, endOfMoscowDay } from './dates';

export interface TimingPolicy {
  /** Link activation after T0; the Regulation allows at most 3 days. */
  activationDelayDays: number;
  /** The e-mail must go out within this many days of T0 (of the round start for reminders). */
  notifyWithinDays: number;
  /** A one-time service's link stays active this many calendar months after T0. */
  linkOpenMonths: number;
  /** Long services: a new round (and reminder) at least this often. */
  reminderIntervalMonths: number;
  /** Policy seconds per real second. */
  timeScale: number;
}

export const REGULATION_POLICY: TimingPolicy = {
  activationDelayDays: 1,
  notifyWithinDays: 4,
  linkOpenMonths: 1,
  reminderIntervalMonths: 6,
  timeScale: 1,
};

/** The Regulation's latest activation, in days after T0 (II.6). */
export const MAX_ACTIVATION_DAYS = 3;

/**
 * How far (policy days) activations are spread after the policy's activation delay, at
 * most: a nightly upload of 100,000 receipts activates over half a day (about 2 a second)
 * instead of in one second. Less where the Regulation leaves less room (see
 * InvitationSchedule.spreadMs).
 */
export const SPREAD_DAYS = 0.5;

/**
 * A receipt's place in the spread, in [0, 1): FNV-1a of its id, so the same receipt gets
 * the same place on every replay and in every process, and receipts posted together are
 * scattered evenly.
 */
export function spreadFraction(receiptId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < receiptId.length; i++) {
    hash ^= receiptId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  // The multiply leaves the low bits poorly mixed: fold the high ones in.
  hash ^= hash >>> 15;
  hash = Math.imul(hash, 0x2c1b3c6d);
  hash ^= hash >>> 12;
  return (hash >>> 0) / 2 ** 32;
}

export function validatePolicy(p: TimingPolicy): string[] {
  const problems: string[] = [];
  if (!(p.activationDelayDays >= 0 && p.activationDelayDays <= 3)) problems.push('activationDelayDays must be within 0..3');
  if (!(p.notifyWithinDays > p.activationDelayDays && p.notifyWithinDays <= 4)) {
    problems.push('notifyWithinDays must be after activation and at most 4');
  }
  if (p.linkOpenMonths !== 1) problems.push('linkOpenMonths must be 1: a link stays active at most one month (II.6)');
  if (!(p.reminderIntervalMonths >= 1 && p.reminderIntervalMonths <= 6)) problems.push('reminderIntervalMonths must be within 1..6');
  if (!(p.timeScale > 0)) problems.push('timeScale must be positive');
  return problems;
}

/** The moments of one invitation's schedule, as real epoch milliseconds. */
export class InvitationSchedule {
  constructor(
    readonly t0: number,
    readonly policy: TimingPolicy,
  ) {}

  /** Maps a policy instant to the real instant it happens at. */
  real(policyInstant: number): number {
    return this.t0 + (policyInstant - this.t0) / this.policy.timeScale;
  }

  activationAt(): number {
    return this.real(this.t0 + this.policy.activationDelayDays * DAY_MS);
  }

  /**
   * The width (policy ms) over which activations and reminder rounds are spread: at most
   * SPREAD_DAYS, never past the Regulation's 3-day activation limit, and never more than
   * half the time between activation and the e-mail deadline (the other half stays for
   * the e-mail's retries).
   */
  spreadMs(): number {
    const { activationDelayDays, notifyWithinDays } = this.policy;
    const days = Math.min(SPREAD_DAYS, MAX_ACTIVATION_DAYS - activationDelayDays, (notifyWithinDays - activationDelayDays) / 2);
    return Math.max(0, days) * DAY_MS;
  }

  /** The receipt's own offset inside the spread (policy ms), the same for every round. */
  private offsetMs(receiptId: string): number {
    return Math.floor(spreadFraction(receiptId) * this.spreadMs());
  }

  /** The activation, moved later by the receipt's offset in the spread (never past 3 days after T0). */
  spreadActivationAt(receiptId: string): number {
    return this.real(this.t0 + this.policy.activationDelayDays * DAY_MS + this.offsetMs(receiptId));
  }

  /**
   * Round k > 1 of a long service starts the receipt's offset after roundStartsAt(k): the
   * same offset as its activation, so the time between two e-mails stays what it was, and
   * the round's e-mail deadline (notifyDeadline, from the unmoved round start) keeps more
   * than half its window.
   */
  spreadRoundStartsAt(round: number, receiptId: string): number {
    if (round <= 1) return this.roundStartsAt(round);
    return this.real(addMoscowMonths(this.t0, (round - 1) * this.policy.reminderIntervalMonths) + this.offsetMs(receiptId));
  }

  /** Round 1 starts at T0; round k of a long service k-1 reminder intervals later. */
  roundStartsAt(round: number): number {
    return this.real(addMoscowMonths(this.t0, (round - 1) * this.policy.reminderIntervalMonths));
  }

  notifyDeadline(round: number): number {
    const start = addMoscowMonths(this.t0, (round - 1) * this.policy.reminderIntervalMonths);
    return this.real(start + this.policy.notifyWithinDays * DAY_MS);
  }

  /** A one-time service's link (or a long one that ended before its first e-mail). */
  oneTimeClosesAt(): number {
    return this.real(addMoscowMonths(this.t0, this.policy.linkOpenMonths));
  }

  /** A long service's link closes at the end of its last day, Moscow time. */
  serviceEndClosesAt(endDate: string): number {
    return this.real(endOfMoscowDay(endDate));
  }
}
