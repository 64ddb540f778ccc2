/**
 * GET /v1/reports/participation (docs/reports.md): a generated set of receipt stories over
 * three quarters, and for every principal × level × window the figures computed here from
 * the stories with plain filters (an oracle independent of the production SQL): registered
 * and sending organisations and the silent ones by code, receipts, late and withdrawn ones,
 * notifications by channel and outcome, unsubscriptions, distinct citizens invited and
 * answering, and per integrator the receipts, the late share and the median delay.
 */
import { mulberry32 } from '../helpers/prng';
import { documentedSchema } from './openapi-check';
import { createOrganizations, insertStories, type Story } from './report-stories';
import { createTestApp, ORG, type TestApp } from './app-helper';

/** [from, to) of each quarter: 00:00 Moscow (21:00 UTC the day before). */
const QUARTERS = {
  '2026-Q1': { from: Date.parse('2025-12-31T21:00:00Z'), to: Date.parse('2026-03-31T21:00:00Z') },
  '2026-Q2': { from: Date.parse('2026-03-31T21:00:00Z'), to: Date.parse('2026-06-30T21:00:00Z') },
  '2026-Q3': { from: Date.parse('2026-06-30T21:00:00Z'), to: Date.parse('2026-09-30T21:00:00Z') },
};
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface Org { code: string; name: string; region: string; type: string; sector: string }
const ORGS: Org[] = [
  { code: ORG.code, name: 'ГБУЗ «Кемеровская областная больница»', region: '42', type: 'healthcare', sector: 'health' },
  { code: '1024200000002', name: 'Школа № 5', region: '42', type: 'general_education', sector: 'education' },
  { code: '1024200000003', name: 'Детский сад № 12', region: '42', type: 'preschool_education', sector: 'education' },
  { code: '1024200000004', name: 'Бюро МСЭ № 4', region: '42', type: 'mse_bureau', sector: 'mse' },
  { code: '1025400000001', name: 'Спортивная школа «Сибирь»', region: '54', type: 'sports', sector: 'sport' },
  { code: '1025400000002', name: 'Городская больница № 1', region: '54', type: 'healthcare', sector: 'health' },
  { code: '1025400000003', name: 'Гимназия № 1', region: '54', type: 'general_education', sector: 'education' },
];
const [HOSPITAL_42, SCHOOL_42, KINDERGARTEN_42, BUREAU_42, GYM_54, HOSPITAL_54, GYMNASIUM_54] = ORGS.map((o) => o.code);
/** Who posts for whom: a regional system per region and a federal one for both hospitals. */
const INTEGRATORS: Record<string, string[]> = {
  'his-42': [HOSPITAL_42, SCHOOL_42, KINDERGARTEN_42],
  'his-54': [GYM_54, HOSPITAL_54],
  'federal-his': [HOSPITAL_42, HOSPITAL_54],
};
// BUREAU_42 and GYMNASIUM_54 never send; KINDERGARTEN_42 sends in Q1 only.

