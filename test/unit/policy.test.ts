/**
 * The timing policy (Regulation II.6–7): a schedule at real speed and at
 * FEEDBACK_TIME_SCALE=86400, where one policy day lasts one real second.
 */
import { InvitationSchedule, REGULATION_POLICY, validatePolicy, type TimingPolicy } from '../../src/domain/policy';

const at = (iso: string) => Date.parse(iso);
const SECOND = 1000;
/** Policy time: 31 Jan 2026, 12:00 Moscow, so that the month rules have to clamp. */
const T0 = at('2026-01-31T09:00:00.000Z');

describe('at scale 1 (real time)', () => {
  const s = new InvitationSchedule(T0, REGULATION_POLICY);

  test.each([
    ['activationAt', () => s.activationAt(), '2026-02-01T09:00:00.000Z', '1 day after T0'],
    ['notifyDeadline(1)', () => s.notifyDeadline(1), '2026-02-04T09:00:00.000Z', '4 days after T0'],
    ['oneTimeClosesAt', () => s.oneTimeClosesAt(), '2026-02-28T09:00:00.000Z', 'one calendar month, clamped to 28 Feb'],
    ['roundStartsAt(1)', () => s.roundStartsAt(1), '2026-01-31T09:00:00.000Z', 'round 1 starts at T0'],
    ['roundStartsAt(2)', () => s.roundStartsAt(2), '2026-07-31T09:00:00.000Z', 'half a year later'],
    ['roundStartsAt(3)', () => s.roundStartsAt(3), '2027-01-31T09:00:00.000Z', 'a year later'],
    ['notifyDeadline(2)', () => s.notifyDeadline(2), '2026-08-04T09:00:00.000Z', '4 days after round 2 starts'],
    ['serviceEndClosesAt(2026-05-31)', () => s.serviceEndClosesAt('2026-05-31'), '2026-05-31T21:00:00.000Z', 'the end of that Moscow day'],
    ['serviceEndClosesAt(2026-01-31)', () => s.serviceEndClosesAt('2026-01-31'), '2026-01-31T21:00:00.000Z', 'ends on the day of T0'],
  ])('%s = %s (%s)', (_name, compute, expected) => {
    expect(compute()).toBe(at(expected as string));
  });

  test('real() is the identity', () => {
    expect(s.real(at('2027-05-05T05:05:05.005Z'))).toBe(at('2027-05-05T05:05:05.005Z'));
  });

  test('a receipt in a leap year closes on 29 February', () => {
    expect(new InvitationSchedule(at('2024-01-31T09:00:00.000Z'), REGULATION_POLICY).oneTimeClosesAt()).toBe(at('2024-02-29T09:00:00.000Z'));
  });

  test.each([
    [0, '2026-01-31T09:00:00.000Z'],
    [3, '2026-02-03T09:00:00.000Z'],
  ])('activation delay of %i days → %s', (days, expected) => {
    expect(new InvitationSchedule(T0, { ...REGULATION_POLICY, activationDelayDays: days }).activationAt()).toBe(at(expected));
  });
});

