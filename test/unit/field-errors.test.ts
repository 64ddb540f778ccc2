/** Each rule a receipt can break gets its own stable code (src/domain/error-codes.ts), at its field. */
import { FIELD_ERROR_CODES } from '../../src/domain/error-codes';
import { fieldErrors } from '../../src/domain/field-errors';
import { ZReceiptInput, checkReceipt } from '../../src/domain/receipt';
import { submissionFromForm, QUESTIONNAIRE_V1 } from '../../src/domain/questionnaire';

const NOW = new Date('2026-03-10T09:00:00Z');
const adult = { lastName: 'Иванова', firstName: 'Анна', birthDate: '1980-04-01', snils: '112-233-445 95' };
const valid = { externalId: 'E-1', organization: '1024200000001', service: { kind: 'one_time', date: '2026-03-09' }, recipient: adult };

/** The field errors of a body, through the schema and then, if it passes, the dated rules. */
function errorsOf(body: unknown): { path: string; code: string }[] {
  const parsed = ZReceiptInput.safeParse(body);
  const errors = parsed.success ? (checkReceipt(parsed.data, NOW) as { errors?: { path: string; code: string }[] }).errors ?? [] : fieldErrors(parsed.error.issues, body);
  return errors.map(({ path, code }) => ({ path, code }));
}

test.each([
  ['a missing field', { ...valid, organization: undefined }, [{ path: 'organization', code: 'required' }]],
  ['an empty one', { ...valid, externalId: '  ' }, [{ path: 'externalId', code: 'required' }]],
  ['a wrong type', { ...valid, organization: 42 }, [{ path: 'organization', code: 'invalid_type' }]],
  ['null where text is required', { ...valid, organization: null }, [{ path: 'organization', code: 'invalid_type' }]],
  ['an unknown service kind', { ...valid, service: { kind: 'weekly', date: '2026-03-09' } }, [{ path: 'service.kind', code: 'invalid_value' }]],
  ['a date that does not exist', { ...valid, service: { kind: 'one_time', date: '2026-02-30' } }, [{ path: 'service.date', code: 'invalid_date' }]],
  ['a SNILS with a wrong control number', { ...valid, recipient: { ...adult, snils: '112-233-445 96' } }, [{ path: 'recipient.snils', code: 'invalid_snils' }]],
  ['a NUL in a name', { ...valid, recipient: { ...adult, lastName: 'Ива\u0000нова' } }, [{ path: 'recipient.lastName', code: 'unstorable_text' }]],
  ['an unknown field', { ...valid, recipient: { ...adult, nickname: 'x' } }, [{ path: 'recipient.nickname', code: 'unknown_field' }]],
  ['a name too long', { ...valid, recipient: { ...adult, lastName: 'И'.repeat(101) } }, [{ path: 'recipient.lastName', code: 'too_long' }]],
  ['too many representatives', { ...valid, representatives: Array.from({ length: 11 }, () => adult) }, [{ path: 'representatives', code: 'too_many' }]],
  ['a service in the future', { ...valid, service: { kind: 'one_time', date: '2026-03-11' } }, [{ path: 'service.date', code: 'future_date' }]],
  ['a birth date before 1900', { ...valid, recipient: { ...adult, birthDate: '1899-12-31' } }, [{ path: 'recipient.birthDate', code: 'too_early' }]],
  ['an end before the start', { ...valid, service: { kind: 'long', start: '2026-03-01', end: '2026-02-01' } }, [{ path: 'service.end', code: 'end_before_start' }]],
  ['a child alone', { ...valid, recipient: { ...adult, birthDate: '2015-01-01' } }, [{ path: 'representatives', code: 'representative_required' }]],
  [
    'a minor as representative',
    { ...valid, recipient: { ...adult, birthDate: '2015-01-01' }, representatives: [{ ...adult, birthDate: '2010-01-01', snils: '123-456-789 64' }] },
    [{ path: 'representatives.0.birthDate', code: 'representative_minor' }],
  ],
  ['the same SNILS twice', { ...valid, representatives: [{ ...adult, snils: '11223344595' }] }, [{ path: 'representatives.0.snils', code: 'duplicate_snils' }]],
])('%s', (_name, body, expected) => {
  expect(errorsOf(body)).toEqual(expected);
});

test('a receipt born after its service is reported at the birth date', () => {
  expect(errorsOf({ ...valid, service: { kind: 'one_time', date: '2020-01-01' }, recipient: { ...adult, birthDate: '2021-01-01' } })).toContainEqual({
    path: 'recipient.birthDate',
    code: 'after_service_date',
  });
});

test('the questionnaire form keeps the JSON codes beside its Russian messages', () => {
  const parsed = submissionFromForm(QUESTIONNAIRE_V1, { info: '7', comment: 'x'.repeat(QUESTIONNAIRE_V1.commentMaxLength + 1) });
  expect(parsed.ok).toBe(false);
  const errors = (parsed as { errors: { path: string; code: string; message: string }[] }).errors;
  expect(errors).toContainEqual(expect.objectContaining({ path: 'answers.info', code: 'out_of_range' }));
  expect(errors).toContainEqual(expect.objectContaining({ path: 'answers.process', code: 'required' }));
  expect(errors).toContainEqual(expect.objectContaining({ path: 'comment', code: 'too_long', message: expect.stringContaining('Комментарий') }));
});

test('every code a field error can carry is in the catalogue', () => {
  const codes = Object.keys(FIELD_ERROR_CODES);
  for (const body of [{}, { ...valid, service: 5, recipient: [], representatives: {} }, null, 'text']) {
    for (const { code } of errorsOf(body)) expect(codes).toContain(code);
  }
});