/** Receipt stories: a fixed seed, so a failure reproduces. */
function generate(): Story[] {
  const rand = mulberry32(20261205);
  // The portal notices draw from a generator of their own: the other figures keep their stories.
  const portalRand = mulberry32(11);
  const pick = <T>(list: T[]) => list[Math.floor(rand() * list.length)];
  const stories: Story[] = [];
  const accounts = ['anna', 'boris', 'vera', 'gleb', 'dina', 'egor'];
  for (const [label, q] of Object.entries(QUARTERS)) {
    for (const [integrator, orgs] of Object.entries(INTEGRATORS)) {
      for (const org of orgs) {
        if (org === KINDERGARTEN_42 && label !== '2026-Q1') continue;
        for (let i = 0; i < 3; i++) {
          const serviceStart = q.from + Math.floor(rand() * 80) * DAY; // 00:00 Moscow of a day
          const delay = (2 + Math.floor(rand() * 78)) * HOUR;
          const receivedAt = new Date(serviceStart + delay);
          const serviceDate = new Date(serviceStart + 3 * HOUR).toISOString().slice(0, 10);
          const story: Story = { org, integrator, serviceDate, receivedAt, late: delay >= 48 * HOUR };
          if (rand() < 0.15) story.cancelledAt = new Date(receivedAt.getTime() + Math.floor(rand() * 20) * DAY);
          if (rand() < 0.8) {
            story.account = pick(accounts);
            story.linkCreatedAt = new Date(receivedAt.getTime() + DAY);
            const status = pick(['sent', 'sent', 'sent', 'failed', 'pending', 'skipped'] as const);
            story.notification = { status, at: new Date(story.linkCreatedAt.getTime() + Math.floor(rand() * 4) * DAY) };
            if (rand() < 0.15) story.unsubscribedAt = new Date(story.notification.at.getTime() + 5 * DAY);
            if (status === 'sent' && rand() < 0.6) story.response = { at: new Date(story.notification.at.getTime() + Math.floor(rand() * 25) * DAY), comment: null };
            if (portalRand() < 0.5) {
              const portalStatus = (['sent', 'sent', 'failed', 'pending', 'skipped'] as const)[Math.floor(portalRand() * 5)];
              story.portalNotification = { status: portalStatus, at: new Date(story.linkCreatedAt.getTime() + Math.floor(portalRand() * 4) * DAY) };
            }
          }
          stories.push(story);
        }
      }
    }
  }
  return stories;
}
const STORIES = generate();

// ---------- the oracle ----------

type GroupBy = 'federation' | 'region' | 'sector' | 'organizationType' | 'organization';
interface Window { from: number; to: number }
const orgOf = (code: string) => ORGS.find((o) => o.code === code)!;
const keyOf = (groupBy: GroupBy, o: Org): Record<string, string> =>
  groupBy === 'federation' ? {} : { [groupBy]: { region: o.region, sector: o.sector, organizationType: o.type, organization: o.code }[groupBy] };
const within = (w: Window, d: Date | undefined) => d !== undefined && d.getTime() >= w.from && d.getTime() < w.to;

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const v = [...values].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

function expectedReport(sees: (o: Org) => boolean, groupBy: GroupBy, w: Window) {
  const orgs = ORGS.filter(sees);
  const stories = STORIES.filter((s) => sees(orgOf(s.org)));
  const groups = new Map<string, Org[]>();
  for (const o of orgs) groups.set(JSON.stringify(keyOf(groupBy, o)), [...(groups.get(JSON.stringify(keyOf(groupBy, o))) ?? []), o]);
  const rows = [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, members]) => {
    const codes = new Set(members.map((o) => o.code));
    const mine = stories.filter((s) => codes.has(s.org));
    const sending = members.filter((o) => mine.some((s) => s.org === o.code && within(w, s.receivedAt))).length;
    const outcome = (status: string, channel: 'notification' | 'portalNotification' = 'notification') =>
      mine.filter((s) => s[channel]?.status === status && within(w, s[channel].at)).length;
    const portal = (status: string) => outcome(status, 'portalNotification');
    return {
      key: JSON.parse(key),
      organizations: { registered: members.length, sending, silent: members.length - sending },
      receipts: {
        received: mine.filter((s) => within(w, s.receivedAt)).length,
        late: mine.filter((s) => within(w, s.receivedAt) && s.late).length,
        cancelled: mine.filter((s) => within(w, s.cancelledAt)).length,
      },
      notifications: {
        email: { sent: outcome('sent'), failed: outcome('failed'), pending: outcome('pending'), skipped: outcome('skipped') },
        portal: { sent: portal('sent'), failed: portal('failed'), pending: portal('pending'), skipped: portal('skipped') },
      },
      unsubscribed: mine.filter((s) => within(w, s.unsubscribedAt)).length,
      citizens: {
        invited: new Set(mine.filter((s) => s.account && within(w, s.linkCreatedAt)).map((s) => s.account)).size,
        answering: new Set(mine.filter((s) => within(w, s.response?.at)).map((s) => s.account)).size,
      },
    };
  });
  const integrators = Object.keys(INTEGRATORS).sort().map((integrator) => {
    const sent = stories.filter((s) => s.integrator === integrator && within(w, s.receivedAt));
    const late = sent.filter((s) => s.late).length;
    const delays = sent.map((s) => (s.receivedAt.getTime() - Date.parse(`${s.serviceDate}T00:00:00+03:00`)) / HOUR);
    const m = median(delays);
    return { integrator, receipts: sent.length, late, latePercent: sent.length ? Math.round((late / sent.length) * 1000) / 10 : null, medianDelayHours: m === null ? null : Math.round(m * 10) / 10 };
  }).filter((i) => i.receipts > 0);
  const silent = orgs.filter((o) => !stories.some((s) => s.org === o.code && within(w, s.receivedAt))).map((o) => o.code).sort();
  return { rows, integrators, silent };
}

