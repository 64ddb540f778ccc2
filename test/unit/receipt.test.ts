/** The receipt rules of DESIGN §3 that need a clock, timeliness (II.4) and the idempotency form. */
import { ZReceiptInput, canonicalReceipt, checkReceipt, isLate, type TReceiptInput } from '../../src/domain/receipt';

/** 4 March 2026, 12:00 Moscow. */
const NOW = new Date('2026-03-04T09:00:00.000Z');

const ADULT = { lastName: 'Иванова', firstName: 'Анна', middleName: 'Петровна', birthDate: '1980-04-01', snils: '112-233-445 95' };
const PARENT = { lastName: 'Петров', firstName: 'Пётр', middleName: 'Иванович', birthDate: '1975-06-15', snils: '123-456-789 64' };
const OTHER_PARENT = { lastName: 'Петрова', firstName: 'Ольга', birthDate: '1978-01-20', snils: '920-000-005 01' };

function receipt(overrides: Record<string, unknown> = {}): TReceiptInput {
  return ZReceiptInput.parse({
    externalId: 'MIS-42-1',
    organization: '1024200000001',
    service: { kind: 'one_time', date: '2026-03-03' },
    recipient: ADULT,
    ...overrides,
  });
}
const person = (overrides: Record<string, unknown>) => ({ ...ADULT, ...overrides });
const oneTime = (date: string) => ({ service: { kind: 'one_time', date } });
const long = (start: string, end?: string | null) => ({ service: { kind: 'long', start, ...(end === undefined ? {} : { end }) } });

function errorPaths(input: TReceiptInput, now = NOW): string[] {
  const result = checkReceipt(input, now);
  return result.ok ? [] : result.errors.map((e) => e.path);
}

describe('isLate: due by the end of the Moscow day after the service', () => {
  test.each([
    ['2026-03-02', '2026-03-01T21:00:00.000Z', false, 'the service day starts (Moscow)'],
    ['2026-03-02', '2026-03-02T09:00:00.000Z', false, 'the same day'],
    ['2026-03-02', '2026-03-03T20:59:59.999Z', false, 'the last millisecond of the next Moscow day'],
    ['2026-03-02', '2026-03-03T21:00:00.000Z', true, 'the next Moscow day is over'],
    ['2026-03-02', '2026-03-04T09:00:00.000Z', true, 'two days later'],
    ['2025-12-31', '2026-01-01T20:59:59.999Z', false, 'across the year end, in time'],
    ['2025-12-31', '2026-01-01T21:00:00.000Z', true, 'across the year end, late'],
    ['2024-02-28', '2024-02-29T20:59:59.999Z', false, 'the next day is 29 Feb'],
    ['2024-02-28', '2024-02-29T21:00:00.000Z', true, 'after 29 Feb'],
  ])('service %s, received %s → late %s (%s)', (serviceDate, receivedAt, late) => {
    expect(isLate(serviceDate, new Date(receivedAt))).toBe(late);
  });

  test.each([
    [oneTime('2026-03-03'), false],
    [oneTime('2026-03-02'), true],
    [long('2026-03-03'), false],
    [long('2026-03-02', '2026-03-03'), true],
  ])('checkReceipt flags %j at 4 Mar 12:00 MSK: late %s (a long service by its start)', (service, late) => {
    const result = checkReceipt(receipt(service), NOW);
    expect(result).toMatchObject({ ok: true, value: { late } });
  });
});

