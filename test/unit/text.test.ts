/**
 * Text PostgreSQL can store (src/domain/text.ts): NUL and unpaired surrogates are refused,
 * everything else a UTF-8 database holds is accepted; bytes that are not UTF-8 decode to
 * lone surrogates, so the same rule refuses them at their field. Byte sequences are the
 * examples of Unicode §3.9 (Table 3-7) and the W3C/Kuhn UTF-8 decoder tests, written by hand.
 */
import * as fc from 'fast-check';
import { z } from 'zod';
import { UNSTORABLE_TEXT_MESSAGE, ZList, ZText, decodeUtf8, isStorableText, isUnstorableTextIssue, withoutUnstorable } from '../../src/domain/text';

/** Any code point, often a NUL or a surrogate half on its own. */
const ANY_UNIT = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  fc.constantFrom('\u0000', '\ud800', '\udbff', '\udc00', '\udfff'),
  fc.integer({ min: 0xd800, max: 0xdfff }).map((u) => String.fromCharCode(u)),
);

/** [case, text, storable] */
const TEXT_CASES: [string, string, boolean][] = [
  ['empty', '', true],
  ['ASCII', 'MIS-42-000123', true],
  ['Cyrillic', 'Иванова Анна Петровна', true],
  ['a pair of surrogates (emoji)', 'спасибо 👍', true],
  ['a character beyond the BMP alone', '\u{10FFFF}', true],
  ['other control characters', '\u0001\u0007\t\n\r\u001f\u007f', true],
  ['the replacement character', '\ufffd', true],
  ['noncharacters', '\ufffe\uffff\ufdd0', true],
  ['a byte order mark', '\ufeffтекст', true],
  ['NUL alone', '\u0000', false],
  ['NUL inside', 'MIS\u0000-1', false],
  ['NUL at the end', 'комментарий\u0000', false],
  ['a lone high surrogate', 'a\ud800b', false],
  ['a lone high surrogate at the end', 'ab\udbff', false],
  ['a lone low surrogate', 'a\udc00b', false],
  ['a lone low surrogate at the start', '\udfffab', false],
  ['low before high (reversed pair)', '\udc00\ud800', false],
  ['two high surrogates, then a low', '\ud800\ud800\udc00', false],
  ['a pair, then a lone low', '\ud83d\udc4d\udc4d', false],
  ['an escaped invalid byte', 'x\udcff', false],
];

describe('isStorableText', () => {
  test.each(TEXT_CASES)('%s → %s', (_name, text, storable) => {
    expect(isStorableText(text)).toBe(storable);
    // stable across calls (no regex state carried over)
    expect(isStorableText(text)).toBe(storable);
  });

  test.each(TEXT_CASES)('withoutUnstorable(%s) is storable and keeps a storable text as it is', (_name, text, storable) => {
    const cleaned = withoutUnstorable(text);
    expect(isStorableText(cleaned)).toBe(true);
    if (storable) expect(cleaned).toBe(text);
  });

  test('withoutUnstorable leaves out exactly the refused characters', () => {
    expect(withoutUnstorable('a\u0000b\ud800c\udc00d👍')).toBe('abcd👍');
  });

  test('agrees with a strict UTF-8 round trip for any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: ANY_UNIT, maxLength: 40 }), (text) => {
        const roundTrips = Buffer.from(text, 'utf8').toString('utf8') === text;
        expect(isStorableText(text)).toBe(roundTrips && !text.includes('\u0000'));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('ZText', () => {
  test('a refused text gets one issue, the same message whatever the value, and no later rule runs', () => {
    const schema = ZText.trim().min(1).max(3);
    const result = schema.safeParse('\u0000\u0000 long value');
    expect(result.success).toBe(false);
    expect(result.error!.issues).toHaveLength(1);
    expect(result.error!.issues[0].message).toBe(UNSTORABLE_TEXT_MESSAGE);
    expect(isUnstorableTextIssue(result.error!.issues[0])).toBe(true);
    expect(JSON.stringify(result.error!.issues)).not.toContain('long value');
  });

  test('chained rules still apply to a storable text', () => {
    const schema = ZText.trim().min(1, 'is required').max(3);
    expect(schema.safeParse('  ab ')).toEqual({ success: true, data: 'ab' });
    const issues = schema.safeParse('   ').error!.issues;
    expect(issues.map((i) => i.message)).toEqual(['is required']);
    expect(isUnstorableTextIssue(issues[0])).toBe(false);
  });

  test('is a string schema: other types are refused as usual', () => {
    expect(ZText.safeParse(42).success).toBe(false);
    expect(ZText.safeParse(null).success).toBe(false);
  });
});

/** Values of the wrong type whose `length` zod's own length checks would read (and choke on). */
const LENGTHY: [string, unknown][] = [
  ['a length that is a list of an object without toString', JSON.parse('{"length":[{"toString":1}]}')],
  ['a length that is an object without toString', JSON.parse('{"length":{"toString":1,"valueOf":1}}')],
  ['a huge numeric length', { length: 1e9 }],
  ['a string length', { length: '5' }],
  ['an array where text is expected', ['a', 'b']],
];

describe('length limits run only on a value of the right type', () => {
  const schema = z.strictObject({
    text: ZText.trim().min(1).max(3),
    optional: ZText.max(3).nullish(),
    list: ZList(ZText).min(1).max(2),
  });

  test.each(LENGTHY)('%s: one type error per field, nothing thrown', (_name, value) => {
    const result = schema.safeParse({ text: value, optional: value, list: Array.isArray(value) ? 'x' : value });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => [i.path.join('.'), i.code])).toEqual([
      ['text', 'invalid_type'],
      ['optional', 'invalid_type'],
      ['list', 'invalid_type'],
    ]);
  });

  test('the limits themselves still apply', () => {
    expect(schema.safeParse({ text: ' ab ', list: ['x'] })).toEqual({ success: true, data: { text: 'ab', list: ['x'] } });
    const issues = schema.safeParse({ text: 'abcd', optional: 'abcd', list: [] }).error!.issues;
    expect(issues.map((i) => [i.path.join('.'), i.code])).toEqual([['text', 'too_big'], ['optional', 'too_big'], ['list', 'too_small']]);
    expect(schema.safeParse({ text: 'a', list: ['x', 'y', 'z'] }).error!.issues.map((i) => i.code)).toEqual(['too_big']);
    expect(schema.safeParse({ text: 'a', list: ['x\u0000'] }).error!.issues.map((i) => i.path.join('.'))).toEqual(['list.0']);
  });

  test('any JSON value in place of text or a list: never a throw', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (text, list) => {
        expect(() => schema.safeParse({ text, list })).not.toThrow();
      }),
      { numRuns: 2000 },
    );
  });
});

