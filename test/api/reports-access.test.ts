/**
 * Who sees what in the reports (DESIGN §7, API.md "Reports" and "Scoring"), as a matrix:
 * every principal × every report (the indicators at every groupBy) × filters in and out of
 * each scope, unknown codes and combinations, and the admin's scoring runs. Snapshots are
 * inserted straight into Postgres, so every expected figure is a plain sum, computed here,
 * over the organisations the principal may see: a 200 must carry exactly those rows and
 * sums (this quarter's, the previous one's and the year-ago one's) and every row key must
 * lie inside the scope; a 401/403/422 is problem+json and carries no data. All requests
 * run in `beforeAll`, 8 at a time; each test judges one answer.
 */
import type { LightMyRequestResponse } from 'fastify';
import { GROUP_BY, type GroupBy, type RoleName } from '../../src/domain/scope';
import { createTestApp, ORG, type TestApp } from './app-helper';

const PERIOD = '2026-Q2';
const PREVIOUS = '2026-Q1';
const YEAR_AGO = '2025-Q2';
const PERIODS = [YEAR_AGO, PREVIOUS, PERIOD];
/** When the quarter's final scoring run finished (and its snapshots were computed). */
const COMPUTED_AT = new Date('2026-07-01T03:00:00Z');

// ---------- the data: 3 regions × 5 types (two hospitals per region) ----------

const REGIONS = ['42', '54', '16'];
const SECTOR_OF = { mse_bureau: 'mse', healthcare: 'health', general_education: 'education', preschool_education: 'education', sports: 'sport' } as const;
type TypeCode = keyof typeof SECTOR_OF;

interface Org { code: string; region: string; type: TypeCode; sector: string; i: number }

const ORGS: Org[] = [];
for (const region of REGIONS) {
  for (const [t, type] of (Object.keys(SECTOR_OF) as TypeCode[]).entries()) {
    for (let n = 1; n <= (type === 'healthcare' ? 2 : 1); n++) {
      // The app helper's hospital is the first one of region 42.
      const code = region === ORG.region && type === ORG.type && n === 1 ? ORG.code : `1${region}770000${t}${n}`.padEnd(13, '0');
      ORGS.push({ code, region, type, sector: SECTOR_OF[type], i: ORGS.length });
    }
  }
}
const org = (region: string, type: TypeCode, n = 1) => ORGS.filter((o) => o.region === region && o.type === type)[n - 1].code;
const HOSPITAL_42 = ORG.code;
const SCHOOL_42 = org('42', 'general_education');
const GYM_54 = org('54', 'sports');
const UNKNOWN_ORG = '1999999999999';

/** Distinct figures per organisation and quarter, so any stray organisation changes a sum. */
function figures(o: Org, period: string) {
  const j = PERIODS.indexOf(period);
  const completed = 6 + o.i + 2 * j;
  const mean = 3 + ((o.i * 7 + j * 3) % 20) / 10;
  return {
    receipts: 80 + 11 * o.i + j, late: o.i % 4, noAccount: (o.i % 3) + 1, activated: 60 + 9 * o.i + j,
    notified: 50 + 13 * o.i + 100 * j, completed,
    scoreSum: completed * mean, scoreSumSq: completed * mean * mean + completed * 0.25,
    infoSum: completed * 4 - (o.i % 3), infoCount: completed,
  };
}

// ---------- the principals, and what DESIGN §7 lets each see and name ----------

type Filters = Partial<Record<'region' | 'sector' | 'organizationType' | 'organization', string>>;
const ANY = () => true;
const NOTHING = () => false;
const oneOf = (...values: string[]) => (v: string) => values.includes(v);