describe('a minor on the service date needs a legal representative', () => {
  test.each<[string, Record<string, unknown>, string, boolean, string]>([
    ['one_time', oneTime('2026-03-01'), '2008-03-02', true, '17 years 364 days'],
    ['one_time', oneTime('2026-03-02'), '2008-03-02', false, 'the 18th birthday'],
    ['one_time', oneTime('2026-03-02'), '2008-03-01', false, '18 years and a day'],
    ['one_time', oneTime('2026-03-02'), '2026-03-02', true, 'a newborn'],
    // The recipient is 18 today, but the long service started the day before the birthday.
    ['long', long('2026-03-01'), '2008-03-02', true, 'the start of a long service counts'],
    ['long', long('2026-03-02', null), '2008-03-02', false, 'a long service started on the 18th birthday'],
    // ... and the end of a long service does not: it started before the birthday.
    ['long', long('2026-03-01', '2026-03-04'), '2008-03-02', true, 'an end after the birthday changes nothing'],
  ])('%s service %j, born %s: minor %s (%s)', (_kind, service, birthDate, minor) => {
    const alone = receipt({ ...service, recipient: person({ birthDate }) });
    expect(errorPaths(alone)).toEqual(minor ? ['representatives'] : []);
    const withParent = receipt({ ...service, recipient: person({ birthDate }), representatives: [PARENT] });
    expect(checkReceipt(withParent, NOW)).toMatchObject({ ok: true, value: { minor } });
  });

  test('the checked receipt lists every SNILS, bare, recipient first', () => {
    const input = receipt({ ...oneTime('2026-03-01'), recipient: person({ birthDate: '2015-05-05' }), representatives: [PARENT, OTHER_PARENT] });
    expect(checkReceipt(input, NOW)).toEqual({
      ok: true,
      value: {
        serviceDate: '2026-03-01',
        serviceEnd: null,
        minor: true,
        late: true,
        snils: [
          { role: 'recipient', snils: '11223344595' },
          { role: 'representative', snils: '12345678964' },
          { role: 'representative', snils: '92000000501' },
        ],
      },
    });
  });

  test.each([
    ['2008-03-03', ['representatives.0.birthDate'], '17 on the service date'],
    ['2008-03-02', [], '18 on the service date'],
    ['2015-01-01', ['representatives.0.birthDate'], 'a child'],
  ])('a representative born %s → %j (%s)', (birthDate, paths) => {
    const input = receipt({ ...oneTime('2026-03-02'), recipient: person({ birthDate: '2015-05-05' }), representatives: [person({ ...PARENT, birthDate })] });
    expect(errorPaths(input)).toEqual(paths);
  });

  test('the path names the representative who is not an adult', () => {
    const input = receipt({ recipient: person({ birthDate: '2015-05-05' }), representatives: [PARENT, { ...OTHER_PARENT, birthDate: '2010-01-01' }] });
    expect(errorPaths(input)).toEqual(['representatives.1.birthDate']);
  });
});

describe('the same person twice', () => {
  test.each([
    ['a representative with the recipient\'s SNILS', ADULT, [{ ...PARENT, snils: '11223344595' }], ['representatives.0.snils']],
    ['two representatives with one SNILS', person({ birthDate: '2015-05-05' }), [PARENT, { ...OTHER_PARENT, snils: '12345678964' }], ['representatives.1.snils']],
    ['distinct people', person({ birthDate: '2015-05-05' }), [PARENT, OTHER_PARENT], []],
  ])('%s', (_name, recipient, representatives, paths) => {
    expect(errorPaths(receipt({ recipient, representatives }))).toEqual(paths);
  });

  test('the message names the other role, not the number', () => {
    const result = checkReceipt(receipt({ representatives: [{ ...PARENT, snils: ADULT.snils }] }), NOW);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors[0].message).toMatch(/recipient/);
      expect(result.errors[0].message).not.toMatch(/\d{3}/);
    }
  });
});