// ---------- the app ----------

let t: TestApp;
const K: Record<string, string> = {};

beforeAll(async () => {
  t = await createTestApp();
  await createOrganizations(t.tdb.db, ORGS.slice(1));
  await insertStories(t.tdb.db, STORIES);
  K.federal = t.keys.federal;
  K.admin = t.keys.admin;
  K.region42 = t.keys.region;
  K.organization = t.keys.organization;
  K.sectorHealth = await t.key('sector', { sectors: ['health'] });
  K.region54Health = await t.key('region', { regions: ['54'], sectors: ['health'] }, 'region-54-health');
}, 60_000);
afterAll(() => t?.close());

const get = (key: string | null, query: string) => t.call(key, { method: 'GET', url: `/v1/reports/participation?${query}` });

const WHO: { name: string; key: string; sees: (o: Org) => boolean; levels: GroupBy[] }[] = [
  { name: 'federal', key: 'federal', sees: () => true, levels: ['federation', 'region', 'sector', 'organizationType', 'organization'] },
  { name: 'admin', key: 'admin', sees: () => true, levels: ['federation', 'organization'] },
  { name: 'region 42', key: 'region42', sees: (o) => o.region === '42', levels: ['region', 'sector', 'organization'] },
  { name: 'sector health', key: 'sectorHealth', sees: (o) => o.sector === 'health', levels: ['federation', 'region', 'organization'] },
  { name: 'region 54, health only', key: 'region54Health', sees: (o) => o.region === '54' && o.sector === 'health', levels: ['region', 'organizationType'] },
  { name: 'organization', key: 'organization', sees: (o) => o.code === HOSPITAL_42, levels: ['organization'] },
];
const WINDOWS: { query: string; window: () => Window; period: string | null }[] = [
  { query: 'period=2026-Q2', window: () => QUARTERS['2026-Q2'], period: '2026-Q2' },
  { query: 'period=2026-Q1', window: () => QUARTERS['2026-Q1'], period: '2026-Q1' },
  { query: 'since=start', window: () => ({ from: 0, to: Date.now() }), period: null },
];
const CASES = WHO.flatMap((who) => who.levels.flatMap((groupBy) => WINDOWS.map((w) => [who.name, groupBy, w.query, who, w] as const)));

