/**
 * GET /v1/reports/comments (docs/reports.md): masked text, the quarter and no time, an
 * order by hash rather than by arrival, nothing of an organisation-quarter below
 * REPORT_MIN_RESPONSES (5) or of a withdrawn receipt, the indicators' scopes for every
 * role, cursor pages that neither repeat nor skip when comments arrive between them, CSV;
 * and for a head of organisation, a quarter in progress shown only in released blocks.
 */
import { documentedSchema } from './openapi-check';
import { createOrganizations, commentHash, insertStories, type Story } from './report-stories';
import { createTestApp, ORG, type TestApp } from './app-helper';

const Q2 = { start: Date.parse('2026-03-31T21:00:00Z'), end: Date.parse('2026-06-30T21:00:00Z') };
const HOSPITAL_42 = ORG.code;
const ORGS = [
  { code: '1024200000002', name: 'Школа № 5', region: '42', type: 'general_education' },
  { code: '1024200000003', name: 'Поликлиника № 3', region: '42', type: 'healthcare' },
  { code: '1025400000001', name: 'Спортивная школа «Сибирь»', region: '54', type: 'sports' },
  { code: '1025400000002', name: 'Городская больница № 1', region: '54', type: 'healthcare' },
];
const [SCHOOL_42, SMALL_42, GYM_54, HOSPITAL_54] = ORGS.map((o) => o.code);
const REGION_OF: Record<string, string> = { [HOSPITAL_42]: '42', [SCHOOL_42]: '42', [SMALL_42]: '42', [GYM_54]: '54', [HOSPITAL_54]: '54' };
const SECTOR_OF: Record<string, string> = { [HOSPITAL_42]: 'health', [SCHOOL_42]: 'education', [SMALL_42]: 'health', [GYM_54]: 'sport', [HOSPITAL_54]: 'health' };

const at = (q: { start: number }, day: number, hour = 10) => new Date(q.start + day * 86_400_000 + hour * 3_600_000);
let n = 0;
const story = (org: string, when: Date, comment: string | null, extra: Partial<Story> = {}): Story => ({
  org, integrator: 'his', serviceDate: when.toISOString().slice(0, 10), receivedAt: new Date(when.getTime() - 86_400_000),
  account: `c${n++}`, response: { at: when, comment }, ...extra,
});

const PII = 'Спасибо врачу Петровой Анне Сергеевне, мой телефон +7 (912) 345-67-89';
const STORIES: Story[] = [
  // the regional hospital: 8 responses in Q2, 6 with a comment (one blank), one with personal data
  ...['Хорошо, 5 из 5', 'Долго ждали в регистратуре', PII, 'Чисто и уютно', '   ', 'Школа № 5 рядом, удобно'].map((c, i) => story(HOSPITAL_42, at(Q2, 3 + i * 7), c)),
  story(HOSPITAL_42, at(Q2, 60), null),
  story(HOSPITAL_42, at(Q2, 61), null),
  // its comment of the previous quarter: not in Q2
  story(HOSPITAL_42, new Date(Q2.start - 1), 'Комментарий прошлого квартала'),
  // the school: exactly 5 responses, all commented (shown: 5 ≥ 5)
  ...[1, 2, 3, 4, 5].map((i) => story(SCHOOL_42, at(Q2, 10 + i), `Учителя внимательные, отзыв ${i}`)),
  // the small clinic: 4 responses, hidden from everyone
  ...[1, 2, 3, 4].map((i) => story(SMALL_42, at(Q2, 20 + i), `Маленькая поликлиника, отзыв ${i}`)),
  // the gym: 5 responses, but one receipt withdrawn: 4 count, nothing shown
  ...[1, 2, 3, 4, 5].map((i) => story(GYM_54, at(Q2, 30 + i), `Тренеры отличные, отзыв ${i}`, i === 5 ? { cancelledAt: at(Q2, 40) } : {})),
  // the hospital in 54: 7 responses, 7 comments
  ...[1, 2, 3, 4, 5, 6, 7].map((i) => story(HOSPITAL_54, at(Q2, 80 - i), `Больница 54, отзыв ${i}`)),
];

