/**
 * fast-check arbitraries of hostile input for the fuzz tests: strings with NUL, lone
 * surrogates and huge lengths; JSON texts with wrong types, deep nesting and `__proto__` /
 * `constructor` / `prototype` keys (written as text, so such keys really are in the body);
 * valid request bodies with one mutation; percent-encoded path segments, query strings and
 * form bodies that may carry bytes that are not UTF-8.
 */
import * as fc from 'fast-check';
import { addDays, moscowDate } from '../../src/domain/dates';
import { ITEM_KEYS } from '../../src/domain/questionnaire';
import { snilsControl } from '../../src/domain/snils';

/** Carried by many generated values: an error body must never contain it. */
export const MARK = 'ECHO·';

/** Any code point, often a NUL or a surrogate half on its own. */
const anyUnit = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.constantFrom('\u0000', '\ud800', '\udbff', '\udc00', '\udfff', '\ufffd', '\ufeff', '\u202e') },
);

const SPECIAL_STRINGS = [
  '', ' ', '\u0000', '\ud800', '\udfff', '\ud83d', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty',
  "'; DROP TABLE receipt; --", '%00', '%FF', '\u202eevil', '../../etc/passwd', '1e309', 'NaN', '-0', 'null', 'true', '0x41',
  '<script>alert(1)</script>', '{{7*7}}', '${7*7}', '\r\nX-Injected: 1', 'Ω≈ç√', '2026-02-30', '2026-13-01', '9999-12-31',
  '0000-00-00', '112-233-445 95', '11223344595', '00000000000', 'one_time', 'long', '2026-Q1', '2026-Q5', '42', 'na',
];

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  { weight: 4, arbitrary: fc.string({ unit: anyUnit, maxLength: 16 }).map((s) => MARK + s) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.string({ maxLength: 8 }), fc.constantFrom('\u0000', '\ud800', '\udbff', '\udc00', '\udfff'), fc.string({ maxLength: 8 }))
      .map(([before, bad, after]) => MARK + before + bad + after),
  },
  { weight: 3, arbitrary: fc.constantFrom(...SPECIAL_STRINGS) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 101, max: 60_000 }), fc.constantFrom('a', 'Я', '\u0000', '👍', '\ud800', ' '))
      .map(([n, ch]) => MARK + ch.repeat(n)),
  },
);

export const hostileKey: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 10 }) },
  { weight: 2, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'length', '', 'polluted') },
  { weight: 1, arbitrary: fc.string({ unit: anyUnit, maxLength: 6 }) },
);

const numberText = fc.oneof(
  fc.double().map((n) => JSON.stringify(n)),
  fc.integer().map(String),
  fc.constantFrom('0', '1', '3', '5', '6', '-1', '-0', '1e400', '-1e400', '1e-400', '4.5', '123456789012345678901234567890', '0.1'),
);

/** A JSON text of any shape, with hostile strings and keys; nesting stays shallow. */
export const jsonText: fc.Arbitrary<string> = fc.letrec<{ value: string; leaf: string; array: string; object: string }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', maxDepth: 4 }, tie('leaf'), tie('array'), tie('object')),
  leaf: fc.oneof(hostileString.map((s) => JSON.stringify(s)), numberText, fc.constantFrom('true', 'false', 'null')),
  array: fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
  object: fc
    .array(fc.tuple(hostileKey, tie('value')), { maxLength: 4 })
    .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
})).value;

/** Nesting far deeper than any schema, in arrays, objects and under `__proto__` / `constructor`. */
export const deepJson: fc.Arbitrary<string> = fc
  .tuple(fc.integer({ min: 500, max: 50_000 }), fc.constantFrom('[', '{"a":', '{"__proto__":', '{"constructor":', '{"receipts":['))
  .map(([depth, open]) => {
    const close = open === '[' ? ']' : open === '{"receipts":[' ? ']}' : '}';
    return open.repeat(depth) + '1' + close.repeat(depth);
  });

export const POLLUTION_JSON = [
  '{"__proto__":{"polluted":"yes"}}',
  '{"constructor":{"prototype":{"polluted":"yes"}}}',
  '{"a":{"__proto__":{"polluted":"yes"}},"__proto__":{"polluted":"yes"}}',
  '[{"__proto__":{"polluted":"yes"}}]',
  '{"receipts":[{"__proto__":{"polluted":"yes"}},{"constructor":{"prototype":{"polluted":"yes"}}}]}',
  '{"answers":{"__proto__":{"polluted":"yes"}},"comment":"x"}',
  '{"accounts":[{"__proto__":{"toString":"x"},"snils":"112-233-445 95"}]}',
  '{"__proto__":null}',
  '{"prototype":{"polluted":"yes"}}',
];

