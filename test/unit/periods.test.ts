/** Quarters in Moscow time (UTC+3 all year): every expectation is written out by hand. */
import { ZPeriod } from '../../src/domain/period-schema';
import {
  MAX_PERIODS_BETWEEN,
  comparePeriods,
  currentPeriod,
  formatPeriod,
  isPeriod,
  lastFinishedPeriod,
  nextPeriod,
  parsePeriod,
  periodBounds,
  periodDistance,
  periodOf,
  periodsBetween,
  previousPeriod,
  shiftPeriod,
  yearAgoPeriod,
} from '../../src/domain/periods';

const at = (iso: string) => new Date(iso);
const DAY = 24 * 60 * 60 * 1000;

describe('parsePeriod / isPeriod / ZPeriod', () => {
  test.each<[string, number, number]>([
    ['2026-Q1', 2026, 1],
    ['2025-Q4', 2025, 4],
    ['2024-Q2', 2024, 2],
    ['2000-Q3', 2000, 3],
    ['9999-Q4', 9999, 4],
    ['1000-Q1', 1000, 1],
  ])('%s → %i, Q%i', (value, year, quarter) => {
    expect(parsePeriod(value)).toEqual({ year, quarter });
    expect(isPeriod(value)).toBe(true);
    expect(ZPeriod.safeParse(value).success).toBe(true);
    expect(formatPeriod({ year, quarter: quarter as 1 | 2 | 3 | 4 })).toBe(value);
  });

  test.each([
    '2026-Q0', '2026-Q5', '2026-Q10', '2026Q1', '2026-q1', '2026-1', '2026-01', '26-Q1', '0999-Q1', '0026-Q1',
    ' 2026-Q1', '2026-Q1 ', '2026-Q1\n', '2026–Q1', 'Q1-2026', '', '2026-Q-1', '+2026-Q1',
  ])('rejects %j', (value) => {
    expect(isPeriod(value)).toBe(false);
    expect(() => parsePeriod(value)).toThrow(RangeError);
    const parsed = ZPeriod.safeParse(value);
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(parsed.error.issues[0].message).toBe('must be a quarter written like 2026-Q1');
  });

  test('ZPeriod rejects non-strings', () => {
    expect(ZPeriod.safeParse(20261).success).toBe(false);
    expect(ZPeriod.safeParse(null).success).toBe(false);
  });
});

describe('periodBounds: 00:00 Moscow (21:00 UTC the day before), end exclusive', () => {
  test.each<[string, string, string]>([
    ['2026-Q1', '2025-12-31T21:00:00.000Z', '2026-03-31T21:00:00.000Z'],
    ['2026-Q2', '2026-03-31T21:00:00.000Z', '2026-06-30T21:00:00.000Z'],
    ['2026-Q3', '2026-06-30T21:00:00.000Z', '2026-09-30T21:00:00.000Z'],
    ['2026-Q4', '2026-09-30T21:00:00.000Z', '2026-12-31T21:00:00.000Z'],
    ['2025-Q4', '2025-09-30T21:00:00.000Z', '2025-12-31T21:00:00.000Z'],
    ['2024-Q1', '2023-12-31T21:00:00.000Z', '2024-03-31T21:00:00.000Z'],
    ['9999-Q4', '9999-09-30T21:00:00.000Z', '9999-12-31T21:00:00.000Z'],
  ])('%s = [%s, %s)', (period, start, end) => {
    const b = periodBounds(period);
    expect(b.start.toISOString()).toBe(start);
    expect(b.end.toISOString()).toBe(end);
  });

  test.each<[string, number, string]>([
    ['2024-Q1', 91, 'leap year: 31 + 29 + 31'],
    ['2025-Q1', 90, '31 + 28 + 31'],
    ['2026-Q1', 90, ''],
    ['2000-Q1', 91, 'divisible by 400: leap'],
    ['2100-Q1', 90, 'divisible by 100, not by 400: not leap'],
    ['2026-Q2', 91, '30 + 31 + 30'],
    ['2026-Q3', 92, '31 + 31 + 30'],
    ['2026-Q4', 92, '31 + 30 + 31'],
  ])('%s lasts %i days %s', (period, days) => {
    const b = periodBounds(period);
    expect(b.end.getTime() - b.start.getTime()).toBe(days * DAY);
  });

  test('consecutive quarters tile time: one ends where the next starts', () => {
    expect(periodBounds('2025-Q4').end.getTime()).toBe(periodBounds('2026-Q1').start.getTime());
    expect(periodBounds('2026-Q1').end.getTime()).toBe(periodBounds('2026-Q2').start.getTime());
  });

  test('returns fresh Date objects', () => {
    const a = periodBounds('2026-Q1');
    a.start.setTime(0);
    expect(periodBounds('2026-Q1').start.toISOString()).toBe('2025-12-31T21:00:00.000Z');
  });

  test('rejects a malformed period', () => {
    expect(() => periodBounds('2026-Q5')).toThrow(RangeError);
  });
});