describe('at FEEDBACK_TIME_SCALE=86400: a policy day is a real second', () => {
  const s = new InvitationSchedule(T0, { ...REGULATION_POLICY, timeScale: 86_400 });

  test.each([
    ['activationAt', () => s.activationAt(), 1 * SECOND, '1 policy day'],
    ['notifyDeadline(1)', () => s.notifyDeadline(1), 4 * SECOND, '4 policy days'],
    ['oneTimeClosesAt', () => s.oneTimeClosesAt(), 28 * SECOND, '31 Jan → 28 Feb is 28 policy days'],
    ['roundStartsAt(1)', () => s.roundStartsAt(1), 0, 'T0'],
    // 31 Jan → 31 Jul: 28 + 31 + 30 + 31 + 30 + 31 = 181 days
    ['roundStartsAt(2)', () => s.roundStartsAt(2), 181 * SECOND, '181 policy days'],
    ['notifyDeadline(2)', () => s.notifyDeadline(2), 185 * SECOND, '181 + 4 policy days'],
    // 31 Jan → 31 Jan 2027: 365 days
    ['roundStartsAt(3)', () => s.roundStartsAt(3), 365 * SECOND, '365 policy days'],
    // from 31 Jan 12:00 MSK to the end of 2 Feb MSK (3 Feb 00:00 MSK): 2.5 days
    ['serviceEndClosesAt(2026-02-02)', () => s.serviceEndClosesAt('2026-02-02'), 2.5 * SECOND, '2.5 policy days'],
  ])('%s = T0 + %i ms (%s)', (_name, compute, offset) => {
    expect((compute as () => number)()).toBe(T0 + (offset as number));
  });

  test('real() maps a policy instant back towards T0', () => {
    expect(s.real(T0)).toBe(T0);
    expect(s.real(T0 + 86_400_000)).toBe(T0 + SECOND);
    expect(s.real(T0 + 43_200_000)).toBe(T0 + SECOND / 2);
  });

  test('the schedule keeps its order: activation before the e-mail deadline before closing', () => {
    expect(s.activationAt()).toBeLessThan(s.notifyDeadline(1));
    expect(s.notifyDeadline(1)).toBeLessThan(s.oneTimeClosesAt());
    expect(s.roundStartsAt(2)).toBeLessThan(s.notifyDeadline(2));
  });
});

describe('validatePolicy', () => {
  const p = (overrides: Partial<TimingPolicy>): TimingPolicy => ({ ...REGULATION_POLICY, ...overrides });

  test('the Regulation defaults are valid', () => {
    expect(validatePolicy(REGULATION_POLICY)).toEqual([]);
  });

  test.each([
    [{ activationDelayDays: 0 }],
    [{ activationDelayDays: 3 }],
    [{ activationDelayDays: 0.5, notifyWithinDays: 1 }],
    [{ notifyWithinDays: 2 }],
    [{ reminderIntervalMonths: 1 }],
    [{ timeScale: 86_400 }],
    [{ timeScale: 0.5 }],
  ])('%j is valid', (overrides) => {
    expect(validatePolicy(p(overrides))).toEqual([]);
  });

  test.each<[Partial<TimingPolicy>, RegExp, string]>([
    [{ activationDelayDays: -1 }, /activationDelayDays/, 'activation before T0'],
    [{ activationDelayDays: 4 }, /activationDelayDays/, 'later than 3 days (II.6)'],
    [{ activationDelayDays: Number.NaN }, /activationDelayDays/, 'not a number'],
    [{ notifyWithinDays: 5 }, /notifyWithinDays/, 'later than 4 days (II.7b)'],
    [{ notifyWithinDays: 1 }, /notifyWithinDays/, 'the e-mail due at activation, not after it'],
    [{ activationDelayDays: 3, notifyWithinDays: 3 }, /notifyWithinDays/, 'no time to notify after activation'],
    [{ linkOpenMonths: 0 }, /linkOpenMonths/, 'a link open no time'],
    [{ linkOpenMonths: 2 }, /linkOpenMonths/, 'open longer than 1 month (II.6: "не более 1 месяца")'],
    [{ reminderIntervalMonths: 0 }, /reminderIntervalMonths/, 'no interval'],
    [{ reminderIntervalMonths: 7 }, /reminderIntervalMonths/, 'less often than every half-year (II.7b)'],
    [{ timeScale: 0 }, /timeScale/, 'time stands still'],
    [{ timeScale: -1 }, /timeScale/, 'time runs backwards'],
  ])('%j is invalid: %s (%s)', (overrides, problem) => {
    expect(validatePolicy(p(overrides))).toEqual(expect.arrayContaining([expect.stringMatching(problem)]));
  });

  test('every problem is reported at once', () => {
    expect(validatePolicy({ activationDelayDays: 9, notifyWithinDays: 9, linkOpenMonths: 0, reminderIntervalMonths: 0, timeScale: 0 })).toHaveLength(5);
  });
});