const bytes = (...b: number[]) => Uint8Array.from(b);
const escaped = (b: number) => String.fromCharCode(0xdc00 + b);

/** [case, bytes, decoded text] */
const DECODE_CASES: [string, Uint8Array, string][] = [
  ['empty', bytes(), ''],
  ['ASCII', bytes(0x41, 0x42), 'AB'],
  ['two bytes (Я)', bytes(0xd0, 0xaf), 'Я'],
  ['three bytes (€)', bytes(0xe2, 0x82, 0xac), '€'],
  ['four bytes (👍)', bytes(0xf0, 0x9f, 0x91, 0x8d), '👍'],
  ['the largest code point', bytes(0xf4, 0x8f, 0xbf, 0xbf), '\u{10FFFF}'],
  ['a byte order mark is kept', bytes(0xef, 0xbb, 0xbf, 0x41), '\ufeffA'],
  ['NUL is a valid byte (the text rule refuses it)', bytes(0x61, 0x00), 'a\u0000'],
  ['a lone continuation byte', bytes(0x41, 0x80, 0x42), `A${escaped(0x80)}B`],
  ['0xFF and 0xFE', bytes(0xff, 0xfe), escaped(0xff) + escaped(0xfe)],
  ['an overlong "/" (C0 AF)', bytes(0xc0, 0xaf), escaped(0xc0) + escaped(0xaf)],
  ['an overlong three-byte NUL (E0 80 80)', bytes(0xe0, 0x80, 0x80), escaped(0xe0) + escaped(0x80) + escaped(0x80)],
  ['an encoded surrogate (ED A0 80)', bytes(0xed, 0xa0, 0x80), escaped(0xed) + escaped(0xa0) + escaped(0x80)],
  ['beyond U+10FFFF (F4 90 80 80)', bytes(0xf4, 0x90, 0x80, 0x80), escaped(0xf4) + escaped(0x90) + escaped(0x80) + escaped(0x80)],
  ['a truncated sequence at the end', bytes(0x41, 0xd0), `A${escaped(0xd0)}`],
  ['a truncated sequence before ASCII', bytes(0xe2, 0x82, 0x41), `${escaped(0xe2)}${escaped(0x82)}A`],
  ['valid text around an invalid byte', bytes(0xd0, 0xaf, 0xff, 0xd0, 0xaf), `Я${escaped(0xff)}Я`],
];

describe('decodeUtf8', () => {
  test.each(DECODE_CASES)('%s', (_name, input, text) => {
    expect(decodeUtf8(input)).toBe(text);
  });

  test('decodes well-formed UTF-8 exactly as Node does', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (text) => {
        expect(decodeUtf8(Buffer.from(text, 'utf8'))).toBe(text);
      }),
      { numRuns: 1000 },
    );
  });

  test('any byte string decodes to text that is storable exactly when the bytes are UTF-8 without NUL', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (input) => {
        const text = decodeUtf8(input);
        const wellFormed = Buffer.from(Buffer.from(input).toString('utf8'), 'utf8').equals(Buffer.from(input));
        expect(isStorableText(text)).toBe(wellFormed && !input.includes(0));
        // the escaped form loses nothing: re-encoding the escapes gives the bytes back
        const back = Buffer.concat([...text].map((ch) => {
          const unit = ch.charCodeAt(0);
          return ch.length === 1 && unit >= 0xdc80 && unit <= 0xdcff ? Buffer.from([unit - 0xdc00]) : Buffer.from(ch, 'utf8');
        }));
        expect(back.equals(Buffer.from(input))).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  test('a long invalid input decodes in chunks', () => {
    const input = new Uint8Array(20_000).fill(0xff);
    expect(decodeUtf8(input)).toBe(escaped(0xff).repeat(20_000));
  });
});