describe('periodOf: the Moscow quarter turns at 21:00 UTC', () => {
  test.each<[string, string]>([
    ['2025-12-31T20:59:59.999Z', '2025-Q4'],
    ['2025-12-31T21:00:00.000Z', '2026-Q1'],
    ['2026-01-01T00:00:00.000Z', '2026-Q1'],
    ['2026-03-31T20:59:59.999Z', '2026-Q1'],
    ['2026-03-31T21:00:00.000Z', '2026-Q2'],
    ['2026-03-31T23:30:00.000Z', '2026-Q2'],
    ['2026-04-01T00:00:00.000+03:00', '2026-Q2'],
    ['2026-06-30T20:59:59.999Z', '2026-Q2'],
    ['2026-06-30T21:00:00.000Z', '2026-Q3'],
    ['2026-09-30T20:59:59.999Z', '2026-Q3'],
    ['2026-09-30T21:00:00.000Z', '2026-Q4'],
    ['2026-12-31T20:59:59.999Z', '2026-Q4'],
    ['2024-02-29T12:00:00.000Z', '2024-Q1'],
    ['2024-02-29T21:00:00.000Z', '2024-Q1'],
  ])('%s → %s', (iso, period) => {
    expect(periodOf(at(iso))).toBe(period);
    expect(periodOf(at(iso).getTime())).toBe(period);
  });

  test('every quarter contains its own bounds: start in, end out', () => {
    for (const p of ['2024-Q1', '2025-Q4', '2026-Q2', '2026-Q3']) {
      const { start, end } = periodBounds(p);
      expect(periodOf(start)).toBe(p);
      expect(periodOf(end.getTime() - 1)).toBe(p);
      expect(periodOf(end)).not.toBe(p);
    }
  });

  test('rejects an invalid instant', () => {
    expect(() => periodOf(new Date('nonsense'))).toThrow(RangeError);
    expect(() => periodOf(Number.NaN)).toThrow(RangeError);
  });
});

describe('previous, next, year ago', () => {
  test.each<[string, string, string, string]>([
    // period, previous, next, year ago
    ['2026-Q1', '2025-Q4', '2026-Q2', '2025-Q1'],
    ['2026-Q2', '2026-Q1', '2026-Q3', '2025-Q2'],
    ['2026-Q3', '2026-Q2', '2026-Q4', '2025-Q3'],
    ['2026-Q4', '2026-Q3', '2027-Q1', '2025-Q4'],
    ['2025-Q4', '2025-Q3', '2026-Q1', '2024-Q4'],
    ['2024-Q1', '2023-Q4', '2024-Q2', '2023-Q1'],
    ['2000-Q1', '1999-Q4', '2000-Q2', '1999-Q1'],
  ])('%s: previous %s, next %s, year ago %s', (p, prev, next, yearAgo) => {
    expect(previousPeriod(p)).toBe(prev);
    expect(nextPeriod(p)).toBe(next);
    expect(yearAgoPeriod(p)).toBe(yearAgo);
  });

  test('shiftPeriod moves by whole quarters either way', () => {
    expect(shiftPeriod('2026-Q1', 0)).toBe('2026-Q1');
    expect(shiftPeriod('2026-Q1', 7)).toBe('2027-Q4');
    expect(shiftPeriod('2026-Q1', -9)).toBe('2023-Q4');
    expect(() => shiftPeriod('2026-Q1', 0.5)).toThrow(RangeError);
  });

  test('the ends of the range are errors, not wrong strings', () => {
    expect(() => nextPeriod('9999-Q4')).toThrow(RangeError);
    expect(() => previousPeriod('1000-Q1')).toThrow(RangeError);
  });
});