interface Who {
  name: string;
  /** Asked only the unfiltered reports and a few filters (the same code path as another principal). */
  short?: boolean;
  role: RoleName | null;
  scope?: { regions?: string[]; sectors?: string[]; organizationCode?: string };
  /** The organisations whose figures it may read. */
  sees: (o: Org) => boolean;
  /** The levels it may group by. */
  levels: readonly GroupBy[];
  /** The region, sector and type codes it may name in a filter (an organisation: any it sees). */
  may: { region: (v: string) => boolean; sector: (v: string) => boolean; organizationType: (v: string) => boolean };
}

const BELOW_FEDERATION = GROUP_BY.filter((g) => g !== 'federation');
const NAMES_NOTHING = { region: NOTHING, sector: NOTHING, organizationType: NOTHING };
const WHO: Who[] = [
  { name: 'no key', role: null, sees: NOTHING, levels: [], may: NAMES_NOTHING },
  // DESIGN §7 gives the admin no reports, yet the report routes let it read everything, as federal.
  { name: 'admin', role: 'admin', short: true, sees: ANY, levels: GROUP_BY, may: { region: ANY, sector: ANY, organizationType: ANY } },
  { name: 'federal', role: 'federal', sees: ANY, levels: GROUP_BY, may: { region: ANY, sector: ANY, organizationType: ANY } },
  {
    name: 'sector health', role: 'sector', scope: { sectors: ['health'] },
    sees: (o) => o.sector === 'health', levels: GROUP_BY, // federation: the nation-wide total of its sectors
    may: { region: ANY, sector: oneOf('health'), organizationType: oneOf('healthcare') },
  },
  {
    name: 'sector health+education', role: 'sector', scope: { sectors: ['health', 'education'] },
    sees: (o) => o.sector === 'health' || o.sector === 'education', levels: GROUP_BY,
    may: { region: ANY, sector: oneOf('health', 'education'), organizationType: oneOf('healthcare', 'general_education', 'preschool_education') },
  },
  {
    name: 'sector sport in region 54 only', role: 'sector', scope: { sectors: ['sport'], regions: ['54'] },
    sees: (o) => o.sector === 'sport' && o.region === '54', levels: GROUP_BY,
    may: { region: oneOf('54'), sector: oneOf('sport'), organizationType: oneOf('sports') },
  },
  {
    name: 'region 42', role: 'region', scope: { regions: ['42'] },
    sees: (o) => o.region === '42', levels: BELOW_FEDERATION,
    may: { region: oneOf('42'), sector: ANY, organizationType: ANY },
  },
  {
    name: 'region 42, health only', role: 'region', scope: { regions: ['42'], sectors: ['health'] },
    sees: (o) => o.region === '42' && o.sector === 'health', levels: BELOW_FEDERATION,
    may: { region: oneOf('42'), sector: oneOf('health'), organizationType: oneOf('healthcare') },
  },
  {
    name: 'organization', role: 'organization', scope: { organizationCode: HOSPITAL_42 },
    sees: (o) => o.code === HOSPITAL_42, levels: ['organization'], may: NAMES_NOTHING, // its own organisation filter only
  },
  { name: 'integrator 42', role: 'integrator', scope: { regions: ['42'] }, sees: NOTHING, levels: [], may: NAMES_NOTHING },
];