/** What a reader with this view of organisations should get, in report order. */
function expected(sees: (code: string) => boolean) {
  const counted = new Map<string, number>();
  for (const s of STORIES) if (!s.cancelledAt && inQ2(s)) counted.set(s.org, (counted.get(s.org) ?? 0) + 1);
  return STORIES
    .filter((s) => sees(s.org) && inQ2(s) && !s.cancelledAt && (counted.get(s.org) ?? 0) >= 5 && s.response!.comment?.trim())
    .map((s) => ({ org: s.org, hash: commentHash(s.responseId!), text: s.response!.comment!.trim() }))
    .sort((a, b) => (a.org < b.org ? -1 : a.org > b.org ? 1 : a.hash < b.hash ? -1 : 1));
}
const inQ2 = (s: Story) => s.response!.at.getTime() >= Q2.start && s.response!.at.getTime() < Q2.end;

let t: TestApp;
const keys: Record<string, string> = {};

beforeAll(async () => {
  t = await createTestApp();
  await createOrganizations(t.tdb.db, ORGS);
  await insertStories(t.tdb.db, STORIES);
  keys.sectorHealth = await t.key('sector', { sectors: ['health'] });
  keys.region54 = await t.key('region', { regions: ['54'] }, 'region-54');
}, 60_000);
afterAll(() => t?.close());

const get = (key: string | null, query: string, headers: Record<string, string> = {}) => t.call(key, { method: 'GET', url: `/v1/reports/comments?${query}`, headers });

async function allPages(key: string, query: string, limit: number) {
  const pages: { comments: { organization: string; text: string }[]; nextCursor: string | null }[] = [];
  let cursor: string | null = null;
  do {
    const res = await get(key, `${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(res.statusCode).toBe(200);
    pages.push(res.json());
    cursor = res.json().nextCursor;
  } while (cursor && pages.length < 100);
  return pages;
}

describe('what a federal reader gets', () => {
  test('the comments of organisation-quarters with at least 5 responses, in organisation then hash order, with the quarter and no time', async () => {
    const res = await get(t.keys.federal, 'period=2026-Q2&limit=500');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ period: '2026-Q2', minResponses: 5, nextCursor: null });
    const want = expected(() => true);
    expect(want.length).toBe(5 + 5 + 7);
    expect(body.comments.map((c: { organization: string; text: string }) => [c.organization, c.text]))
      .toEqual(want.map((w) => [w.org, w.text === PII ? 'Спасибо врачу [ФИО], мой телефон [телефон]' : w.text]));
    for (const c of body.comments) {
      expect(Object.keys(c).sort()).toEqual(['organization', 'organizationName', 'organizationType', 'period', 'region', 'text']);
      expect(c.period).toBe('2026-Q2');
    }
  });

  test('personal data never leaves the server: not in JSON, not in CSV', async () => {
    for (const res of [await get(t.keys.federal, 'period=2026-Q2&limit=500'), await get(t.keys.federal, 'period=2026-Q2&limit=500&format=csv')]) {
      expect(res.body).not.toContain('Петровой');
      expect(res.body).not.toContain('345-67-89');
      expect(res.body).toContain('[ФИО]');
    }
  });

  test('below the threshold nothing is shown, a withdrawn receipt neither counts nor shows, another quarter is not this one', async () => {
    const body = (await get(t.keys.federal, 'period=2026-Q2&limit=500')).json();
    const orgs = new Set(body.comments.map((c: { organization: string }) => c.organization));
    expect(orgs.has(SMALL_42)).toBe(false);
    expect(orgs.has(GYM_54)).toBe(false);
    expect(orgs.has(SCHOOL_42)).toBe(true); // exactly 5: shown
    expect(JSON.stringify(body)).not.toContain('прошлого квартала');
    expect(body.comments.some((c: { text: string }) => c.text.trim() === '')).toBe(false);
    const q1 = (await get(t.keys.federal, 'period=2026-Q1&organization=' + HOSPITAL_42)).json();
    expect(q1.comments).toEqual([]); // one response in Q1: below the threshold
  });

  test('a quarter with nothing in it is an empty page', async () => {
    expect((await get(t.keys.federal, 'period=2024-Q1')).json()).toMatchObject({ comments: [], nextCursor: null });
  });
});

describe('scopes, as for the indicators', () => {
  const cases: [string, () => string, string, (code: string) => boolean][] = [
    ['region 42', () => t.keys.region, '', (c) => REGION_OF[c] === '42'],
    ['region 54', () => keys.region54, '', (c) => REGION_OF[c] === '54'],
    ['sector health', () => keys.sectorHealth, '', (c) => SECTOR_OF[c] === 'health'],
    ['sector health, region 54 filter', () => keys.sectorHealth, '&region=54', (c) => SECTOR_OF[c] === 'health' && REGION_OF[c] === '54'],
    ['organization', () => t.keys.organization, '', (c) => c === HOSPITAL_42],
    ['organization, its own filter', () => t.keys.organization, `&organization=${HOSPITAL_42}`, (c) => c === HOSPITAL_42],
    ['federal, type filter', () => t.keys.federal, '&organizationType=general_education', (c) => c === SCHOOL_42],
    ['admin', () => t.keys.admin, '', () => true],
  ];
  test.each(cases)('%s sees exactly its organisations', async (_name, key, filter, sees) => {
    const res = await get(key(), `period=2026-Q2&limit=500${filter}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().comments.map((c: { organization: string }) => c.organization)).toEqual(expected(sees).map((w) => w.org));
  });

  const refusals: [string, () => string | null, string, number, string][] = [
    ['no key', () => null, '', 401, 'unauthorized'],
    ['an integrator', () => t.keys.integrator, '', 403, 'out_of_scope'],
    ['region 42 asking for region 54', () => t.keys.region, '&region=54', 403, 'out_of_scope'],
    ['region 42 asking for an organisation in 54', () => t.keys.region, `&organization=${HOSPITAL_54}`, 403, 'out_of_scope'],
    ['sector health asking for education', () => keys.sectorHealth, '&sector=education', 403, 'out_of_scope'],
    ['an organisation asking for another', () => t.keys.organization, `&organization=${SCHOOL_42}`, 403, 'out_of_scope'],
    ['an organisation with a region filter', () => t.keys.organization, '&region=42', 403, 'out_of_scope'],
    ['an unknown region', () => t.keys.federal, '&region=99', 422, 'validation_failed'],
    ['a period that is not a quarter', () => t.keys.federal, '&period=2026-13', 422, 'validation_failed'],
    ['a page too large', () => t.keys.federal, '&limit=501', 422, 'validation_failed'],
  ];
  test.each(refusals)('%s: refused with problem+json and no comment', async (_name, key, query, status, code) => {
    const res = await get(key(), `period=2026-Q2${query}`);
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json().code).toBe(code);
    expect(res.body).not.toContain('отзыв');
  });
});