/** Any JSON body: arbitrary shapes, deep nesting, prototype pollution attempts, not JSON at all. */
export const hostileJson: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: jsonText },
  { weight: 1, arbitrary: deepJson },
  { weight: 1, arbitrary: fc.constantFrom(...POLLUTION_JSON) },
  { weight: 1, arbitrary: fc.constantFrom('', '{', '[1,]', '{"a":1,}', 'nul', '"\\ud800"', '{"a":"\\u0000"}', '\ufeff{}', '{}{}', '1 2') },
);

// ——— valid bodies, and one mutation of them ———

const SLOT = '\u0001slot\u0001';
const SLOT_KEY = '\u0001key\u0001';

export type Mutation =
  | { kind: 'none' }
  | { kind: 'set'; at: number; json: string }
  | { kind: 'delete'; at: number }
  | { kind: 'add'; at: number; key: string; json: string };

/** Paths of every value in `value` (the root is []). */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const here = [prefix];
  if (Array.isArray(value)) return here.concat(...value.map((v, i) => pathsOf(v, [...prefix, i])));
  if (value && typeof value === 'object') return here.concat(...Object.entries(value).map(([k, v]) => pathsOf(v, [...prefix, k])));
  return here;
}

/** The JSON text of `value` with the mutation applied (keys written as text, so `__proto__` stays a key). */
export function mutatedJson(value: object, m: Mutation): string {
  if (m.kind === 'none') return JSON.stringify(value);
  const copy = structuredClone(value) as Record<string | number, unknown>;
  const paths = pathsOf(copy);
  const path = paths[m.at % paths.length];
  if (m.kind === 'set' && path.length === 0) return m.json;
  const parentOf = (p: (string | number)[]) => p.slice(0, -1).reduce<Record<string | number, unknown>>((node, k) => node[k] as Record<string | number, unknown>, copy);
  if (m.kind === 'set') parentOf(path)[path[path.length - 1]] = SLOT;
  else if (m.kind === 'delete') {
    if (path.length === 0) return '';
    const parent = parentOf(path);
    if (Array.isArray(parent)) parent.splice(Number(path[path.length - 1]), 1);
    else delete parent[path[path.length - 1]];
  } else {
    // add a key to the nearest object on the path
    let target = path;
    while (target.length > 0 && !isPlainObject(parentOf([...target, 'x']))) target = target.slice(0, -1);
    const node = parentOf([...target, 'x']);
    if (!isPlainObject(node)) return JSON.stringify(copy);
    node[SLOT_KEY] = SLOT;
  }
  let text = JSON.stringify(copy);
  if (m.kind === 'add') text = text.replace(JSON.stringify(SLOT_KEY), () => JSON.stringify(m.key));
  return m.kind === 'delete' ? text : text.replace(JSON.stringify(SLOT), () => m.json);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return Boolean(v) && typeof v === 'object' && !Array.isArray(v);
}

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 2, arbitrary: fc.constant<Mutation>({ kind: 'none' }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('set' as const), at: fc.nat(), json: fc.oneof({ weight: 9, arbitrary: jsonText }, { weight: 1, arbitrary: deepJson }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('set' as const), at: fc.nat(), json: hostileString.map((s) => JSON.stringify(s)) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('add' as const), at: fc.nat(), key: hostileKey, json: jsonText }) },
);

/** A JSON text that is invalid wherever a string field of a receipt expects text. */
export const invalidForAnyTextField: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 10 }).map((s) => JSON.stringify(`${MARK}${s}\u0000`)),
  fc.string({ maxLength: 10 }).map((s) => JSON.stringify(`\ud800${s}`)),
  fc.integer({ min: 101, max: 20_000 }).map((n) => JSON.stringify(MARK + 'x'.repeat(n))),
  numberText.filter((t) => t !== 'null'),
  fc.constantFrom('true', 'false', '{}', '[]', '{"a":"b"}', '["x"]'),
);

export const snils: fc.Arbitrary<string> = fc.integer({ min: 1_001_999, max: 999_999_999 }).map((n) => {
  const nine = String(n).padStart(9, '0');
  return `${nine.slice(0, 3)}-${nine.slice(3, 6)}-${nine.slice(6)} ${snilsControl(nine)}`;
});