/** The filters of every report with a groupBy: none, in and out of each scope, unknown codes, combinations. */
const FILTERS: Filters[] = [
  {},
  { region: '42' }, { region: '54' }, { region: '99' },
  { sector: 'health' }, { sector: 'education' }, { sector: 'space' },
  { organizationType: 'healthcare' }, { organizationType: 'preschool_education' }, { organizationType: 'circus' },
  { organization: HOSPITAL_42 }, { organization: SCHOOL_42 }, { organization: GYM_54 }, { organization: UNKNOWN_ORG },
  { region: '54', sector: 'sport' },
  { region: '42', organizationType: 'general_education' },
  { sector: 'health', organization: HOSPITAL_42 },
  { region: '54', organization: HOSPITAL_42 }, // contradictory: no rows, for whoever may name both
  { region: '42', sector: 'space' }, // in scope but unknown: 422
  { region: '54', organizationType: 'circus' }, // out of scope and unknown: 403 comes first
];
const SHORT_FILTERS: Filters[] = [{}, { region: '54', organizationType: 'sports' }, { organization: GYM_54 }, { region: '42', sector: 'space' }];
const RANKING_FILTERS = [
  { region: '42', organizationType: 'healthcare' }, { region: '54', organizationType: 'healthcare' },
  { region: '54', organizationType: 'sports' }, { region: '16', organizationType: 'general_education' },
  { region: '99', organizationType: 'healthcare' }, { region: '42', organizationType: 'circus' },
  { region: '54', organizationType: 'circus' }, { region: '99', organizationType: 'circus' },
];
const KNOWN = { region: REGIONS, sector: Object.values(SECTOR_OF) as string[], organizationType: Object.keys(SECTOR_OF), organization: ORGS.map((o) => o.code) };

// ---------- the oracle ----------

type Status = 200 | 202 | 401 | 403 | 422;

/** DESIGN §7: no key 401; a level or a known filter value outside the scope 403; else an unknown code 422. */
function expectedStatus(who: Who, groupBy: GroupBy, f: Filters): Status {
  if (!who.role) return 401;
  if (!who.levels.includes(groupBy)) return 403;
  for (const [name, value] of Object.entries(f) as [keyof Filters, string][]) {
    if (!KNOWN[name].includes(value)) continue;
    const allowed = name === 'organization' ? who.sees(ORGS.find((o) => o.code === value)!) : who.may[name](value);
    if (!allowed) return 403;
  }
  return unknownFilters(f).length > 0 ? 422 : 200;
}

function unknownFilters(f: Filters): string[] {
  return (Object.entries(f) as [keyof Filters, string][]).filter(([name, value]) => !KNOWN[name].includes(value)).map(([name]) => name).sort();
}

/** The organisations a 200 may sum: in scope and matching every filter. */
function visible(who: Who, f: Filters): Org[] {
  return ORGS.filter((o) => who.sees(o) && (!f.region || o.region === f.region) && (!f.sector || o.sector === f.sector)
    && (!f.organizationType || o.type === f.organizationType) && (!f.organization || o.code === f.organization));
}

const GROUP_FIELD: Record<GroupBy, ((o: Org) => string) | null> = {
  federation: null, region: (o) => o.region, sector: (o) => o.sector, organizationType: (o) => o.type, organization: (o) => o.code,
};
const keyOf = (groupBy: GroupBy, o: Org): Record<string, string> => (GROUP_FIELD[groupBy] ? { [groupBy]: GROUP_FIELD[groupBy]!(o) } : {});

/** Expected groups, sorted by key: each with its organisations' summed figures for a quarter. */
function expectedGroups(orgs: Org[], groupBy: GroupBy, period: string) {
  const groups = new Map<string, { key: Record<string, string>; orgs: Org[] }>();
  for (const o of orgs) {
    const key = keyOf(groupBy, o);
    const id = Object.values(key).join();
    groups.set(id, { key, orgs: [...(groups.get(id)?.orgs ?? []), o] });
  }
  return [...groups.values()].map((g) => ({ key: g.key, ...sum(g.orgs, period) })).sort(byKey);
}

/** Rows in a fixed order, whatever the database's collation. */
const byKey = (a: { key: Record<string, string> }, b: { key: Record<string, string> }) => {
  const [x, y] = [Object.values(a.key).join(), Object.values(b.key).join()];
  return x < y ? -1 : x > y ? 1 : 0;
};

function sum(orgs: Org[], period: string) {
  const total = { receipts: 0, late: 0, noAccount: 0, activated: 0, notified: 0, completed: 0, scoreSum: 0, infoSum: 0, infoCount: 0 };
  for (const o of orgs) for (const [k, v] of Object.entries(figures(o, period))) if (k in total) total[k as keyof typeof total] += v;
  return { ...total, satisfaction: total.scoreSum / total.completed, info: total.infoSum / total.infoCount };
}