describe('dates against the Moscow calendar', () => {
  test.each([
    ['birth date tomorrow', ['recipient.birthDate'], { recipient: person({ birthDate: '2026-03-05' }) }],
    ['birth date far ahead', ['recipient.birthDate'], { recipient: person({ birthDate: '2099-01-01' }) }],
    ['birth date today', [], { ...oneTime('2026-03-04'), recipient: person({ birthDate: '2026-03-04' }), representatives: [PARENT] }],
    ['birth date before 1900', ['recipient.birthDate'], { recipient: person({ birthDate: '1899-12-31' }) }],
    ['birth date 1 Jan 1900', [], { recipient: person({ birthDate: '1900-01-01' }) }],
    ['born after the service', ['recipient.birthDate'], { ...oneTime('2026-03-02'), recipient: person({ birthDate: '2026-03-03' }) }],
    ['a representative born in the future', ['representatives.0.birthDate'], { recipient: person({ birthDate: '2015-05-05' }), representatives: [{ ...PARENT, birthDate: '2027-01-01' }] }],
    ['a representative born before 1900', ['representatives.0.birthDate'], { representatives: [{ ...PARENT, birthDate: '1800-01-01' }] }],
    ['service tomorrow', ['service.date'], oneTime('2026-03-05')],
    ['service today', [], oneTime('2026-03-04')],
    ['a long service starting tomorrow', ['service.start'], long('2026-03-05')],
    ['a long service ending before its start', ['service.end'], long('2026-02-01', '2026-01-31')],
    ['a long service ending on its start', [], long('2026-02-01', '2026-02-01')],
    ['a long service ending in the future', [], long('2026-02-01', '2026-12-31')],
    ['several problems at once', ['service.start', 'service.end', 'recipient.birthDate'], { ...long('2026-03-05', '2026-03-01'), recipient: person({ birthDate: '1850-01-01' }) }],
  ])('%s → %j', (_name, paths, overrides) => {
    expect(errorPaths(receipt(overrides as Record<string, unknown>))).toEqual(paths);
  });

  test('"today" is the Moscow date: at 21:30 UTC the next day has begun', () => {
    const lateEvening = new Date('2026-03-04T21:30:00.000Z');
    expect(errorPaths(receipt(oneTime('2026-03-05')), lateEvening)).toEqual([]);
    expect(errorPaths(receipt(oneTime('2026-03-06')), lateEvening)).toEqual(['service.date']);
    expect(errorPaths(receipt(oneTime('2026-03-05')), new Date('2026-03-04T20:59:59.999Z'))).toEqual(['service.date']);
  });
});

describe('canonicalReceipt: one receipt, one form', () => {
  const base = {
    externalId: 'MIS-42-1',
    organization: '1024200000001',
    service: { kind: 'one_time', date: '2026-03-03' },
    recipient: ADULT,
    representatives: [PARENT],
  };
  const canon = (body: unknown) => canonicalReceipt(ZReceiptInput.parse(body));

  test.each([
    ['SNILS written bare', { ...base, recipient: { ...ADULT, snils: '11223344595' }, representatives: [{ ...PARENT, snils: '12345678964' }] }],
    ['keys in another order', { representatives: [PARENT], recipient: { snils: ADULT.snils, birthDate: ADULT.birthDate, middleName: ADULT.middleName, firstName: ADULT.firstName, lastName: ADULT.lastName }, service: { date: '2026-03-03', kind: 'one_time' }, organization: base.organization, externalId: base.externalId }],
    ['names with surrounding spaces', { ...base, recipient: { ...ADULT, lastName: ' Иванова ' } }],
  ])('the same as the original: %s', (_name, body) => {
    expect(canon(body)).toBe(canon(base));
  });

  test('an absent middle name is a null one; an absent end is a null one; no representatives is []', () => {
    const { middleName: _m, ...noMiddle } = ADULT;
    const { representatives: _r, ...noReps } = base;
    expect(canon({ ...noReps, recipient: noMiddle })).toBe(canon({ ...noReps, recipient: { ...ADULT, middleName: null }, representatives: [] }));
    expect(canon({ ...base, service: { kind: 'long', start: '2026-03-01' } })).toBe(canon({ ...base, service: { kind: 'long', start: '2026-03-01', end: null } }));
  });

  test.each([
    ['another service date', { ...base, service: { kind: 'one_time', date: '2026-03-02' } }],
    ['a long service instead', { ...base, service: { kind: 'long', start: '2026-03-03' } }],
    ['an end reported', { ...base, service: { kind: 'long', start: '2026-03-01', end: '2026-03-02' } }],
    ['another organisation', { ...base, organization: '1024200000002' }],
    ['another recipient', { ...base, recipient: { ...ADULT, snils: '920-000-005 01' } }],
    ['another middle name', { ...base, recipient: { ...ADULT, middleName: 'Павловна' } }],
    ['another birth date', { ...base, recipient: { ...ADULT, birthDate: '1980-04-02' } }],
    ['no representative', { ...base, representatives: [] }],
  ])('differs: %s', (_name, body) => {
    expect(canon(body)).not.toBe(canon(base));
  });

  test('the SNILS appears only in its bare form', () => {
    expect(canon(base)).toContain('11223344595');
    expect(canon(base)).not.toContain('112-233-445 95');
  });
});