const today = () => moscowDate(Date.now());
export const recentDate: fc.Arbitrary<string> = fc.integer({ min: 0, max: 60 }).map((d) => addDays(today(), -d));
const birthDate = fc.tuple(fc.integer({ min: 1930, max: 2004 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 }))
  .map(([y, m, d]) => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`);

export const person = fc.record({
  lastName: fc.constantFrom('Иванова', 'Петров', 'Ким', "О'Брайен", 'Салтыков-Щедрин'),
  firstName: fc.constantFrom('Анна', 'Пётр', 'Юлия'),
  middleName: fc.option(fc.constantFrom('Петровна', 'Иванович'), { nil: null }),
  birthDate,
  snils,
});

export function validReceipt(organizations: string[]) {
  return fc.record({
    externalId: fc.uuid().map((u) => `FZ-${u}`),
    organization: fc.constantFrom(...organizations),
    service: fc.oneof(
      fc.record({ kind: fc.constant('one_time'), date: recentDate }),
      fc.record({ kind: fc.constant('long'), start: recentDate, end: fc.constant(null) }),
    ),
    recipient: person,
    representatives: fc.constant([]),
  });
}

/** The paths of a receipt whose value is text; any `invalidForAnyTextField` there is refused. */
export const RECEIPT_TEXT_PATHS = ['externalId', 'organization', 'service', 'recipient.lastName', 'recipient.firstName', 'recipient.middleName', 'recipient.birthDate', 'recipient.snils'];

export const validAnswer = fc.record({
  answers: fc.record(Object.fromEntries(ITEM_KEYS.map((k) => [k, k === 'accessibility' ? fc.option(fc.integer({ min: 1, max: 5 }), { nil: null }) : fc.integer({ min: 1, max: 5 })]))),
  comment: fc.option(fc.string({ maxLength: 40 }), { nil: undefined }),
});

// ——— URLs and form bodies ———

/** Percent-encodes the UTF-8 bytes of `s` (a lone surrogate becomes U+FFFD's bytes, as in a browser). */
export function percentEncode(s: string): string {
  return [...Buffer.from(s, 'utf8')].map((b) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

/** A path segment or query value as it appears in a URL, possibly with bytes that are not UTF-8. */
export const urlText: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: hostileString.filter((s) => s.length < 2000).map(percentEncode) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 12 }).map((bytes) => [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')) },
  { weight: 1, arbitrary: fc.constantFrom('%00', '%FF', '%ED%A0%80', '%C0%80', '%', '%G1', '%2F', '..', '%2e%2e', '+', '%20') },
);

/** An `application/x-www-form-urlencoded` body: the questionnaire's fields and others, any bytes. */
export const formBody: fc.Arbitrary<Buffer> = fc
  .array(
    fc.tuple(
      fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...ITEM_KEYS, 'comment') }, { weight: 1, arbitrary: hostileKey }),
      fc.oneof(
        { weight: 5, arbitrary: fc.constantFrom('1', '2', '3', '4', '5', 'na', '') },
        { weight: 3, arbitrary: hostileString },
        { weight: 1, arbitrary: fc.uint8Array({ maxLength: 8 }) },
      ),
      fc.constantFrom('encoded', 'raw'),
    ),
    { maxLength: 12 },
  )
  .map((pairs) =>
    Buffer.concat(
      pairs.flatMap(([key, value, how], i) => {
        const v = typeof value === 'string' ? (how === 'encoded' ? Buffer.from(percentEncode(value)) : Buffer.from(value, 'utf8')) : Buffer.from(value);
        return [Buffer.from(`${i > 0 ? '&' : ''}${percentEncode(key)}=`), v];
      }),
    ),
  );

/** The JSON text of `value` with the value at the dotted `path` replaced by the JSON text `json`. */
export function withJsonAt(value: object, path: string, json: string): string {
  const copy = structuredClone(value) as Record<string, unknown>;
  const keys = path.split('.');
  const parent = keys.slice(0, -1).reduce<Record<string, unknown>>((node, k) => node[k] as Record<string, unknown>, copy);
  parent[keys[keys.length - 1]] = SLOT;
  return JSON.stringify(copy).replace(JSON.stringify(SLOT), () => json);
}

/** A complete questionnaire form (every item answered) whose comment is hostile. */
export const answeredForm: fc.Arbitrary<Buffer> = fc
  .record({
    answers: fc.record(Object.fromEntries(ITEM_KEYS.map((k) => [k, fc.constantFrom('1', '2', '3', '4', '5', ...(k === 'accessibility' ? ['na'] : []))]))),
    comment: fc.oneof(hostileString, fc.uint8Array({ maxLength: 8 })),
    encoded: fc.boolean(),
  })
  .map(({ answers, comment, encoded }) => {
    const text = typeof comment === 'string' ? (encoded ? Buffer.from(percentEncode(comment)) : Buffer.from(comment, 'utf8')) : Buffer.from(comment);
    return Buffer.concat([Buffer.from(`${Object.entries(answers).map(([k, v]) => `${k}=${v}`).join('&')}&comment=`), text]);
  });