/** Is a returned row key inside the principal's scope (and the filters)? */
function keyInScope(who: Who, groupBy: GroupBy, f: Filters, key: Record<string, string>): boolean {
  const field = GROUP_FIELD[groupBy];
  if (!field) return Object.keys(key).length === 0;
  return Object.keys(key).length === 1 && visible(who, f).some((o) => field(o) === key[groupBy]);
}

/** Two decimals, half away from zero, as the API rounds (the values here are positive). */
const round2 = (x: number) => Math.round(x * 100 + 1e-7) / 100;

// ---------- the matrix ----------

/** An answer as `res.json()` gives it: answers of several shapes, each check reads the fields it asserts on. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped JSON, checked field by field with expect
type Json = any;

interface Case {
  id: string;
  who: Who;
  method: 'GET' | 'POST';
  url: string;
  payload?: object;
  status: Status;
  /** For a 422: the paths its errors must name. */
  unknown?: string[];
  check?: (body: Json) => void;
}

/**
 * The levels each report is asked for: the indicators at every level; the funnel per
 * organisation (every organisation it counts, by name) and the history per region (sums
 * over three quarters). All three share the same authorisation and the same clipped query.
 */
const LEVELS = {
  indicators: GROUP_BY,
  funnel: ['organization'],
  history: ['region'],
} as const satisfies Record<string, readonly GroupBy[]>;

const qs = (params: Record<string, string | undefined>) =>
  new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined)).toString();

/** Every row key inside the scope (listed when not), then the rows in a fixed order. */
function rowsInScope<R extends { key: Record<string, string> }>(who: Who, groupBy: GroupBy, f: Filters, rows: R[]): R[] {
  expect(rows.filter((r) => !keyInScope(who, groupBy, f, r.key)).map((r) => r.key)).toEqual([]);
  return [...rows].sort(byKey);
}

function reportCases(who: Who): Case[] {
  const cases: Case[] = [];
  const add = (url: string, status: Status, f: Filters, check: (body: Json) => void) =>
    cases.push({ id: `${who.name} | ${url}`, who, method: 'GET', url, status, unknown: unknownFilters(f), check });
  for (const f of who.short ? SHORT_FILTERS : FILTERS) {
    const orgs = visible(who, f);
    for (const groupBy of LEVELS.indicators) {
      add(`/v1/reports/indicators?${qs({ period: PERIOD, groupBy, ...f })}`, expectedStatus(who, groupBy, f), f, (body) => {
        expect(body).toMatchObject({ period: PERIOD, final: true, computedAt: COMPUTED_AT.toISOString() });
        const previous = expectedGroups(orgs, groupBy, PREVIOUS);
        const yearAgo = expectedGroups(orgs, groupBy, YEAR_AGO);
        expect(rowsInScope(who, groupBy, f, body.rows).map((r: Json) => ({
          key: r.key, notified: r.notified, completed: r.completed, responses: r.responses, satisfaction: r.satisfaction,
          info: r.items.info, previous: r.previous?.satisfaction, yearAgo: r.yearAgo?.satisfaction,
        }))).toEqual(expectedGroups(orgs, groupBy, PERIOD).map((g, n) => ({
          key: g.key, notified: g.notified, completed: g.completed, responses: g.completed, satisfaction: round2(g.satisfaction),
          info: round2(g.info), previous: round2(previous[n].satisfaction), yearAgo: round2(yearAgo[n].satisfaction),
        })));
      });
    }
    for (const groupBy of LEVELS.funnel) {
      add(`/v1/reports/funnel?${qs({ period: PERIOD, groupBy, ...f })}`, expectedStatus(who, groupBy, f), f, (body) => {
        expect(body).toMatchObject({ period: PERIOD, final: true });
        expect(rowsInScope(who, groupBy, f, body.rows).map(({ name: _n, ...r }: Json) => r)).toEqual(expectedGroups(orgs, groupBy, PERIOD).map((g) => ({
          key: g.key, receipts: g.receipts, late: g.late, noAccount: g.noAccount, activated: g.activated, notified: g.notified, completed: g.completed,
        })));
      });
    }
    for (const groupBy of LEVELS.history) {
      add(`/v1/reports/indicators/history?${qs({ from: YEAR_AGO, to: PERIOD, groupBy, ...f })}`, expectedStatus(who, groupBy, f), f, (body) => {
        const byPeriod = PERIODS.map((period) => expectedGroups(orgs, groupBy, period));
        expect(rowsInScope(who, groupBy, f, body.series).map((s: Json) => ({
          key: s.key, points: s.points.map((p: Json) => ({ period: p.period, notified: p.notified, completed: p.completed })),
        }))).toEqual(byPeriod[0].map(({ key }, n) => ({
          key, points: PERIODS.map((period, j) => ({ period, notified: byPeriod[j][n].notified, completed: byPeriod[j][n].completed })),
        })));
      });
    }
  }
  for (const f of RANKING_FILTERS) {
    const orgs = visible(who, f);
    add(`/v1/reports/rankings?${qs({ period: PERIOD, ...f })}`, expectedStatus(who, 'organization', f), f, (body) => {
      const listed = [...body.best, ...body.worst, ...body.unranked] as { code: string; responses: number }[];
      expect(listed.filter((r) => !orgs.some((o) => o.code === r.code)).map((r) => r.code)).toEqual([]);
      expect(Object.fromEntries(listed.map((r) => [r.code, r.responses])))
        .toEqual(Object.fromEntries(orgs.map((o) => [o.code, figures(o, PERIOD).completed])));
    });
  }
  return cases;
}