describe('every principal, level and window gets exactly the figures of its scope', () => {
  test.each(CASES)('%s by %s, %s', async (_n, groupBy, _q, who, w) => {
    const res = await get(K[who.key], `${w.query}&groupBy=${groupBy}`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const want = expectedReport(who.sees, groupBy, w.window());
    expect(body).toMatchObject({ period: w.period, since: w.period ? null : 'start', groupBy });
    expect(body.rows.map(({ name: _name, ...row }: { name: string }) => row)).toEqual(want.rows);
    expect(body.integrators).toEqual(want.integrators);
    expect(body.silent.total).toBe(want.silent.length);
    expect(body.silent.organizations.map((o: { code: string }) => o.code)).toEqual(want.silent);
  });
});

describe('what the figures mean', () => {
  test('the data set exercises every figure (so a zero above is not an accident)', () => {
    const w = QUARTERS['2026-Q2'];
    const want = expectedReport(() => true, 'federation', w).rows[0];
    expect(want.receipts.late).toBeGreaterThan(0);
    expect(want.receipts.cancelled).toBeGreaterThan(0);
    for (const outcome of ['sent', 'failed', 'pending', 'skipped'] as const) {
      expect(want.notifications.email[outcome]).toBeGreaterThan(0);
      expect(want.notifications.portal[outcome]).toBeGreaterThan(0);
    }
    expect(want.unsubscribed).toBeGreaterThan(0);
    // six accounts, invited many times: distinct counting matters
    expect(want.citizens.invited).toBeLessThan(STORIES.filter((s) => s.account && within(w, s.linkCreatedAt)).length);
    expect(want.citizens.answering).toBeGreaterThan(0);
  });

  test('the silent organisations are named by code and name; a Q1-only sender is silent in Q2 and sending since the start', async () => {
    const q2 = (await get(K.federal, 'period=2026-Q2')).json();
    expect(q2.silent.organizations).toEqual([
      { code: KINDERGARTEN_42, name: 'Детский сад № 12', region: '42', organizationType: 'preschool_education' },
      { code: BUREAU_42, name: 'Бюро МСЭ № 4', region: '42', organizationType: 'mse_bureau' },
      { code: GYMNASIUM_54, name: 'Гимназия № 1', region: '54', organizationType: 'general_education' },
    ].sort((a, b) => (a.code < b.code ? -1 : 1)));
    const all = (await get(K.federal, 'since=start')).json();
    expect(all.silent.organizations.map((o: { code: string }) => o.code)).toEqual([BUREAU_42, GYMNASIUM_54].sort());
    expect(all.from).toBeNull();
  });

  test('rows carry the names of their groups', async () => {
    const body = (await get(K.federal, 'period=2026-Q2&groupBy=region')).json();
    expect(body.rows.map((r: { name: string }) => r.name)).toEqual(['Кемеровская область – Кузбасс', 'Новосибирская область'].map((n) => expect.stringContaining(n.split(' ')[0])));
    const sectors = (await get(K.federal, 'period=2026-Q2&groupBy=sector')).json();
    expect(sectors.rows.find((r: { key: { sector: string } }) => r.key.sector === 'health').name).toBe('здравоохранение');
  });

  test('without a period, the current quarter (nothing happened yet, every organisation silent)', async () => {
    const body = (await get(K.federal, '')).json();
    expect(body.period).toMatch(/^\d{4}-Q[1-4]$/);
    expect(body.rows[0].organizations).toEqual({ registered: ORGS.length, sending: 0, silent: ORGS.length });
  });

  test('an integrator\'s figures are clipped to the organisations the reader may see', async () => {
    const body = (await get(K.region42, 'period=2026-Q2&groupBy=region')).json();
    const federalHis = body.integrators.find((i: { integrator: string }) => i.integrator === 'federal-his');
    expect(federalHis.receipts).toBe(STORIES.filter((s) => s.integrator === 'federal-his' && s.org === HOSPITAL_42 && within(QUARTERS['2026-Q2'], s.receivedAt)).length);
    expect(body.integrators.map((i: { integrator: string }) => i.integrator)).not.toContain('his-54');
  });
});

describe('refusals', () => {
  const cases: [string, string | null, string, number, string][] = [
    ['no key', null, 'period=2026-Q2', 401, 'unauthorized'],
    ['an integrator', 'integrator', 'period=2026-Q2', 403, 'out_of_scope'],
    ['a region for the whole federation', 'region42', 'period=2026-Q2&groupBy=federation', 403, 'out_of_scope'],
    ['a region naming another', 'region42', 'period=2026-Q2&groupBy=region&region=54', 403, 'out_of_scope'],
    ['an organisation by region', 'organization', 'period=2026-Q2&groupBy=region', 403, 'out_of_scope'],
    ['an organisation naming another', 'organization', `period=2026-Q2&groupBy=organization&organization=${SCHOOL_42}`, 403, 'out_of_scope'],
    ['period and since together', 'federal', 'period=2026-Q2&since=start', 422, 'validation_failed'],
    ['since something else', 'federal', 'since=yesterday', 422, 'validation_failed'],
    ['an unknown sector', 'federal', 'sector=space', 422, 'validation_failed'],
    ['an unknown table', 'federal', 'format=csv&table=people', 422, 'validation_failed'],
  ];
  test.each(cases)('%s', async (_name, who, query, status, code) => {
    const key = who === null ? null : who === 'integrator' ? t.keys.integrator : K[who];
    const res = await get(key, query);
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json().code).toBe(code);
    expect(res.body).not.toContain('his-');
  });
});