describe('periodsBetween: inclusive, oldest first, at most 40 quarters', () => {
  test.each<[string, string, string[]]>([
    ['2025-Q4', '2026-Q3', ['2025-Q4', '2026-Q1', '2026-Q2', '2026-Q3']],
    ['2026-Q2', '2026-Q2', ['2026-Q2']],
    ['2023-Q3', '2024-Q2', ['2023-Q3', '2023-Q4', '2024-Q1', '2024-Q2']],
  ])('%s..%s', (from, to, expected) => {
    expect(periodsBetween(from, to)).toEqual(expected);
    expect(periodDistance(from, to)).toBe(expected.length - 1);
  });

  test('exactly 40 quarters is allowed; 41 is not', () => {
    expect(MAX_PERIODS_BETWEEN).toBe(40);
    const forty = periodsBetween('2016-Q1', '2025-Q4');
    expect(forty).toHaveLength(40);
    expect(forty[0]).toBe('2016-Q1');
    expect(forty[39]).toBe('2025-Q4');
    expect(() => periodsBetween('2016-Q1', '2026-Q1')).toThrow(/41 quarters/);
  });

  test('a range that ends before it starts is an error', () => {
    expect(() => periodsBetween('2026-Q2', '2026-Q1')).toThrow(RangeError);
    expect(periodDistance('2026-Q2', '2026-Q1')).toBe(-1);
  });

  test('malformed ends are errors', () => {
    expect(() => periodsBetween('2026-Q1', '2026-Q7')).toThrow(RangeError);
  });
});

describe('currentPeriod and lastFinishedPeriod', () => {
  test.each<[string, string, string]>([
    // now, current (cumulative), last finished (final)
    ['2026-03-31T21:00:00.000Z', '2026-Q2', '2026-Q1'],
    ['2026-03-31T20:59:59.999Z', '2026-Q1', '2025-Q4'],
    ['2025-12-31T21:00:00.000Z', '2026-Q1', '2025-Q4'],
    ['2025-12-31T20:59:59.999Z', '2025-Q4', '2025-Q3'],
    ['2026-08-15T12:00:00.000Z', '2026-Q3', '2026-Q2'],
  ])('at %s: current %s, last finished %s', (now, current, last) => {
    expect(currentPeriod(at(now))).toBe(current);
    expect(lastFinishedPeriod(at(now))).toBe(last);
    expect(lastFinishedPeriod(at(now).getTime())).toBe(last);
  });
});

describe('comparePeriods', () => {
  test('orders chronologically', () => {
    const shuffled = ['2026-Q1', '2025-Q4', '2026-Q3', '2024-Q4', '2026-Q2', '2025-Q1'];
    expect([...shuffled].sort(comparePeriods)).toEqual(['2024-Q4', '2025-Q1', '2025-Q4', '2026-Q1', '2026-Q2', '2026-Q3']);
  });

  test.each<[string, string, number]>([
    ['2026-Q1', '2026-Q1', 0],
    ['2026-Q1', '2026-Q2', -1],
    ['2026-Q1', '2025-Q4', 1],
    ['2025-Q4', '2026-Q1', -1],
  ])('%s vs %s → %i', (a, b, sign) => {
    expect(comparePeriods(a, b)).toBe(sign);
  });

  test('rejects malformed periods rather than comparing strings', () => {
    expect(() => comparePeriods('2026-Q1', '2026-q2')).toThrow(RangeError);
  });
});