/** Scoring runs are the admin's (DESIGN §7): everyone else 403, no key 401. */
function scoringCases(who: Who): Case[] {
  const admin = who.role === 'admin';
  const denied: Status = who.role ? 403 : 401;
  return [
    { id: `${who.name} | POST /v1/scoring/runs ${PERIOD}`, who, method: 'POST', url: '/v1/scoring/runs', payload: { period: PERIOD }, status: admin ? 202 : denied,
      check: (body) => expect(body.workflowId).toEqual(expect.stringContaining(PERIOD)) },
    { id: `${who.name} | POST /v1/scoring/runs 2999-Q1 (unfinished)`, who, method: 'POST', url: '/v1/scoring/runs', payload: { period: '2999-Q1' }, status: admin ? 422 : denied, unknown: ['period'] },
    { id: `${who.name} | GET /v1/scoring/runs/${PERIOD}`, who, method: 'GET', url: `/v1/scoring/runs/${PERIOD}`, status: admin ? 200 : denied,
      check: (body) => expect(body).toMatchObject({ period: PERIOD, final: true, computedAt: COMPUTED_AT.toISOString(), runs: [{ final: true, status: 'completed', trigger: 'schedule' }] }) },
  ];
}

const CASES = WHO.flatMap((who) => [...reportCases(who), ...scoringCases(who)]);

// ---------- running it ----------

let t: TestApp;
const answers = new Map<string, LightMyRequestResponse>();

