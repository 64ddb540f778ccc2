/**
 * Calendar dates and Moscow time. Moscow has kept UTC+3 all year since 2014, so a fixed
 * offset is exact for every date this system handles. Pure: safe in workflow code.
 */
export const MOSCOW_OFFSET_MS = 3 * 60 * 60 * 1000;
export const DAY_MS = 24 * 60 * 60 * 1000;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar date written YYYY-MM-DD (2026-02-30 is not one). */
export function isCalendarDate(value: string): boolean {
  const m = ISO_DATE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** The Moscow calendar date of an instant, as YYYY-MM-DD. */
export function moscowDate(instant: Date | number): string {
  return new Date(toMs(instant) + MOSCOW_OFFSET_MS).toISOString().slice(0, 10);
}

/** The instant a Moscow calendar day starts. */
export function startOfMoscowDay(date: string): number {
  return Date.parse(`${date}T00:00:00.000Z`) - MOSCOW_OFFSET_MS;
}

/** The instant a Moscow calendar day ends (the start of the next day). */
export function endOfMoscowDay(date: string): number {
  return startOfMoscowDay(date) + DAY_MS;
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00.000Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/**
 * The same wall-clock moment `months` calendar months later in Moscow time, clamped to the
 * last day of a shorter month (31 January + 1 month = 28 or 29 February).
 */
export function addMoscowMonths(instant: Date | number, months: number): number {
  const wall = new Date(toMs(instant) + MOSCOW_OFFSET_MS);
  const y = wall.getUTCFullYear();
  const m = wall.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  const shifted = Date.UTC(
    y, m, Math.min(wall.getUTCDate(), lastDay),
    wall.getUTCHours(), wall.getUTCMinutes(), wall.getUTCSeconds(), wall.getUTCMilliseconds(),
  );
  return shifted - MOSCOW_OFFSET_MS;
}

/** Full years of age on a date (both YYYY-MM-DD). */
export function ageOn(birthDate: string, date: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number);
  const [y, m, d] = date.split('-').map(Number);
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

function toMs(instant: Date | number): number {
  return typeof instant === 'number' ? instant : instant.getTime();
}
