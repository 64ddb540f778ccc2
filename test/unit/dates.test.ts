/** Calendar dates and Moscow time (UTC+3 all year): the expectations are written out by hand. */
import { addDays, addMoscowMonths, ageOn, endOfMoscowDay, isCalendarDate, moscowDate, startOfMoscowDay } from '../../src/domain/dates';

const at = (iso: string) => Date.parse(iso);

describe('isCalendarDate', () => {
  test.each<[string, boolean, string?]>([
    ['2026-03-02', true],
    ['2024-02-29', true, 'leap year'],
    ['2000-02-29', true, 'divisible by 400: leap'],
    ['2026-02-28', true],
    ['2026-12-31', true],
    ['1900-01-01', true],
    ['2026-02-29', false, 'not a leap year'],
    ['2023-02-29', false, 'not a leap year'],
    ['1900-02-29', false, 'divisible by 100, not by 400: not leap'],
    ['2026-02-30', false],
    ['2026-04-31', false],
    ['2026-13-01', false],
    ['2026-00-10', false],
    ['2026-01-00', false],
    ['2026-01-32', false],
    ['2026-1-05', false, 'month not zero-padded'],
    ['2026-01-5', false, 'day not zero-padded'],
    ['20260105', false],
    ['05.01.2026', false],
    ['2026-01-05T00:00:00Z', false, 'an instant, not a date'],
    [' 2026-01-05', false],
    ['2026-01-05 ', false],
    ['', false],
  ])('%s → %s %s', (value, expected) => {
    expect(isCalendarDate(value)).toBe(expected);
  });
});

describe('moscowDate: the Moscow day turns at 21:00 UTC', () => {
  test.each<[string, string, string?]>([
    ['2026-03-01T20:59:59.999Z', '2026-03-01'],
    ['2026-03-01T21:00:00.000Z', '2026-03-02'],
    ['2026-03-01T00:00:00.000Z', '2026-03-01'],
    ['2026-03-01T23:30:00.000Z', '2026-03-02'],
    ['2025-12-31T20:59:59.999Z', '2025-12-31'],
    ['2025-12-31T21:00:00.000Z', '2026-01-01'],
    ['2024-02-28T21:00:00.000Z', '2024-02-29'],
    ['2026-06-30T21:00:00.000Z', '2026-07-01', 'no summer time'],
  ])('%s → %s %s', (iso, expected) => {
    expect(moscowDate(new Date(iso))).toBe(expected);
    expect(moscowDate(at(iso))).toBe(expected);
  });
});

describe('startOfMoscowDay / endOfMoscowDay', () => {
  test.each([
    ['2026-03-01', '2026-02-28T21:00:00.000Z', '2026-03-01T21:00:00.000Z'],
    ['2026-01-01', '2025-12-31T21:00:00.000Z', '2026-01-01T21:00:00.000Z'],
    ['2024-02-29', '2024-02-28T21:00:00.000Z', '2024-02-29T21:00:00.000Z'],
    ['2026-12-31', '2026-12-30T21:00:00.000Z', '2026-12-31T21:00:00.000Z'],
  ])('%s starts at %s and ends at %s', (date, start, end) => {
    expect(startOfMoscowDay(date)).toBe(at(start));
    expect(endOfMoscowDay(date)).toBe(at(end));
    expect(moscowDate(endOfMoscowDay(date) - 1)).toBe(date);
    expect(moscowDate(endOfMoscowDay(date))).not.toBe(date);
  });
});

describe('addDays', () => {
  test.each([
    ['2026-02-27', 2, '2026-03-01'],
    ['2024-02-28', 1, '2024-02-29'],
    ['2025-12-31', 1, '2026-01-01'],
    ['2026-03-01', -1, '2026-02-28'],
    ['2026-03-02', 0, '2026-03-02'],
  ])('%s + %i days = %s', (date, days, expected) => {
    expect(addDays(date, days)).toBe(expected);
  });
});

describe('addMoscowMonths keeps the Moscow wall clock and clamps to the end of a shorter month', () => {
  test.each([
    // [from (UTC), months, to (UTC), why]
    ['2026-01-31T09:00:00.000Z', 1, '2026-02-28T09:00:00.000Z', '31 Jan → 28 Feb'],
    ['2024-01-31T09:00:00.000Z', 1, '2024-02-29T09:00:00.000Z', '31 Jan → 29 Feb in a leap year'],
    ['2026-03-31T09:00:00.000Z', 1, '2026-04-30T09:00:00.000Z', '31 Mar → 30 Apr'],
    ['2026-03-02T09:00:00.000Z', 1, '2026-04-02T09:00:00.000Z', 'an ordinary day'],
    ['2025-12-15T07:30:00.000Z', 1, '2026-01-15T07:30:00.000Z', 'across the year end'],
    ['2025-12-31T09:00:00.000Z', 2, '2026-02-28T09:00:00.000Z', '31 Dec + 2 → 28 Feb of the next year'],
    ['2025-08-31T09:00:00.000Z', 6, '2026-02-28T09:00:00.000Z', 'half a year, clamped'],
    ['2024-02-29T09:00:00.000Z', 12, '2025-02-28T09:00:00.000Z', 'a year after 29 Feb'],
    ['2026-03-31T09:00:00.000Z', -1, '2026-02-28T09:00:00.000Z', 'backwards, clamped'],
    ['2026-03-02T09:00:00.000Z', 0, '2026-03-02T09:00:00.000Z', 'zero months'],
    // Moscow is already on 1 Feb at 22:00 UTC on 31 Jan: the month is counted from 1 Feb.
    ['2026-01-31T22:00:00.000Z', 1, '2026-02-28T22:00:00.000Z', '01 Feb 01:00 MSK → 01 Mar 01:00 MSK'],
    // 31 Jan 00:30 MSK is still 30 Jan in UTC: clamped by the Moscow date, not the UTC one.
    ['2026-01-30T21:30:00.000Z', 1, '2026-02-27T21:30:00.000Z', '31 Jan 00:30 MSK → 28 Feb 00:30 MSK'],
    ['2025-12-31T21:00:00.000Z', 1, '2026-01-31T21:00:00.000Z', '1 Jan 00:00 MSK → 1 Feb 00:00 MSK'],
  ])('%s + %i months = %s (%s)', (from, months, to) => {
    expect(addMoscowMonths(at(from), months)).toBe(at(to));
    expect(addMoscowMonths(new Date(from), months)).toBe(at(to));
  });
});

describe('ageOn: full years, a birthday counts from the day itself', () => {
  test.each<[string, string, number, string?]>([
    ['2008-03-02', '2026-03-01', 17, 'the day before the 18th birthday'],
    ['2008-03-02', '2026-03-02', 18, 'the 18th birthday'],
    ['2008-03-02', '2026-03-03', 18],
    ['2008-12-31', '2026-12-30', 17],
    ['2008-12-31', '2026-12-31', 18],
    ['2008-01-01', '2025-12-31', 17, 'the last day of the year before'],
    ['2008-01-01', '2026-01-01', 18],
    ['1980-04-01', '2026-03-02', 45],
    ['2026-03-02', '2026-03-02', 0, 'born that day'],
    ['2008-02-29', '2026-03-01', 18, 'a leap-day birthday in a common year: 18 by 1 March'],
    ['2008-02-29', '2024-02-29', 16],
    ['2008-02-29', '2024-02-28', 15],
  ])('born %s, on %s: %i %s', (birth, date, age) => {
    expect(ageOn(birth, date)).toBe(age);
  });
});
