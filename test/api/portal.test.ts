/**
 * The citizen's personal account on the portal (Regulation II.6): a `portal` key asks, with
 * a SNILS in the body, for the links that citizen can answer now. Real PostgreSQL; the
 * invitations are stored rows, as the workflow leaves them.
 */
import { randomUUID } from 'node:crypto';
import { Secrets, tokenHash } from '../../src/security';
import { makeSnils } from '../helpers/people';
import { createTestApp, ORG, type TestApp } from './app-helper';

let t: TestApp;
let portalKey: string;
let integratorId: string;
let orgId: string;

beforeAll(async () => {
  t = await createTestApp({ env: { PORTAL_RATE_LIMIT_PER_MINUTE: '1000', PUBLIC_BASE_URL: 'https://feedback.example.org' } });
  portalKey = await t.key('portal');
  integratorId = (await t.tdb.db.integrator.create({ data: { code: 'mis-portal-test' } })).id;
  orgId = (await t.tdb.db.organization.findUniqueOrThrow({ where: { code: ORG.code } })).id;
});
afterAll(async () => t?.close());

const lookup = (snils: string, key = portalKey) => t.call(key, { method: 'POST', url: '/v1/portal/questionnaires/lookup', payload: { snils } });

/** An account, a receipt and its invitation in the given state, with one link for the account. */
async function invitation(snils: string, state: { status?: 'active' | 'closed' | 'pending'; closesInDays?: number; cancelled?: boolean; round?: number; answered?: boolean; kind?: 'one_time' | 'long' }) {
  const db = t.tdb.db;
  const snilsHash = t.secrets.snilsHash(snils.replace(/\D/g, ''));
  const account = await db.account.upsert({ where: { snilsHash }, create: { snilsHash, email: 'citizen@example.test', confirmed: true }, update: {} });
  const receipt = await db.receipt.create({
    data: {
      integratorId, externalId: randomUUID(), bodyHash: 'x', organizationId: orgId, serviceKind: state.kind ?? 'one_time',
      serviceDate: new Date('2026-11-20'), minor: false, late: false, status: state.cancelled ? 'cancelled' : 'active',
    },
  });
  const round = state.round ?? 1;
  const inv = await db.invitation.create({
    data: { receiptId: receipt.id, status: state.status ?? 'active', round, activatedAt: new Date(), closesAt: new Date(Date.now() + (state.closesInDays ?? 20) * 86_400_000) },
  });
  const nonce = Secrets.newTokenNonce();
  const token = t.secrets.token(nonce);
  const link = await db.invitationLink.create({ data: { invitationId: inv.id, accountId: account.id, tokenNonce: nonce, tokenHash: tokenHash(token) } });
  await db.invitationRound.create({ data: { invitationId: inv.id, round, openedAt: new Date(), completedAt: state.answered ? new Date() : null } });
  if (state.answered) {
    await db.response.create({ data: { invitationId: inv.id, round, linkId: link.id, organizationId: orgId, questionnaireVersion: 1, score: 5 } });
  }
  return { url: `https://feedback.example.org/q/${token}`, receipt };
}

test('a citizen\'s answerable links, soonest closing first; answered, closed, past and withdrawn ones as they should be', async () => {
  const citizen = makeSnils();
  const later = await invitation(citizen.formatted, { closesInDays: 25 });
  const sooner = await invitation(citizen.formatted, { closesInDays: 3, kind: 'long', round: 2, answered: true });
  await invitation(citizen.formatted, { status: 'closed' });
  await invitation(citizen.formatted, { closesInDays: -1 });
  await invitation(citizen.formatted, { cancelled: true });
  await invitation(citizen.formatted, { status: 'pending' });
  await invitation(makeSnils().formatted, {}); // someone else's

  const res = await lookup(citizen.bare);
  expect(res.statusCode).toBe(200);
  const { links } = res.json() as { links: { url: string; status: string; round: number; until: string; organization: { code: string; typeName: string }; service: { kind: string } }[] };
  expect(links.map((l) => l.url)).toEqual([sooner.url, later.url]);
  expect(links[0]).toMatchObject({ status: 'answered', round: 2, service: { kind: 'long', start: '2026-11-20', end: null }, organization: { code: ORG.code, type: ORG.type } });
  expect(links[1]).toMatchObject({ status: 'open', round: 1, service: { kind: 'one_time', date: '2026-11-20' } });
  expect(Date.parse(links[0].until)).toBeLessThan(Date.parse(links[1].until));
  expect(links[0].organization.typeName).toBe('организации здравоохранения');
  // The link carries the token the e-mail would: the one stored (hashed) for this citizen's link.
  const token = new URL(links[1].url).pathname.replace('/q/', '');
  expect(await t.tdb.db.invitationLink.findUnique({ where: { tokenHash: tokenHash(token) } })).not.toBeNull();
  // The formatted and the bare SNILS are the same citizen.
  expect((await lookup(citizen.formatted)).json()).toEqual(res.json());
});

