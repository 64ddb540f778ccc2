import { randomUUID } from 'node:crypto';
import { makeSnils } from '../helpers/people';
import { ORG } from './app-helper';

/** A valid one-time receipt for an adult, dated today (Moscow). */
export function receiptBody(overrides: Record<string, unknown> = {}) {
  return {
    externalId: `MIS-42-${randomUUID()}`,
    organization: ORG.code,
    service: { kind: 'one_time', date: new Date(Date.now() + 3 * 3600_000).toISOString().slice(0, 10) },
    recipient: { lastName: 'Иванова', firstName: 'Анна', middleName: 'Петровна', birthDate: '1980-04-01', snils: makeSnils().formatted },
    representatives: [],
    ...overrides,
  };
}

export function representative(birthDate = '1975-06-15') {
  return { lastName: 'Петров', firstName: 'Пётр', middleName: 'Иванович', birthDate, snils: makeSnils().formatted };
}
