/**
 * A service receipt (Appendix 1 data) and every validation rule of DESIGN §3. The zod
 * schema checks shape; `checkReceipt` checks the rules that need a clock.
 */
import { z } from 'zod';
import { addDays, ageOn, isCalendarDate, moscowDate, startOfMoscowDay } from './dates';
import { codeParams, fieldError, type FieldError } from './field-errors';
import { parseSnils } from './snils';
import { ZList, ZText } from './text';

export const MAX_BATCH = 1000;
const EARLIEST_BIRTH_DATE = '1900-01-01';

export const ZCalendarDate = ZText.refine(isCalendarDate, { message: 'must be a real calendar date written YYYY-MM-DD', params: codeParams('invalid_date') });
const ZName = ZText.trim().min(1, 'is required').max(100, 'must be at most 100 characters');

export const ZPerson = z.strictObject({
  lastName: ZName,
  firstName: ZName,
  middleName: ZText.trim().max(100, 'must be at most 100 characters').nullish(),
  birthDate: ZCalendarDate,
  snils: ZText.superRefine((value, ctx) => {
    const check = parseSnils(value);
    if (!check.ok) ctx.addIssue({ code: 'custom', message: check.reason, params: codeParams('invalid_snils') });
  }),
});
export type TPerson = z.infer<typeof ZPerson>;

export const ZService = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('one_time'), date: ZCalendarDate }),
  z.strictObject({ kind: z.literal('long'), start: ZCalendarDate, end: ZCalendarDate.nullish() }),
]);

export const ZExternalId = ZText.trim().min(1, 'is required').max(100, 'must be at most 100 characters');

export const ZReceiptInput = z.strictObject({
  externalId: ZExternalId,
  organization: ZText.trim().min(1, 'is required').max(64, 'must be at most 64 characters'),
  service: ZService,
  recipient: ZPerson,
  representatives: ZList(ZPerson).max(10, 'at most 10 representatives').default([]),
});
export type TReceiptInput = z.infer<typeof ZReceiptInput>;

export type { FieldError };

export interface CheckedReceipt {
  serviceDate: string;
  serviceEnd: string | null;
  minor: boolean;
  late: boolean;
  /** Bare SNILS, recipient first, then representatives in order. */
  snils: { role: 'recipient' | 'representative'; snils: string }[];
}

/** The rules of DESIGN §3 that depend on "now" (Moscow calendar). */
export function checkReceipt(input: TReceiptInput, now: Date): { ok: true; value: CheckedReceipt } | { ok: false; errors: FieldError[] } {
  const today = moscowDate(now);
  const errors: FieldError[] = [];
  const serviceDate = input.service.kind === 'one_time' ? input.service.date : input.service.start;
  const servicePath = input.service.kind === 'one_time' ? 'service.date' : 'service.start';
  const serviceEnd = input.service.kind === 'long' ? (input.service.end ?? null) : null;

  if (serviceDate > today) errors.push(fieldError(servicePath, 'future_date', 'must not be in the future'));
  if (serviceEnd !== null && serviceEnd < serviceDate) {
    errors.push(fieldError('service.end', 'end_before_start', 'must not be before the start of the service'));
  }
  const people: [string, TPerson][] = [
    ['recipient', input.recipient],
    ...input.representatives.map((p, i): [string, TPerson] => [`representatives.${i}`, p]),
  ];
  for (const [path, person] of people) {
    if (person.birthDate > today) errors.push(fieldError(`${path}.birthDate`, 'future_date', 'must not be in the future'));
    else if (person.birthDate < EARLIEST_BIRTH_DATE) {
      errors.push(fieldError(`${path}.birthDate`, 'too_early', `must not be before ${EARLIEST_BIRTH_DATE}`));
    }
  }
  if (input.recipient.birthDate > serviceDate && input.recipient.birthDate <= today) {
    errors.push(fieldError('recipient.birthDate', 'after_service_date', 'must not be after the service date'));
  }
  const minor = ageOn(input.recipient.birthDate, serviceDate) < 18;
  if (minor && input.representatives.length === 0 && input.recipient.birthDate <= serviceDate) {
    errors.push(fieldError('representatives', 'representative_required', 'a recipient under 18 on the service date needs a legal representative'));
  }
  input.representatives.forEach((rep, i) => {
    if (rep.birthDate <= today && ageOn(rep.birthDate, serviceDate) < 18) {
      errors.push(fieldError(`representatives.${i}.birthDate`, 'representative_minor', 'a legal representative must be an adult'));
    }
  });
  const snils = people.map(([path, p]) => ({
    role: path === 'recipient' ? ('recipient' as const) : ('representative' as const),
    snils: (parseSnils(p.snils) as { snils: string }).snils,
  }));
  const seen = new Map<string, number>();
  snils.forEach((s, i) => {
    const first = seen.get(s.snils);
    if (first !== undefined) errors.push(fieldError(`${people[i][0]}.snils`, 'duplicate_snils', `repeats the SNILS of ${people[first][0]}`));
    else seen.set(s.snils, i);
  });
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: { serviceDate, serviceEnd, minor, late: isLate(serviceDate, now), snils } };
}

/** Receipts are due within 1 day of the service (II.4): by the end of the next Moscow day. */
export function isLate(serviceDate: string, receivedAt: Date): boolean {
  return receivedAt.getTime() >= startOfMoscowDay(addDays(serviceDate, 2));
}

/**
 * A stable serialisation of a receipt for idempotency: sorted keys, SNILS in bare form,
 * absent and null optional fields alike.
 */
export function canonicalReceipt(input: TReceiptInput): string {
  const norm = (p: TPerson) => ({ ...p, middleName: p.middleName ?? null, snils: parseSnils(p.snils).ok ? (parseSnils(p.snils) as { snils: string }).snils : p.snils });
  const service = input.service.kind === 'long' ? { ...input.service, end: input.service.end ?? null } : input.service;
  return stableStringify({ ...input, service, recipient: norm(input.recipient), representatives: input.representatives.map(norm) });
}

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