beforeAll(async () => {
  t = await createTestApp();
  const { db } = t.tdb;
  await db.organization.createMany({
    data: ORGS.filter((o) => o.code !== ORG.code).map((o) => ({ code: o.code, name: `Организация ${o.code}`, typeCode: o.type, regionCode: o.region, founderLevel: 'regional' as const })),
  });
  const ids = new Map((await db.organization.findMany()).map((o) => [o.code, o.id]));
  const run = await db.scoringRun.create({
    data: { period: PERIOD, final: true, trigger: 'schedule', status: 'completed', startedAt: COMPUTED_AT, finishedAt: COMPUTED_AT, organizations: ORGS.length, changed: 0 },
  });
  await db.indicatorSnapshot.createMany({
    data: PERIODS.flatMap((period) => ORGS.map((o) => ({
      period, organizationId: ids.get(o.code)!, regionCode: o.region, typeCode: o.type, sector: o.sector, final: true,
      computedAt: COMPUTED_AT, runId: run.id, ...figures(o, period),
    }))),
  });
  const keys = new Map<string, string | null>();
  for (const who of WHO) keys.set(who.name, who.role ? await t.key(who.role, who.scope, who.name) : null);
  const queue = [...CASES];
  await Promise.all(Array.from({ length: 8 }, async () => {
    for (let c = queue.shift(); c; c = queue.shift()) {
      answers.set(c.id, await t.call(keys.get(c.who.name)!, { method: c.method, url: c.url, ...(c.payload ? { payload: c.payload } : {}) }));
    }
  }));
});
afterAll(async () => t?.close());

test('the data covers every region × sector × type, and every organisation is in a snapshot', () => {
  expect(ORGS).toHaveLength(18);
  for (const region of REGIONS) for (const type of Object.keys(SECTOR_OF)) expect(ORGS.some((o) => o.region === region && o.type === type)).toBe(true);
});

test.each(CASES.map((c) => [`${c.id} → ${c.status}`, c] as const))('%s', (_name, c) => {
  const res = answers.get(c.id)!;
  expect([res.statusCode, res.statusCode === c.status ? '' : res.body]).toEqual([c.status, '']);
  if (c.status === 200 || c.status === 202) {
    expect(res.headers['content-type']).toContain('application/json');
    c.check?.(res.json());
    return;
  }
  // An error is problem+json and carries nothing but the problem: no rows, no organisation the request did not name.
  const body = res.json();
  const named = [...new URL(c.url, 'http://x').searchParams.values()];
  expect({
    type: res.headers['content-type'],
    fields: Object.keys(body).filter((k) => !['type', 'title', 'status', 'code', 'detail', 'errors', 'instance'].includes(k)),
    // The problem's instance is the request's id, nothing of the data.
    instance: /^urn:request:[\w.-]+$/.test(String(body.instance)),
    status: body.status,
    organizations: ORGS.filter((o) => !named.includes(o.code) && res.body.includes(o.code)).map((o) => o.code),
    names: res.body.includes('Организация'),
    // "region 54 is outside…" only for a region (or a type's sector) the caller named, never where a foreign organisation is.
    places: [...String(body.detail).matchAll(/\b(?:region|sector) (\S+) is outside/g)].map((m) => m[1])
      .filter((v) => !named.includes(v) && !named.some((n) => SECTOR_OF[n as TypeCode] === v)),
    errors: c.status === 422 ? body.errors.map((e: { path: string }) => e.path).sort() : undefined,
  }).toEqual({
    type: expect.stringContaining('application/problem+json'), fields: [], instance: true, status: c.status, organizations: [], names: false, places: [],
    errors: c.status === 422 ? c.unknown : undefined,
  });
});

// ---------- spot checks, written out by hand (independent of the oracle above) ----------