test('the OpenAPI document declares what the route sends, and its example is true to it', async () => {
  const schema = await documentedSchema(t.app, 'getParticipation');
  expect(schema.examples).toHaveLength(1);
  expect(schema.errors({ period: 1 })).not.toBeNull(); // the schema is a real one
  for (const body of [...schema.examples, (await get(K.federal, 'period=2026-Q2&groupBy=organization')).json(), (await get(K.region42, 'since=start&groupBy=sector')).json()]) {
    expect(schema.errors(body)).toBeNull();
  }
});

describe('CSV', () => {
  const lines = (body: string) => body.replace(/^\uFEFF/, '').trimEnd().split('\r\n');

  test('the groups, one line per row with every figure', async () => {
    const res = await get(K.federal, 'period=2026-Q2&groupBy=region&format=csv');
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.headers['content-disposition']).toContain('participation-2026-Q2-groups.csv');
    const [header, ...rows] = lines(res.body);
    expect(header).toBe('region,name,organizations_registered,organizations_sending,organizations_silent,receipts,receipts_late,receipts_cancelled,'
      + 'email_sent,email_failed,email_pending,email_skipped,portal_sent,portal_failed,portal_pending,portal_skipped,unsubscribed,citizens_invited,citizens_answering');
    const want = expectedReport(() => true, 'region', QUARTERS['2026-Q2']).rows;
    expect(rows).toHaveLength(want.length);
    expect(rows[0].split(',').slice(2).map(Number)).toEqual([
      want[0].organizations.registered, want[0].organizations.sending, want[0].organizations.silent,
      want[0].receipts.received, want[0].receipts.late, want[0].receipts.cancelled,
      want[0].notifications.email.sent, want[0].notifications.email.failed, want[0].notifications.email.pending, want[0].notifications.email.skipped,
      want[0].notifications.portal.sent, want[0].notifications.portal.failed, want[0].notifications.portal.pending, want[0].notifications.portal.skipped,
      want[0].unsubscribed, want[0].citizens.invited, want[0].citizens.answering,
    ]);
  });

  test('the integrators and the silent organisations as tables of their own', async () => {
    const integrators = lines((await get(K.federal, 'since=start&format=csv&table=integrators')).body);
    expect(integrators[0]).toBe('integrator,receipts,late,late_percent,median_delay_hours');
    expect(integrators.slice(1).map((l) => l.split(',')[0])).toEqual(['federal-his', 'his-42', 'his-54']);
    const silent = lines((await get(K.region42, 'period=2026-Q2&groupBy=region&format=csv&table=silent')).body);
    expect(silent).toEqual(['code,name,region,organization_type', `${KINDERGARTEN_42},Детский сад № 12,42,preschool_education`, `${BUREAU_42},Бюро МСЭ № 4,42,mse_bureau`].sort((a, b) => (a.startsWith('code') ? -1 : b.startsWith('code') ? 1 : a < b ? -1 : 1)));
  });
});
