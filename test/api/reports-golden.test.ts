/**
 * Golden figures: a generated data set (4 pilot regions, all 5 organisation types and so all
 * 4 sectors, ~40 organisations, thousands of responses over 2025-Q3, 2026-Q2 and 2026-Q3
 * and a little around them, with round trips across quarter boundaries and Moscow
 * midnight, cancelled receipts, suppressed organisations and scripted ranking ties),
 * scored by the real scoring activity and read through the real HTTP API with a federal
 * key. Every reported figure is compared with the one test/helpers/golden-data.ts computes
 * independently from the raw rows, to two decimals exactly: both neighbours are accepted
 * only when the true value sits within 1e-9 of a rounding midpoint and comes from summed
 * floating scores (a mean, an interval bound); a ratio of whole numbers (coverage, an item
 * mean) on a midpoint must round half up. A failure lists every figure that differs, with
 * its request and row key.
 */
import { createActivities } from '../../activities';
import { OutboxMailer } from '../../src/mail/outbox-mailer';
import { createTestApp, type TestApp } from './app-helper';
import {
  FINAL_PERIODS,
  GoldenModel,
  NOW,
  PROVISIONAL_PERIOD,
  REGIONS,
  TYPES,
  compare,
  compared,
  compareRows,
  generateGoldenData,
  insertGoldenData,
  quarterBounds,
  tCritical95,
  type Filters,
  type GoldenData,
  type GroupBy,
} from '../helpers/golden-data';

const SEED = 20261123;
const MIN_RESPONSES = 5;
const LEVELS: GroupBy[] = ['federation', 'region', 'sector', 'organizationType', 'organization'];
const FILTERED_PERIODS = ['2026-Q3', '2026-Q2', '2025-Q3'];

let t: TestApp;
let data: GoldenData;
let model: GoldenModel;
const organizationsScored: Record<string, number> = {};

beforeAll(async () => {
  t = await createTestApp({ env: { REPORT_MIN_RESPONSES: String(MIN_RESPONSES) } });
  data = generateGoldenData(SEED);
  await insertGoldenData(t.tdb.url, data);
  const silent = { info() {}, warn() {} };
  const activities = createActivities({
    db: t.tdb.db, mailer: new OutboxMailer(t.tdb.db, silent), secrets: t.secrets, publicBaseUrl: 'http://x', log: silent, clock: () => new Date(NOW),
  });
  for (const period of FINAL_PERIODS) {
    organizationsScored[period] = (await activities.computeSnapshots({ period, final: true, trigger: 'admin' })).organizations;
  }
  organizationsScored[PROVISIONAL_PERIOD] = (await activities.computeSnapshots({ period: PROVISIONAL_PERIOD, final: false, trigger: 'provisional' })).organizations;
  // Read with a federal key, which sees organisations below the threshold too (marked lowResponses).
  model = new GoldenModel(data, { finalPeriods: FINAL_PERIODS, provisionalPeriods: [PROVISIONAL_PERIOD], minResponses: MIN_RESPONSES, showLowResponses: true });
}, 60_000);

afterAll(async () => {
  await t?.close();
  if (data) {
    console.info(`golden data: ${data.orgs.length} organisations, ${data.receipts.length} receipts, ${data.rounds.length} rounds, ${data.responses.length} responses; ${compared.figures} figures compared, of them ${compared.floatMidpoints} within 1e-9 of a rounding midpoint (either neighbour accepted) and ${compared.exactMidpoints} exact midpoints of whole-number ratios (half up required)`);
  }
});