describe('pages', () => {
  test('walking the cursor gives every comment once, in the same order as one page', async () => {
    const whole = (await get(t.keys.federal, 'period=2026-Q2&limit=500')).json().comments;
    const pages = await allPages(t.keys.federal, 'period=2026-Q2', 4);
    expect(pages.map((p) => p.comments.length)).toEqual([4, 4, 4, 4, 1]);
    expect(pages.flatMap((p) => p.comments)).toEqual(whole);
  });

  test('comments that arrive between two pages do not repeat or skip the ones already there', async () => {
    const first = (await get(t.keys.federal, 'period=2026-Q2&limit=6')).json();
    const before = (await get(t.keys.federal, 'period=2026-Q2&limit=500')).json().comments;
    const late = [1, 2, 3].map((i) => story(HOSPITAL_42, at(Q2, 70 + i), `Поздний отзыв ${i}`));
    await insertStories(t.tdb.db, late);
    STORIES.push(...late);
    const rest: { organization: string; text: string }[] = [];
    let cursor: string | null = first.nextCursor;
    while (cursor) {
      const page = (await get(t.keys.federal, `period=2026-Q2&limit=6&cursor=${encodeURIComponent(cursor)}`)).json();
      rest.push(...page.comments);
      cursor = page.nextCursor;
    }
    const seen = [...first.comments, ...rest].map((c) => c.text);
    expect(new Set(seen).size).toBe(seen.length);
    for (const c of before) expect(seen).toContain(c.text);
    // The order is the hash order, whatever the arrival order.
    const now = (await get(t.keys.federal, 'period=2026-Q2&limit=500')).json().comments.map((c: { text: string }) => c.text);
    expect(now).toEqual(expected(() => true).map((w) => (w.text === PII ? 'Спасибо врачу [ФИО], мой телефон [телефон]' : w.text)));
  });

  test('a cursor this API did not give out is a 422 on the cursor field', async () => {
    for (const cursor of ['nonsense', Buffer.from('["x","zz"]').toString('base64url'), Buffer.from('{}').toString('base64url')]) {
      const res = await get(t.keys.federal, `period=2026-Q2&cursor=${cursor}`);
      expect(res.statusCode).toBe(422);
      expect(res.json().errors).toEqual([expect.objectContaining({ path: 'cursor', code: 'invalid_format' })]);
    }
  });
});