test('an unknown citizen gets an empty list; a wrong SNILS a 422 that does not repeat it; other keys 403', async () => {
  expect((await lookup(makeSnils().bare)).json()).toEqual({ links: [] });
  const wrong = await lookup('123-456-789 00');
  expect(wrong.statusCode).toBe(422);
  expect(wrong.json().errors).toEqual([expect.objectContaining({ path: 'snils', code: 'invalid_snils' })]);
  expect(wrong.body).not.toContain('123-456-789');
  for (const key of [t.keys.admin, t.keys.integrator, t.keys.federal, t.keys.region, t.keys.organization]) {
    expect((await lookup(makeSnils().bare, key)).json()).toMatchObject({ code: 'wrong_role' });
  }
  // The SNILS is never in a URL: no GET form exists.
  expect((await t.call(portalKey, { method: 'GET', url: `/v1/portal/questionnaires/lookup?snils=${makeSnils().bare}` })).statusCode).toBe(404);
});

test('the rate limit counts per key, not per address', async () => {
  const limited = await createTestApp({ env: { PORTAL_RATE_LIMIT_PER_MINUTE: '3' } });
  try {
    const [a, b] = [await limited.key('portal', {}, 'portal-a'), await limited.key('portal', {}, 'portal-b')];
    const call = (key: string) => limited.call(key, { method: 'POST', url: '/v1/portal/questionnaires/lookup', payload: { snils: makeSnils().bare } });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await call(a)).statusCode);
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect((await call(b)).statusCode).toBe(200);
  } finally {
    await limited.close();
  }
});

test('/v1/accounts takes the portal\'s account id; one id never names two accounts', async () => {
  const post = (accounts: object[]) => t.call(t.keys.admin, { method: 'POST', url: '/v1/accounts', payload: { accounts } });
  const [a, b] = [makeSnils(), makeSnils()];
  expect((await post([{ snils: a.formatted, email: 'a@example.test', confirmed: true, portalAccountId: 'esia-100' }])).statusCode).toBe(200);
  const stored = await t.tdb.db.account.findUniqueOrThrow({ where: { snilsHash: t.secrets.snilsHash(a.bare) } });
  expect(stored.portalAccountId).toBe('esia-100');
  // Posting the same account again keeps it; omitting the id leaves it as it is.
  expect((await post([{ snils: a.formatted, email: 'a@example.test', confirmed: true, portalAccountId: 'esia-100' }])).statusCode).toBe(200);
  expect((await post([{ snils: a.formatted, email: 'a2@example.test', confirmed: true }])).statusCode).toBe(200);
  expect((await t.tdb.db.account.findUniqueOrThrow({ where: { id: stored.id } })).portalAccountId).toBe('esia-100');

  const taken = await post([{ snils: b.formatted, email: 'b@example.test', confirmed: true, portalAccountId: 'esia-100' }]);
  expect([taken.statusCode, taken.json().errors]).toEqual([422, [expect.objectContaining({ path: 'accounts.0.portalAccountId', code: 'duplicate_portal_account' })]]);
  const twice = await post([
    { snils: b.formatted, email: 'b@example.test', confirmed: true, portalAccountId: 'esia-200' },
    { snils: makeSnils().formatted, email: 'c@example.test', confirmed: true, portalAccountId: 'esia-200' },
  ]);
  expect([twice.statusCode, twice.json().errors]).toEqual([422, [expect.objectContaining({ path: 'accounts.1.portalAccountId', code: 'duplicate_portal_account' })]]);
  expect(await t.tdb.db.account.findUnique({ where: { snilsHash: t.secrets.snilsHash(b.bare) } })).toBeNull(); // nothing stored
});