const query = (params: Record<string, string | number | undefined>) =>
  Object.entries(params).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`).join('&');

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers of several shapes, compared field by field
async function get(url: string): Promise<any> {
  const res = await t.call(t.keys.federal, { method: 'GET', url });
  if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
  return res.json();
}

test('the data set has the intended shape, and our t quantile matches the textbook table', () => {
  const orgs = data.orgs;
  expect(new Set(orgs.map((o) => o.region))).toEqual(new Set(REGIONS));
  expect(new Set(orgs.map((o) => o.type))).toEqual(new Set(TYPES));
  expect(new Set(orgs.map((o) => o.sector)).size).toBe(4);
  expect(orgs.length).toBeGreaterThanOrEqual(35);
  expect(orgs.length).toBeLessThanOrEqual(48);
  expect(data.responses.length).toBeGreaterThanOrEqual(3000);
  expect(data.responses.length).toBeLessThanOrEqual(5000);
  for (const period of ['2025-Q3', '2026-Q2', '2026-Q3']) {
    const { start, end } = quarterBounds(period);
    expect(data.responses.filter((r) => r.submittedAt >= start && r.submittedAt < end).length).toBeGreaterThan(600);
  }
  // Cancelled receipts that did produce rounds and answers (which must count nowhere).
  const cancelled = new Set(data.receipts.filter((r) => r.status === 'cancelled').map((r) => r.id));
  const cancelledInvitations = new Set(data.invitations.filter((i) => cancelled.has(i.receiptId)).map((i) => i.id));
  expect(data.responses.filter((r) => cancelledInvitations.has(r.invitationId)).length).toBeGreaterThan(10);
  // Suppressed organisations (1–4 responses) in the quarters compared.
  for (const period of ['2025-Q3', '2026-Q2', '2026-Q3']) {
    const small = data.orgs.filter((o) => {
      const n = model.tally(o, period)?.responses.length ?? 0;
      return n > 0 && n < MIN_RESPONSES;
    });
    expect(small.length).toBeGreaterThan(0);
  }
  // Every organisation with activity got a snapshot row, none without.
  for (const period of [...FINAL_PERIODS, PROVISIONAL_PERIOD]) {
    expect([period, organizationsScored[period]]).toEqual([period, data.orgs.filter((o) => model.tally(o, period)).length]);
  }
  // The data discriminates Moscow quarters from UTC ones (round trips across the boundaries).
  const utc = new GoldenModel(data, { finalPeriods: FINAL_PERIODS, provisionalPeriods: [PROVISIONAL_PERIOD], minResponses: MIN_RESPONSES, offsetMs: 0 });
  for (const period of ['2025-Q3', '2026-Q2', '2026-Q3']) {
    const [msk, naive] = [model, utc].map((m) => m.funnel(period, 'federation').rows[0]);
    for (const k of ['receipts', 'activated', 'notified', 'completed'] as const) expect([period, k, msk[k] === naive[k]]).toEqual([period, k, false]);
  }
  // Student's t, two-sided 95 % (textbook table, 6 decimals).
  const table: [number, number][] = [[1, 12.706205], [2, 4.302653], [4, 2.776445], [5, 2.570582], [9, 2.262157], [10, 2.228139], [20, 2.085963], [30, 2.042272], [60, 2.000298], [100, 1.983972], [120, 1.979930], [1000, 1.962339]];
  for (const [df, value] of table) expect([df, Number(tCritical95(df).toFixed(6))]).toEqual([df, value]);
  expect(tCritical95(100_000)).toBeCloseTo(1.959988, 6);
});

test('hand-checked figures of the scripted organisations (a sanity check of the expected side)', async () => {
  const s = data.scripted;
  const body = await get(`/v1/reports/indicators?${query({ period: '2026-Q3', groupBy: 'organization', region: '42', organizationType: 'healthcare' })}`);
  const row = (code: string) => body.rows.find((r: { key: { organization: string } }) => r.key.organization === code);
  expect(row(s.tie6.code)).toMatchObject({ responses: 6, notified: 12, coverage: 50, satisfaction: 4.5, ci: [4.5, 4.5], suppressed: false, lowResponses: false, targets: { coverage: true, satisfaction: true, growth: true }, growth: { quarterly: 'not_applicable', yearly: 'not_applicable' } });
  // Its previous quarter had 3 answers: shown to the federal key, but no base for growth.
  expect(row(s.tie6.code).previous.satisfaction).not.toBeNull();
  expect(row(s.tie6.code).items).toEqual({ info: 5, process: 5, comfort: 5, accessibility: null, courtesy: 4, competence: 4, overall: 4 });
  expect(row(s.round450.code)).toMatchObject({ responses: 15, satisfaction: 4.5 });
  expect(row(s.round449.code)).toMatchObject({ responses: 14, satisfaction: 4.49, targets: { satisfaction: false, growth: null }, growth: { yearly: 'no_base' } });
  expect(row(s.grow.code)).toMatchObject({ responses: 10, notified: 25, coverage: 40, satisfaction: 4.2, previous: { satisfaction: 4, delta: 0.2 }, yearAgo: { satisfaction: 4, delta: 0.2 }, targets: { coverage: true, satisfaction: false, growth: true }, growth: { quarterly: 'met', yearly: 'met' } });
  expect(row(s.grow2.code)).toMatchObject({ satisfaction: 4.1, yearAgo: { satisfaction: 3.9, delta: 0.2 }, targets: { growth: true }, growth: { yearly: 'met' } });
  expect(row(s.mid40.code).items).toEqual({ info: 4.23, process: 4.23, comfort: 4.23, accessibility: 4.23, courtesy: 4.23, competence: 4.23, overall: 4.23 });
  expect(row(s.slow.code)).toMatchObject({ responses: 6, satisfaction: 4.14, yearAgo: { satisfaction: 4, delta: 0.14 }, targets: { growth: false }, growth: { yearly: 'not_met' } });
  expect(row(s.tieB.code)).toMatchObject({ yearAgo: { satisfaction: 4, delta: 0.5 }, targets: { growth: true } });
  expect(row(s.top.code).ci[1]).toBe(5);
  expect(row(s.bottom.code).ci[0]).toBe(1);
  expect(row(s.bottom.code).satisfaction).toBe(1.2);
  expect(row(s.five.code)).toMatchObject({ responses: 5, suppressed: false, lowResponses: false });
  // Four answers: the federal key sees them, marked; no target is judged on them.
  expect(row(s.four.code)).toMatchObject({ responses: 4, suppressed: false, lowResponses: true, targets: { satisfaction: null, growth: null }, growth: { quarterly: null, yearly: null } });
  expect(row(s.four.code).satisfaction).not.toBeNull();
  expect(row(s.four.code).previous.delta).not.toBeNull();
  expect(row(s.silentOnly.code)).toMatchObject({ notified: 3, completed: 0, coverage: 0, responses: 0, suppressed: false, lowResponses: true, satisfaction: null });

  const ranking = await get(`/v1/reports/rankings?${query({ period: '2026-Q3', region: '42', organizationType: 'healthcare', limit: 100 })}`);
  const order = [s.round450, s.tieA, s.tieB, s.tie6, s.round449].map((o) => o.code);
  const ranked = ranking.best.filter((r: { code: string }) => order.includes(r.code));
  expect(ranked.map((r: { code: string }) => r.code)).toEqual(order);
  const tied = ranked[0].rank;
  expect(ranked.map((r: { rank: number }) => r.rank)).toEqual([tied, tied, tied, tied, ranking.best.indexOf(ranked[4]) + 1]);
  expect(ranked[4].rank).toBeGreaterThanOrEqual(tied + 4);
  expect(ranking.unranked.map((r: { code: string }) => r.code)).toEqual(expect.arrayContaining([s.four.code, s.silentOnly.code]));
});

test('indicators at every level, in every quarter and for filter combinations, match the golden figures', async () => {
  const requests: [string, GroupBy, Filters][] = [];
  for (const period of [...FINAL_PERIODS, PROVISIONAL_PERIOD]) for (const groupBy of LEVELS) requests.push([period, groupBy, {}]);
  const filters: [GroupBy, Filters][] = [
    ['organizationType', { region: '42', sector: 'education' }],
    ['organization', { region: '42', sector: 'education' }],
    ['federation', { region: '42', sector: 'education' }],
    ['organization', { region: '16', organizationType: 'preschool_education' }],
    ['federation', { region: '16', organizationType: 'preschool_education' }],
    ['organization', { region: '42', organizationType: 'healthcare' }],
    ['region', { sector: 'health' }],
    ['region', { organizationType: 'sports' }],
    ['sector', { region: '78' }],
    ['organizationType', { region: '54', sector: 'education' }],
    ['organization', { region: '54', sector: 'mse', organizationType: 'mse_bureau' }],
    ['organization', { organization: data.scripted.tieA.code }],
    ['federation', { sector: 'sport', organizationType: 'healthcare' }], // contradictory: no rows
  ];
  for (const period of FILTERED_PERIODS) for (const [groupBy, f] of filters) requests.push([period, groupBy, f]);

  const out: string[] = [];
  let rows = 0;
  for (const [period, groupBy, f] of requests) {
    const url = `/v1/reports/indicators?${query({ period, groupBy, ...f })}`;
    const actual = await get(url);
    const expected = model.indicators(period, groupBy, f);
    const { rows: actualRows, ...header } = actual;
    const { rows: expectedRows, ...expectedHeader } = expected;
    compare(url, 'header', header, expectedHeader, out);
    compareRows(url, actualRows, expectedRows, out);
    rows += expectedRows.length;
  }
  if (out.length > 0) throw new Error(`${out.length} figure(s) differ:\n${out.slice(0, 200).join('\n')}`);
  expect(rows).toBeGreaterThan(300);
});

test('the funnel at every level and for filter combinations matches the golden counts', async () => {
  const requests: [string, GroupBy, Filters][] = [];
  for (const period of [...FINAL_PERIODS, PROVISIONAL_PERIOD]) for (const groupBy of LEVELS) requests.push([period, groupBy, {}]);
  for (const period of FILTERED_PERIODS) {
    requests.push([period, 'organization', { region: '42', sector: 'education' }]);
    requests.push([period, 'organizationType', { region: '16' }]);
    requests.push([period, 'federation', { region: '78', organizationType: 'sports' }]);
  }
  const out: string[] = [];
  for (const [period, groupBy, f] of requests) {
    const url = `/v1/reports/funnel?${query({ period, groupBy, ...f })}`;
    const { rows: actualRows, ...header } = await get(url);
    const { rows: expectedRows, ...expectedHeader } = model.funnel(period, groupBy, f);
    compare(url, 'header', header, expectedHeader, out);
    compareRows(url, actualRows, expectedRows, out);
  }
  if (out.length > 0) throw new Error(`${out.length} figure(s) differ:\n${out.slice(0, 200).join('\n')}`);
});

test('the history 2025-Q3..2026-Q3 matches the golden figures, point by point in quarter order', async () => {
  const requests: [GroupBy, Filters][] = [...LEVELS.map((g): [GroupBy, Filters] => [g, {}]), ['organization', { region: '42', organizationType: 'healthcare' }], ['region', { sector: 'education' }]];
  const out: string[] = [];
  for (const [groupBy, f] of requests) {
    const url = `/v1/reports/indicators/history?${query({ from: '2025-Q3', to: '2026-Q3', groupBy, ...f })}`;
    const { series, ...header } = await get(url);
    const { series: expectedSeries, ...expectedHeader } = model.history('2025-Q3', '2026-Q3', groupBy, f);
    compare(url, 'header', header, expectedHeader, out);
    compareRows(url, series, expectedSeries, out);
  }
  if (out.length > 0) throw new Error(`${out.length} figure(s) differ:\n${out.slice(0, 200).join('\n')}`);
});

test('rankings within every region and type match: order, competition ranks, ties, unranked', async () => {
  const requests: [string, string, string, number][] = [];
  for (const region of REGIONS) for (const type of TYPES) requests.push(['2026-Q3', region, type, 100]);
  requests.push(['2026-Q3', '42', 'healthcare', 3], ['2026-Q2', '42', 'healthcare', 100], ['2026-Q2', '42', 'healthcare', 2], ['2025-Q3', '42', 'healthcare', 100], ['2025-Q3', '54', 'general_education', 100]);
  const out: string[] = [];
  for (const [period, region, organizationType, limit] of requests) {
    const url = `/v1/reports/rankings?${query({ period, region, organizationType, limit })}`;
    const actual = await get(url);
    const reported = new Map<string, number>([...actual.best, ...actual.worst].map((r: { code: string; satisfaction: number }) => [r.code, r.satisfaction]));
    const expected = model.rankings(period, region, organizationType, limit, reported);
    compare(url, '', actual, expected, out);
  }
  if (out.length > 0) throw new Error(`${out.length} figure(s) differ:\n${out.slice(0, 200).join('\n')}`);
});