/** The quarter in progress (Moscow time, UTC+3 all year), worked out here. */
function currentQuarter() {
  const moscow = new Date(Date.now() + 3 * 3_600_000);
  const q = Math.floor(moscow.getUTCMonth() / 3);
  return { label: `${moscow.getUTCFullYear()}-Q${q + 1}`, start: Date.UTC(moscow.getUTCFullYear(), q * 3, 1) - 3 * 3_600_000 };
}

describe('a head of organisation, while the quarter is in progress', () => {
  test('sees comments only in released blocks, one block behind: one more answer never shows one more comment', async () => {
    const q = currentQuarter();
    const span = Date.now() - q.start;
    let i = 0;
    const answer = async (count: number) => {
      const added = Array.from({ length: count }, () => story(HOSPITAL_42, new Date(q.start + (span * ++i) / 40), `Текущий квартал, ответ ${i}`));
      await insertStories(t.tdb.db, added);
    };
    const read = async (key: string) => (await get(key, `period=${q.label}&limit=500`)).json().comments.map((c: { text: string }) => c.text).sort();
    const first = (n: number) => Array.from({ length: n }, (_, k) => `Текущий квартал, ответ ${k + 1}`).sort();

    await answer(9);
    expect(await read(t.keys.federal)).toEqual(first(9)); // federal, region and sector readers see them all
    expect(await read(t.keys.organization)).toEqual([]); // 9 answers: one block, held back
    await answer(1);
    expect(await read(t.keys.organization)).toEqual(first(5)); // 10: the first block, by arrival
    await answer(1);
    expect(await read(t.keys.organization)).toEqual(first(5)); // 11: the differencing read learns nothing
    await answer(4);
    expect(await read(t.keys.organization)).toEqual(first(10)); // 15: the second block
    expect(await read(t.keys.region)).toEqual(first(15));
  });
});

test('the OpenAPI document declares what the route sends, and its example is true to it', async () => {
  const schema = await documentedSchema(t.app, 'getComments');
  expect(schema.examples).toHaveLength(1);
  expect(schema.errors({ period: 1 })).not.toBeNull(); // the schema is a real one
  for (const body of [...schema.examples, (await get(t.keys.federal, 'period=2026-Q2&limit=2')).json(), (await get(t.keys.federal, 'period=2024-Q1')).json()]) {
    expect(schema.errors(body)).toBeNull();
  }
});

describe('CSV', () => {
  test('the same comments as text/csv, the next page in X-Next-Cursor', async () => {
    const res = await get(t.keys.region, 'period=2026-Q2&limit=3&format=csv');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.headers['content-disposition']).toContain('comments-2026-Q2.csv');
    const lines = res.body.replace(/^\uFEFF/, '').trimEnd().split('\r\n');
    expect(lines[0]).toBe('organization,organization_name,region,organization_type,period,text');
    expect(lines).toHaveLength(4);
    const json = (await get(t.keys.region, 'period=2026-Q2&limit=3')).json();
    expect(res.headers['x-next-cursor']).toBe(json.nextCursor);
    expect(lines[1]).toContain(json.comments[0].text.includes(',') ? `"${json.comments[0].text}"` : json.comments[0].text);
  });

  test('Accept: text/csv works too', async () => {
    const res = await get(t.keys.federal, 'period=2026-Q2', { accept: 'text/csv' });
    expect(res.headers['content-type']).toContain('text/csv');
  });
});
