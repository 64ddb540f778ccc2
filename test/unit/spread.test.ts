/**
 * Timers spread per receipt (src/domain/policy.ts): receipts posted together activate, and
 * start their later rounds, over a window instead of in one second, and no receipt's spread
 * ever crosses a deadline of the Regulation, at any time scale.
 */
import * as fc from 'fast-check';
import { DAY_MS, addMoscowMonths } from '../../src/domain/dates';
import { InvitationSchedule, MAX_ACTIVATION_DAYS, REGULATION_POLICY, SPREAD_DAYS, spreadFraction, validatePolicy, type TimingPolicy } from '../../src/domain/policy';
import { mulberry32 } from '../helpers/prng';

/** A v4-shaped uuid from a seeded generator, so the distribution test reproduces. */
function uuidFrom(next: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(next() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const policies: fc.Arbitrary<TimingPolicy> = fc
  .record({
    activationDelayDays: fc.double({ min: 0, max: 3, noNaN: true }),
    notifyWithinDays: fc.double({ min: 0, max: 4, noNaN: true }),
    linkOpenMonths: fc.constant(1),
    reminderIntervalMonths: fc.integer({ min: 1, max: 6 }),
    timeScale: fc.oneof(fc.constant(1), fc.constant(86_400), fc.constant(432_000), fc.double({ min: 0.5, max: 1e6, noNaN: true })),
  })
  .filter((p) => validatePolicy(p).length === 0);
const instants = fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2036, 0, 1) });
const receiptIds = fc.oneof(fc.uuid(), fc.string({ minLength: 1, maxLength: 40 }));

test('the spread never crosses a deadline: activation within 3 days and leaving half the e-mail window; later rounds inside their own', () => {
  fc.assert(
    fc.property(policies, instants, receiptIds, (policy, t0, receiptId) => {
      const s = new InvitationSchedule(t0, policy);
      const activation = s.spreadActivationAt(receiptId);
      // Never earlier than the policy's delay, never later than the Regulation's 3 days.
      expect(activation).toBeGreaterThanOrEqual(s.activationAt());
      expect(activation).toBeLessThanOrEqual(s.real(t0 + MAX_ACTIVATION_DAYS * DAY_MS) + 1);
      // At least half the time from the policy's activation to the e-mail deadline is left for sending.
      const window = s.notifyDeadline(1) - s.activationAt();
      expect(s.notifyDeadline(1) - activation).toBeGreaterThanOrEqual(window / 2 - 1);
      for (let round = 2; round <= 12; round++) {
        const start = s.spreadRoundStartsAt(round, receiptId);
        expect(start).toBeGreaterThanOrEqual(s.roundStartsAt(round));
        // The round's e-mail deadline counts from the unmoved start and keeps more than half its window.
        expect(s.notifyDeadline(round) - start).toBeGreaterThan((s.notifyDeadline(round) - s.roundStartsAt(round)) / 2 - 1);
        // "At least once every half-year": two rounds' starts are no further apart than unmoved ones.
        const previous = round === 2 ? activation : s.spreadRoundStartsAt(round - 1, receiptId);
        const unmovedPrevious = round === 2 ? s.activationAt() : s.roundStartsAt(round - 1);
        expect(start - previous).toBeLessThanOrEqual(s.roundStartsAt(round) - unmovedPrevious + 1);
      }
    }),
    { numRuns: 500 },
  );
});

test('the spread scales with the policy: at FEEDBACK_TIME_SCALE=k a receipt moves 1/k as far, in real time', () => {
  fc.assert(
    fc.property(policies, instants, receiptIds, (policy, t0, receiptId) => {
      const real = new InvitationSchedule(t0, { ...policy, timeScale: 1 });
      const scaled = new InvitationSchedule(t0, policy);
      const offset = (s: InvitationSchedule) => s.spreadActivationAt(receiptId) - s.activationAt();
      expect(Math.abs(offset(scaled) - offset(real) / policy.timeScale)).toBeLessThanOrEqual(1);
      expect(offset(scaled)).toBeLessThanOrEqual(scaled.spreadMs() / policy.timeScale + 1);
      const round2 = (s: InvitationSchedule) => s.spreadRoundStartsAt(2, receiptId) - s.roundStartsAt(2);
      expect(Math.abs(round2(scaled) - round2(real) / policy.timeScale)).toBeLessThanOrEqual(1);
    }),
    { numRuns: 1_000 },
  );
});

test('the same receipt gets the same place on every call (replay), in [0, 1)', () => {
  fc.assert(
    fc.property(receiptIds, (id) => {
      const f = spreadFraction(id);
      expect(f).toBe(spreadFraction(id));
      expect(f).toBeGreaterThanOrEqual(0);
      expect(f).toBeLessThan(1);
    }),
  );
});

test('1,000 receipts posted at the same instant activate over half a day, evenly, not in one second', () => {
  const t0 = Date.UTC(2026, 11, 4, 21, 0, 0); // a nightly upload, midnight in Moscow
  const schedule = new InvitationSchedule(t0, REGULATION_POLICY);
  const next = mulberry32(20261205);
  const ids = Array.from({ length: 1_000 }, () => uuidFrom(next));
  const activations = ids.map((id) => schedule.spreadActivationAt(id));
  const from = t0 + DAY_MS;
  const width = SPREAD_DAYS * DAY_MS;
  expect(schedule.spreadMs()).toBe(width);
  expect(Math.min(...activations)).toBeGreaterThanOrEqual(from);
  expect(Math.max(...activations)).toBeLessThan(from + width);
  // Spread over the whole window, not bunched: each of twelve hours gets about a twelfth.
  expect(Math.max(...activations) - Math.min(...activations)).toBeGreaterThan(0.95 * width);
  const perHour = Array.from({ length: 12 }, (_, i) => activations.filter((a) => Math.floor((a - from) / 3_600_000) === i).length);
  for (const n of perHour) {
    expect(n).toBeGreaterThan(50);
    expect(n).toBeLessThan(120);
  }
  // No second holds more than a handful of them.
  const perSecond = new Map<number, number>();
  for (const a of activations) perSecond.set(Math.floor(a / 1000), (perSecond.get(Math.floor(a / 1000)) ?? 0) + 1);
  expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(3);
  // Half a year later their second rounds are spread over the same width.
  const round2 = ids.map((id) => schedule.spreadRoundStartsAt(2, id));
  expect(Math.min(...round2)).toBeGreaterThanOrEqual(addMoscowMonths(t0, 6));
  expect(Math.max(...round2) - Math.min(...round2)).toBeGreaterThan(0.95 * width);
});

test('no room, no spread: a 3-day activation delay keeps its instant', () => {
  const schedule = new InvitationSchedule(Date.UTC(2026, 0, 10), { ...REGULATION_POLICY, activationDelayDays: 3 });
  expect(schedule.spreadMs()).toBe(0);
  expect(schedule.spreadActivationAt('any-receipt')).toBe(schedule.activationAt());
});
