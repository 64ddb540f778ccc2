/**
 * Reporting periods (DESIGN §6): calendar quarters in Moscow time, written `2026-Q1`.
 * A quarter starts at 00:00 Moscow on its first day (inclusive) and ends at 00:00 Moscow
 * on the first day of the next quarter (exclusive); Moscow is UTC+3 all year, so 2026-Q2
 * starts at 2026-03-31T21:00:00Z. Pure: safe in workflow code.
 */
import { MOSCOW_OFFSET_MS, moscowDate } from './dates';

/** A quarter, `YYYY-Qn`. */
export type Period = string;

export interface PeriodParts {
  year: number;
  quarter: 1 | 2 | 3 | 4;
}

/** The longest list `periodsBetween` returns: ten years of quarters. */
export const MAX_PERIODS_BETWEEN = 40;

/** Four-digit years without a leading zero: Date.UTC would read years 0–99 as 1900–1999. */
export const PERIOD = /^([1-9]\d{3})-Q([1-4])$/;
const MIN_INDEX = 1000 * 4;
const MAX_INDEX = 9999 * 4 + 3;


export function isPeriod(value: string): boolean {
  return PERIOD.test(value);
}

/** Splits `2026-Q1` into { year: 2026, quarter: 1 }; throws a RangeError on anything else. */
export function parsePeriod(value: string): PeriodParts {
  const m = PERIOD.exec(value);
  if (!m) throw new RangeError(`not a quarter like 2026-Q1: ${JSON.stringify(value)}`);
  return { year: Number(m[1]), quarter: Number(m[2]) as PeriodParts['quarter'] };
}

export function formatPeriod({ year, quarter }: PeriodParts): Period {
  return fromIndex(year * 4 + quarter - 1);
}

/** The instants the quarter covers: [start, end). */
export function periodBounds(period: Period): { start: Date; end: Date } {
  const index = toIndex(period);
  return { start: new Date(firstInstant(index)), end: new Date(firstInstant(index + 1)) };
}

/** The quarter a (Moscow-time) instant falls in. */
export function periodOf(instant: Date | number): Period {
  const ms = typeof instant === 'number' ? instant : instant.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('periodOf needs a valid instant');
  const [year, month] = moscowDate(ms).split('-').map(Number);
  return fromIndex(year * 4 + Math.floor((month - 1) / 3));
}

/** The quarter `quarters` later (earlier when negative). */
export function shiftPeriod(period: Period, quarters: number): Period {
  if (!Number.isInteger(quarters)) throw new RangeError('a period shifts by whole quarters');
  return fromIndex(toIndex(period) + quarters);
}

export function previousPeriod(period: Period): Period {
  return shiftPeriod(period, -1);
}

export function nextPeriod(period: Period): Period {
  return shiftPeriod(period, 1);
}

/** The same quarter a year earlier: the base of the annual growth target. */
export function yearAgoPeriod(period: Period): Period {
  return shiftPeriod(period, -4);
}

/** How many quarters `to` lies after `from` (negative when before). */
export function periodDistance(from: Period, to: Period): number {
  return toIndex(to) - toIndex(from);
}

/**
 * Every quarter from `from` to `to`, both included, oldest first. Throws a RangeError when
 * `to` is before `from` or the list would be longer than MAX_PERIODS_BETWEEN.
 */
export function periodsBetween(from: Period, to: Period): Period[] {
  const first = toIndex(from);
  const count = toIndex(to) - first + 1;
  if (count < 1) throw new RangeError(`${to} is before ${from}`);
  if (count > MAX_PERIODS_BETWEEN) {
    throw new RangeError(`${from}..${to} spans ${count} quarters; at most ${MAX_PERIODS_BETWEEN} are allowed`);
  }
  return Array.from({ length: count }, (_, i) => fromIndex(first + i));
}

/** The quarter in progress at `now`: its indicators are a cumulative total to date. */
export function currentPeriod(now: Date | number): Period {
  return periodOf(now);
}

/** The quarter that has just ended at `now`: the one the scoring workflow makes final. */
export function lastFinishedPeriod(now: Date | number): Period {
  return previousPeriod(periodOf(now));
}

/** Chronological order, for `sort`: negative, zero or positive. */
export function comparePeriods(a: Period, b: Period): number {
  return Math.sign(toIndex(a) - toIndex(b));
}

/** Quarters since year 0: year × 4 + (quarter − 1). */
function toIndex(period: Period): number {
  const { year, quarter } = parsePeriod(period);
  return year * 4 + quarter - 1;
}

function fromIndex(index: number): Period {
  if (!(index >= MIN_INDEX && index <= MAX_INDEX)) throw new RangeError('periods run from 1000-Q1 to 9999-Q4');
  return `${Math.floor(index / 4)}-Q${(index % 4) + 1}`;
}

/** 00:00 Moscow on the first day of the quarter with this index. */
function firstInstant(index: number): number {
  return Date.UTC(Math.floor(index / 4), (index % 4) * 3, 1) - MOSCOW_OFFSET_MS;
}