describe('by hand', () => {
  const get = async (who: string, url: string) => t.call(await keyFor(who), { method: 'GET', url });
  const keys = new Map<string, string>();
  const keyFor = async (name: string) => {
    const who = WHO.find((w) => w.name === name)!;
    if (!keys.has(name)) keys.set(name, await t.key(who.role!, who.scope, `${name} (spot)`));
    return keys.get(name)!;
  };

  test.each([
    ['region 42', `/v1/reports/indicators?period=${PERIOD}&groupBy=federation`, 403],
    ['region 42', `/v1/reports/indicators?period=${PERIOD}&groupBy=region`, 200],
    ['region 42', `/v1/reports/indicators?period=${PERIOD}&groupBy=region&region=54`, 403],
    ['region 42', `/v1/reports/rankings?period=${PERIOD}&region=54&organizationType=healthcare`, 403],
    ['region 42', `/v1/reports/funnel?period=${PERIOD}&groupBy=organization&organization=${GYM_54}`, 403],
    ['region 42', `/v1/reports/indicators?period=${PERIOD}&groupBy=organization&region=99`, 422],
    ['sector health', `/v1/reports/indicators?period=${PERIOD}&groupBy=federation`, 200],
    ['sector health', `/v1/reports/indicators?period=${PERIOD}&groupBy=region&sector=education`, 403],
    ['sector health', `/v1/reports/indicators?period=${PERIOD}&groupBy=region&organizationType=sports`, 403],
    ['sector health', `/v1/reports/rankings?period=${PERIOD}&region=54&organizationType=healthcare`, 200],
    ['region 42, health only', `/v1/reports/indicators?period=${PERIOD}&groupBy=sector&sector=education`, 403],
    ['sector sport in region 54 only', `/v1/reports/indicators?period=${PERIOD}&groupBy=region&region=42`, 403],
    ['organization', `/v1/reports/indicators?period=${PERIOD}&groupBy=organization`, 200],
    ['organization', `/v1/reports/indicators?period=${PERIOD}&groupBy=organizationType`, 403],
    ['organization', `/v1/reports/indicators?period=${PERIOD}&groupBy=organization&organization=${SCHOOL_42}`, 403],
    ['organization', `/v1/reports/rankings?period=${PERIOD}&region=42&organizationType=healthcare`, 403],
    ['integrator 42', `/v1/reports/funnel?period=${PERIOD}&groupBy=region&region=42`, 403],
    ['federal', `/v1/scoring/runs/${PERIOD}`, 403],
  ])('%s: GET %s → %i', async (who, url, status) => {
    expect((await get(who, url)).statusCode).toBe(status);
  });

  test('an unknown key is 401 with WWW-Authenticate on every report', async () => {
    for (const url of [`/v1/reports/indicators?period=${PERIOD}`, `/v1/reports/funnel?period=${PERIOD}`, `/v1/reports/indicators/history?from=${PREVIOUS}&to=${PERIOD}`,
      `/v1/reports/rankings?period=${PERIOD}&region=42&organizationType=healthcare`, `/v1/scoring/runs/${PERIOD}`]) {
      const res = await t.call('sfk_not_a_key', { method: 'GET', url });
      expect([url, res.statusCode, res.headers['www-authenticate']]).toEqual([url, 401, 'Bearer']);
    }
  });

  test('a sector key’s "federation" row is the nation-wide total of its sectors only', async () => {
    const body = (await get('sector health', `/v1/reports/funnel?period=${PERIOD}&groupBy=federation`)).json();
    const hospitals = ORGS.filter((o) => o.type === 'healthcare');
    expect(hospitals).toHaveLength(6);
    expect(body.rows).toEqual([expect.objectContaining({ key: {}, notified: hospitals.reduce((s, o) => s + figures(o, PERIOD).notified, 0) })]);
  });

  test('a region key with a sector sees only that sector of its region, in CSV too', async () => {
    const csv = await get('region 42, health only', `/v1/reports/indicators?period=${PERIOD}&groupBy=organization&format=csv`);
    expect(csv.statusCode).toBe(200);
    const codes = csv.body.trim().split('\r\n').slice(1).map((line) => line.split(',')[0]).sort();
    expect(codes).toEqual([HOSPITAL_42, org('42', 'healthcare', 2)].sort());
  });

  test('a region key’s CSV lists only its region’s organisations', async () => {
    const csv = await get('region 42', `/v1/reports/funnel?period=${PERIOD}&groupBy=organization&format=csv`);
    const codes = csv.body.trim().split('\r\n').slice(1).map((line) => line.split(',')[0]).sort();
    expect(codes).toEqual(ORGS.filter((o) => o.region === '42').map((o) => o.code).sort());
  });
});
