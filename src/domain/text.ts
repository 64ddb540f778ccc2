/**
 * Text that PostgreSQL can store. A UTF-8 database holds any Unicode scalar value except
 * U+0000 (it refuses NUL with error 22021); a JavaScript string can also hold UTF-16
 * surrogates without their pair, which have no UTF-8 form (the driver would store U+FFFD
 * in their place). Request bodies are decoded by `decodeUtf8`, which turns bytes that are
 * not UTF-8 into such lone surrogates, so this one rule also catches invalid UTF-8 at the
 * field it was sent in. Every string a request brings in is a `ZText`.
 */
import { z } from 'zod';

// eslint-disable-next-line no-control-regex -- U+0000 is what this looks for
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');

/** The message of a field that holds such characters (it never repeats the value). */
export const UNSTORABLE_TEXT_MESSAGE = 'must not contain NUL characters, unpaired surrogates or bytes that are not UTF-8';
const REASON = 'unstorable_text';

export function isStorableText(value: string): boolean {
  return !UNSTORABLE.test(value);
}

/** The text with each of those characters replaced (to carry them through a parser that would lose them). */
export function replaceUnstorable(value: string, by: string): string {
  return value.replace(UNSTORABLE_ALL, by);
}

/** The text with those characters left out (to show a citizen their own comment again). */
export function withoutUnstorable(value: string): string {
  return value.replace(UNSTORABLE_ALL, '');
}

/**
 * zod runs its length checks (`.min`, `.max`, `.length`) even on a value of the wrong type
 * when it has a `length` property, and throws on `{"length": [{"toString": 1}]}` (found by
 * test/api/fuzz.test.ts: a 500). Placed first, this marks such a payload aborted, so the
 * type error is the only issue and no later check runs.
 */
function typeGuard(isType: (value: unknown) => boolean) {
  return z.core._check((payload) => {
    if (!isType(payload.value)) payload.aborted = true;
  }, { when: () => true });
}
const isString = (value: unknown) => typeof value === 'string';

/** A string a request brings in; chain the field's own rules after it (`ZText.trim().max(100)`). */
export const ZText = z
  .string()
  .check(typeGuard(isString))
  .refine(isStorableText, { message: UNSTORABLE_TEXT_MESSAGE, abort: true, params: { reason: REASON, code: 'unstorable_text' } });

/** A list a request brings in; chain its length limits after it (`ZList(ZPerson).max(10)`). */
export function ZList<T extends z.ZodType>(item: T) {
  return z.array(item).check(typeGuard(Array.isArray));
}

/** Whether a zod issue is the one `ZText` raises. */
export function isUnstorableTextIssue(issue: { code: string; params?: unknown }): boolean {
  return issue.code === 'custom' && (issue.params as { reason?: unknown } | undefined)?.reason === REASON;
}

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes UTF-8, keeping every byte that is not part of a well-formed sequence as the lone
 * surrogate U+DC80–U+DCFF (Python's "surrogateescape"), where validation finds it.
 */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return strict.decode(bytes);
  } catch {
    return decodeEscaping(bytes);
  }
}

function decodeEscaping(bytes: Uint8Array): string {
  const units: number[] = [];
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const length = sequenceLength(bytes, i);
    if (length === 0) {
      units.push(0xdc00 + bytes[i]);
      i += 1;
    } else {
      const cp = codePoint(bytes, i, length);
      if (cp > 0xffff) units.push(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
      else units.push(cp);
      i += length;
    }
    if (units.length >= 4096) {
      out += String.fromCharCode(...units);
      units.length = 0;
    }
  }
  return out + String.fromCharCode(...units);
}

/** Length of the well-formed sequence at `i` (Unicode Table 3-7), or 0 if there is none. */
function sequenceLength(b: Uint8Array, i: number): number {
  const lead = b[i];
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < b.length && b[i + k] >= lo && b[i + k] <= hi;
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return cont(1) ? 2 : 0;
  if (lead >= 0xe0 && lead <= 0xef) {
    const [lo, hi] = lead === 0xe0 ? [0xa0, 0xbf] : lead === 0xed ? [0x80, 0x9f] : [0x80, 0xbf];
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (lead >= 0xf0 && lead <= 0xf4) {
    const [lo, hi] = lead === 0xf0 ? [0x90, 0xbf] : lead === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

function codePoint(b: Uint8Array, i: number, length: number): number {
  if (length === 1) return b[i];
  let cp = b[i] & (0xff >> (length + 1));
  for (let k = 1; k < length; k++) cp = (cp << 6) | (b[i + k] & 0x3f);
  return cp;
}
