/**
 * SNILS (страховой номер индивидуального лицевого счёта): 11 digits, written
 * `XXX-XXX-XXX YY` or bare. The last two digits are a control number over the first nine.
 */
const FORMATTED = /^(\d{3})-(\d{3})-(\d{3})[ -](\d{2})$/;
const BARE = /^\d{11}$/;
/** Numbers up to 001-001-998 were issued without a control number. */
const LAST_UNCHECKED = 1_001_998;

export type SnilsCheck = { ok: true; snils: string } | { ok: false; reason: string };

/** Accepts either written form and returns the bare 11 digits, or why it is not a SNILS. */
export function parseSnils(input: string): SnilsCheck {
  const trimmed = input.trim();
  const formatted = FORMATTED.exec(trimmed);
  const digits = formatted ? formatted.slice(1).join('') : BARE.test(trimmed) ? trimmed : null;
  if (!digits) return { ok: false, reason: 'SNILS must be 11 digits, written XXX-XXX-XXX YY or without separators' };
  const number = Number(digits.slice(0, 9));
  if (number <= LAST_UNCHECKED) return { ok: true, snils: digits };
  if (snilsControl(digits.slice(0, 9)) !== digits.slice(9)) {
    return { ok: false, reason: 'SNILS control number does not match' };
  }
  return { ok: true, snils: digits };
}

/** The control number of the first nine digits, as two digits. */
export function snilsControl(nine: string): string {
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(nine[i]) * (9 - i);
  let control: number;
  if (sum < 100) control = sum;
  else if (sum === 100 || sum === 101) control = 0;
  else control = sum % 101 === 100 ? 0 : sum % 101;
  return String(control).padStart(2, '0');
}
