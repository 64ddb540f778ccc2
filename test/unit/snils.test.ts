/**
 * SNILS (DESIGN §3): both written forms, format errors, and the control number. Every
 * example is built by hand: the table states the weighted sum (weights 9..1 over the first
 * nine digits), and a first test re-adds it, so the expectations do not come from the code
 * under test.
 */
import { parseSnils, snilsControl } from '../../src/domain/snils';

const formatted = (eleven: string) => `${eleven.slice(0, 3)}-${eleven.slice(3, 6)}-${eleven.slice(6, 9)} ${eleven.slice(9)}`;

/** [first nine digits, weighted sum worked out by hand, control number, rule] */
const CONTROL_CASES: [string, number, string, string][] = [
  ['112233445', 95, '95', 'sum < 100: the sum itself'],
  ['100000000', 9, '09', 'sum < 10: padded to two digits'],
  ['920000002', 99, '99', 'sum 99: the largest plain sum'],
  ['920000003', 100, '00', 'sum 100 → 00'],
  ['920000020', 101, '00', 'sum 101 → 00'],
  ['920000005', 102, '01', 'sum 102 → 102 mod 101 = 1'],
  ['123456789', 165, '64', 'sum 165 → 165 mod 101 = 64'],
  ['990090003', 201, '00', 'sum 201 → mod 101 = 100 → 00'],
  ['990090004', 202, '00', 'sum 202 → mod 101 = 0'],
  ['997090003', 250, '48', 'sum 250 → mod 101 = 48'],
  ['999900905', 302, '00', 'sum 302 → mod 101 = 100 → 00'],
  ['999999999', 405, '01', 'the largest sum, 405 → mod 101 = 1'],
  ['001001999', 65, '65', 'the first number that carries a checksum'],
];

describe('the hand-made examples', () => {
  test.each(CONTROL_CASES)('%s: weights 9..1 add up to %i', (nine, sum) => {
    const weighted = [...nine].reduce((acc, digit, i) => acc + Number(digit) * (9 - i), 0);
    expect(weighted).toBe(sum);
  });
});

describe('control number', () => {
  test.each(CONTROL_CASES)('%s (sum %i) → %s: %s', (nine, _sum, control) => {
    expect(snilsControl(nine)).toBe(control);
    expect(parseSnils(nine + control)).toEqual({ ok: true, snils: nine + control });
    expect(parseSnils(formatted(nine + control))).toEqual({ ok: true, snils: nine + control });
  });

  test.each(CONTROL_CASES)('%s with any other control number is rejected', (nine, _sum, control) => {
    const wrong = String((Number(control) + 1) % 100).padStart(2, '0');
    expect(parseSnils(nine + wrong)).toEqual({ ok: false, reason: expect.stringMatching(/control number/) });
    expect(parseSnils(formatted(nine + wrong))).toEqual({ ok: false, reason: expect.stringMatching(/control number/) });
  });

  test.each([
    ['112-233-445 96'],
    ['11223344594'],
    ['920-000-003 01'],
    ['920-000-020 01'],
    ['990-090-003 99'],
  ])('%s: a wrong control number is rejected', (input) => {
    expect(parseSnils(input).ok).toBe(false);
  });
});

describe('numbers up to 001-001-998 carry no checksum', () => {
  test.each([
    ['000-000-001 23', '00000000123'],
    ['001-001-998 00', '00100199800'],
    ['001-001-998 42', '00100199842'],
    ['00100199899', '00100199899'],
    ['000-999-999 17', '00099999917'],
  ])('%s is accepted whatever its last two digits', (input, bare) => {
    expect(parseSnils(input)).toEqual({ ok: true, snils: bare });
  });

  test.each([['001-001-999 00'], ['001-001-999 64'], ['00100199966']])('%s: from 001-001-999 on the control number is checked', (input) => {
    expect(parseSnils(input)).toEqual({ ok: false, reason: expect.stringMatching(/control number/) });
  });
});

describe('written forms', () => {
  test.each([
    ['112-233-445 95', '11223344595'],
    ['11223344595', '11223344595'],
    ['123-456-789 64', '12345678964'],
    ['12345678964', '12345678964'],
  ])('%s → %s', (input, bare) => {
    expect(parseSnils(input)).toEqual({ ok: true, snils: bare });
  });

  test.each([
    ['', 'empty'],
    ['1122334459', '10 digits'],
    ['112233445951', '12 digits'],
    ['112-233-445 9', 'control of one digit'],
    ['112-233-445 955', 'control of three digits'],
    ['112-233-44 95', 'a short group'],
    ['1122-233-445 95', 'a long group'],
    ['112 233 445 95', 'spaces instead of hyphens'],
    ['112-233-445  95', 'two spaces before the control number'],
    ['112233445 95', 'groups not separated'],
    ['112-233445 95', 'a missing hyphen'],
    ['112-233-445_95', 'an underscore'],
    ['112-233-445 9O', 'a letter O for a zero'],
    ['abc-def-ghi jk', 'letters'],
    ['1122334459a', 'a letter in the bare form'],
    ['１１２２３３４４５９５', 'full-width digits'],
    ['+1122334459', 'a sign'],
  ])('%s is not a SNILS (%s)', (input) => {
    expect(parseSnils(input)).toEqual({ ok: false, reason: expect.stringMatching(/11 digits/) });
  });

  test('the reason never repeats the number', () => {
    for (const input of ['112-233-445 96', '112 233 445 95', '001-001-999 00']) {
      const check = parseSnils(input);
      expect(check.ok).toBe(false);
      if (!check.ok) {
        expect(check.reason).not.toContain(input);
        expect(check.reason).not.toContain(input.replace(/\D/g, ''));
      }
    }
  });
});
