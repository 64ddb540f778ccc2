/**
 * Raw data for the scoring tests, inserted straight into Postgres (organisations, receipts,
 * invitations, rounds, responses), and the snapshots those rows should produce, computed
 * here in plain JS from the in-memory model and NOT through the production SQL or the
 * production period arithmetic (src/domain/periods.ts): a quarter is written `YYYY-Qn`, in
 * Moscow time (UTC+3 all year), from 00:00 Moscow on its first day (inclusive) to 00:00
 * Moscow on the next quarter's first day (exclusive).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Db } from '../../src/db/client';
import { mulberry32 } from './prng';

export const ITEMS = ['info', 'process', 'comfort', 'accessibility', 'courtesy', 'competence', 'overall'] as const;
export type Item = (typeof ITEMS)[number];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MOSCOW = 3 * HOUR;

// ---------- quarters, independently of src/domain/periods.ts ----------

export interface Quarter {
  label: string;
  start: number;
  end: number;
}

function quarterAt(year: number, q: number): Quarter {
  const index = year * 4 + q - 1;
  const y = Math.floor(index / 4);
  const n = (index % 4) + 1;
  const startOf = (i: number) => Date.UTC(Math.floor(i / 4), (i % 4) * 3, 1) - MOSCOW;
  return { label: `${y}-Q${n}`, start: startOf(index), end: startOf(index + 1) };
}

/** The quarter containing the instant, and `shift` quarters later (earlier when negative). */
export function quarterOf(instant: number, shift = 0): Quarter {
  const moscow = new Date(instant + MOSCOW);
  return quarterAt(moscow.getUTCFullYear(), Math.floor(moscow.getUTCMonth() / 3) + 1 + shift);
}

// ---------- the model ----------

export interface OrgRow {
  id: string;
  code: string;
  regionCode: string;
  typeCode: string;
  sector: string;
}

export interface ResponseRow {
  id: string;
  submittedAt: Date;
  items: Record<Item, number | null>;
  score: number;
}

export interface RoundRow {
  round: number;
  openedAt: Date;
  notifiedAt: Date | null;
  response: ResponseRow | null;
}

export interface InvitationRow {
  id: string;
  status: 'pending' | 'no_account' | 'active' | 'closed';
  activatedAt: Date | null;
  linkId: string | null;
  rounds: RoundRow[];
}

export interface ReceiptRow {
  id: string;
  orgId: string;
  receivedAt: Date;
  late: boolean;
  long: boolean;
  status: 'active' | 'cancelled';
  invitation: InvitationRow | null;
}

export interface Model {
  orgs: OrgRow[];
  receipts: ReceiptRow[];
  accountId: string;
}

/** The additive columns of a snapshot, with the organisation's labels, as the test compares them. */
export interface ExpectedRow {
  organizationId: string;
  regionCode: string;
  typeCode: string;
  sector: string;
  final: boolean;
  receipts: number;
  late: number;
  noAccount: number;
  activated: number;
  notified: number;
  completed: number;
  scoreSum: number;
  scoreSumSq: number;
  [itemColumn: string]: string | number | boolean;
}

// ---------- generation ----------

/** A small deterministic PRNG (mulberry32), so a failure reproduces. */
export const prng = mulberry32;

export const ORGS: Omit<OrgRow, 'id' | 'code'>[] = [
  { regionCode: '42', typeCode: 'healthcare', sector: 'health' },
  { regionCode: '42', typeCode: 'general_education', sector: 'education' },
  { regionCode: '16', typeCode: 'healthcare', sector: 'health' },
  { regionCode: '16', typeCode: 'preschool_education', sector: 'education' },
  { regionCode: '78', typeCode: 'sports', sector: 'sport' },
  // boundary: only the events placed exactly around quarter starts (see below)
  { regionCode: '78', typeCode: 'general_education', sector: 'education' },
  // idle: no data until a test adds some
  { regionCode: '16', typeCode: 'sports', sector: 'sport' },
];
export const BOUNDARY_ORG = 5;
export const IDLE_ORG = 6;

function answers(rand: () => number): { items: Record<Item, number | null>; score: number } {
  const items = Object.fromEntries(
    ITEMS.map((k) => [k, k === 'accessibility' && rand() < 0.3 ? null : 1 + Math.floor(rand() * 5)]),
  ) as Record<Item, number | null>;
  const answered = ITEMS.map((k) => items[k]).filter((v): v is number => v !== null);
  return { items, score: answered.reduce((a, b) => a + b, 0) / answered.length };
}

/**
 * Receipts for organisations 0–4 in every quarter from `first` to the one holding `now`
 * (events never later than `now` − 1 day), with a funnel of invitations (none yet,
 * pending, no_account, active/closed), first rounds and for long services a second round
 * six months later, responses to about half the notified rounds, late and cancelled
 * receipts; and for the boundary organisation, events at 1 ms / 1 s either side of the
 * start of `boundary` (00:00 Moscow = 21:00 UTC the day before) and of the quarter after it.
 */
export function generateModel(options: { first: Quarter; boundary: Quarter; now: number; seed?: number }): Model {
  const rand = prng(options.seed ?? 20261123);
  const latest = options.now - DAY;
  const suffix = Math.floor(rand() * 1e6);
  const orgs: OrgRow[] = ORGS.map((o, i) => ({ ...o, id: randomUUID(), code: `10${o.regionCode}00${suffix}${i}` }));
  const receipts: ReceiptRow[] = [];

  const funnel = (orgId: string, receivedAt: number, opts: Partial<{ late: boolean; cancelled: boolean; long: boolean; invitation: 'none' | 'pending' | 'no_account' | 'active' }> = {}) => {
    const kind = opts.invitation ?? (() => {
      const x = rand();
      return x < 0.1 ? 'none' : x < 0.15 ? 'pending' : x < 0.35 ? 'no_account' : 'active';
    })();
    const long = opts.long ?? rand() < 0.25;
    const receipt: ReceiptRow = {
      id: randomUUID(),
      orgId,
      receivedAt: new Date(receivedAt),
      late: opts.late ?? rand() < 0.15,
      long,
      status: (opts.cancelled ?? rand() < 0.1) ? 'cancelled' : 'active',
      invitation: null,
    };
    receipts.push(receipt);
    if (kind === 'none') return receipt;
    const invitation: InvitationRow = { id: randomUUID(), status: kind === 'active' ? (rand() < 0.5 ? 'active' : 'closed') : kind, activatedAt: null, linkId: null, rounds: [] };
    receipt.invitation = invitation;
    if (kind !== 'active') return receipt;
    const activatedAt = receivedAt + DAY + Math.floor(rand() * 2 * DAY);
    if (activatedAt > latest) {
      invitation.status = 'pending';
      return receipt;
    }
    invitation.activatedAt = new Date(activatedAt);
    invitation.linkId = randomUUID();
    for (let round = 1, openedAt = activatedAt; round <= (long ? 2 : 1) && openedAt <= latest; round++, openedAt += 182 * DAY) {
      const notifiedAt = rand() < 0.1 ? null : openedAt + Math.floor(rand() * 3 * DAY);
      const r: RoundRow = { round, openedAt: new Date(openedAt), notifiedAt: notifiedAt !== null && notifiedAt <= latest ? new Date(notifiedAt) : null, response: null };
      invitation.rounds.push(r);
      if (r.notifiedAt && rand() < 0.55) {
        const submittedAt = r.notifiedAt.getTime() + Math.floor(rand() * 20 * DAY);
        if (submittedAt <= latest) r.response = { id: randomUUID(), submittedAt: new Date(submittedAt), ...answers(rand) };
      }
    }
    return receipt;
  };

  for (let q = options.first; q.start <= latest; q = quarterOf(q.start, 1)) {
    const end = Math.min(q.end, latest);
    for (let o = 0; o < 5; o++) {
      // organisation 4 is silent in the first quarter: it has no snapshot row there
      const n = o === 4 && q === options.first ? 0 : 3 + Math.floor(rand() * 5);
      for (let i = 0; i < n; i++) funnel(orgs[o].id, q.start + Math.floor(rand() * (end - q.start)));
    }
  }

  // The boundary organisation: B = start of `boundary`, E = start of the quarter after it.
  const boundaryOrg = orgs[BOUNDARY_ORG].id;
  const B = options.boundary.start;
  const E = options.boundary.end;
  const fixed = (receipt: ReceiptRow, activatedAt: number, notifiedAt: number, submittedAt: number) => {
    const inv = receipt.invitation!;
    inv.activatedAt = new Date(activatedAt);
    inv.linkId = randomUUID();
    inv.status = 'closed';
    inv.rounds = [{
      round: 1, openedAt: new Date(activatedAt), notifiedAt: new Date(notifiedAt),
      response: { id: randomUUID(), submittedAt: new Date(submittedAt), ...answers(rand) },
    }];
  };
  // received 1 s before B (previous quarter); activated, notified and answered from B on
  fixed(funnel(boundaryOrg, B - 1000, { late: false, cancelled: false, long: false, invitation: 'active' }), B, B, B + HOUR);
  // received exactly at B
  fixed(funnel(boundaryOrg, B, { late: true, cancelled: false, long: false, invitation: 'active' }), B + DAY, B + DAY, B + 2 * DAY);
  // everything before B: the last notified 2 ms and answered 1 ms before it
  fixed(funnel(boundaryOrg, B - 2 * DAY, { late: false, cancelled: false, long: false, invitation: 'active' }), B - DAY, B - 2, B - 1);
  // received 1 ms before E (in `boundary`), answered exactly at E (the quarter after)
  fixed(funnel(boundaryOrg, E - 1, { late: false, cancelled: false, long: false, invitation: 'active' }), E - HOUR, E - HOUR, E);
  // a no-account receipt received exactly at E
  funnel(boundaryOrg, E, { late: false, cancelled: false, long: false, invitation: 'no_account' });

  return { orgs, receipts, accountId: randomUUID() };
}

// ---------- insertion ----------

export async function insertModel(db: Db, model: Model): Promise<void> {
  await db.organization.createMany({
    data: model.orgs.map((o, i) => ({ id: o.id, code: o.code, name: `Организация ${i + 1}`, typeCode: o.typeCode, regionCode: o.regionCode, founderLevel: 'regional' as const })),
  });
  await db.account.create({ data: { id: model.accountId, snilsHash: `scoring-${model.accountId}`, email: 'citizen@example.test', confirmed: true } });
  await insertReceipts(db, model, model.receipts);
}

/** Inserts receipts of the model (new ones added by a test, too) with their funnel. */
export async function insertReceipts(db: Db, model: Model, receipts: ReceiptRow[]): Promise<void> {
  const integrator = await db.integrator.upsert({ where: { code: 'scoring-test' }, create: { code: 'scoring-test' }, update: {} });
  await db.receipt.createMany({
    data: receipts.map((r) => ({
      id: r.id,
      integratorId: integrator.id,
      externalId: r.id,
      bodyHash: createHash('sha256').update(r.id).digest('hex'),
      organizationId: r.orgId,
      serviceKind: r.long ? ('long' as const) : ('one_time' as const),
      serviceDate: new Date(r.receivedAt.toISOString().slice(0, 10)),
      minor: false,
      late: r.late,
      status: r.status,
      receivedAt: r.receivedAt,
      cancelledAt: r.status === 'cancelled' ? r.receivedAt : null,
    })),
  });
  const invitations = receipts.filter((r) => r.invitation).map((r) => ({ receipt: r, inv: r.invitation! }));
  await db.invitation.createMany({
    data: invitations.map(({ receipt, inv }) => ({
      id: inv.id, receiptId: receipt.id, status: inv.status, round: inv.rounds.length, activatedAt: inv.activatedAt,
    })),
  });
  const linked = invitations.filter(({ inv }) => inv.linkId);
  await db.invitationLink.createMany({
    data: linked.map(({ inv }) => ({ id: inv.linkId!, invitationId: inv.id, accountId: model.accountId, tokenNonce: inv.linkId!, tokenHash: `hash-${inv.linkId}` })),
  });
  await db.invitationRound.createMany({
    data: linked.flatMap(({ inv }) => inv.rounds.map((r) => ({
      invitationId: inv.id, round: r.round, openedAt: r.openedAt, notifiedAt: r.notifiedAt, completedAt: r.response?.submittedAt ?? null,
    }))),
  });
  await db.response.createMany({
    data: linked.flatMap(({ receipt, inv }) => inv.rounds.filter((r) => r.response).map((r) => ({
      id: r.response!.id, invitationId: inv.id, round: r.round, linkId: inv.linkId!, organizationId: receipt.orgId,
      questionnaireVersion: 1, ...r.response!.items, score: r.response!.score, submittedAt: r.response!.submittedAt,
    }))),
  });
}

// ---------- expected snapshots ----------

const emptyRow = (o: OrgRow, final: boolean): ExpectedRow => ({
  organizationId: o.id, regionCode: o.regionCode, typeCode: o.typeCode, sector: o.sector, final,
  receipts: 0, late: 0, noAccount: 0, activated: 0, notified: 0, completed: 0, scoreSum: 0, scoreSumSq: 0,
  ...Object.fromEntries(ITEMS.flatMap((k) => [[`${k}Sum`, 0], [`${k}Count`, 0]])),
});

/**
 * What a quarter's snapshot rows should be, by organisation id: an organisation has a row
 * when anything of it happened in the quarter (a receipt arrived, an invitation was
 * activated, a round notified, a questionnaire completed); cancelled receipts count nowhere.
 */
export function expectedSnapshots(model: Model, q: Quarter, final: boolean): Map<string, ExpectedRow> {
  const rows = new Map<string, ExpectedRow>();
  const orgs = new Map(model.orgs.map((o) => [o.id, o]));
  const inQ = (d: Date | null) => d !== null && d.getTime() >= q.start && d.getTime() < q.end;
  const row = (orgId: string) => {
    if (!rows.has(orgId)) rows.set(orgId, emptyRow(orgs.get(orgId)!, final));
    return rows.get(orgId)!;
  };
  for (const r of model.receipts) {
    if (r.status !== 'active') continue;
    if (inQ(r.receivedAt)) {
      const x = row(r.orgId);
      x.receipts += 1;
      if (r.late) x.late += 1;
      if (r.invitation?.status === 'no_account') x.noAccount += 1;
    }
    const inv = r.invitation;
    if (!inv) continue;
    if (inQ(inv.activatedAt)) row(r.orgId).activated += 1;
    for (const round of inv.rounds) {
      if (inQ(round.notifiedAt)) row(r.orgId).notified += 1;
      const a = round.response;
      if (a && inQ(a.submittedAt)) {
        const x = row(r.orgId);
        x.completed += 1;
        x.scoreSum += a.score;
        x.scoreSumSq += a.score * a.score;
        for (const k of ITEMS) {
          if (a.items[k] === null) continue;
          (x[`${k}Sum`] as number) += a.items[k]!;
          (x[`${k}Count`] as number) += 1;
        }
      }
    }
  }
  for (const x of rows.values()) roundFloats(x);
  return rows;
}

function roundFloats<T extends { scoreSum: number; scoreSumSq: number }>(x: T): T {
  // Postgres sums the doubles in its own order: compare to 1e-6.
  x.scoreSum = Math.round(x.scoreSum * 1e6) / 1e6;
  x.scoreSumSq = Math.round(x.scoreSumSq * 1e6) / 1e6;
  return x;
}

/** The stored snapshot rows of a quarter in the shape of `expectedSnapshots`, by organisation id. */
export async function storedSnapshots(db: Db, period: string): Promise<Map<string, ExpectedRow>> {
  const rows = await db.indicatorSnapshot.findMany({ where: { period }, orderBy: { organizationId: 'asc' } });
  return new Map(rows.map(({ period: _p, computedAt: _c, runId: _r, ...rest }) => [rest.organizationId, roundFloats({ ...rest }) as ExpectedRow]));
}

/** Sorted for a readable diff. */
export function sorted(rows: Map<string, ExpectedRow>): ExpectedRow[] {
  return [...rows.values()].sort((a, b) => a.organizationId.localeCompare(b.organizationId));
}

/** A snapshot's metrics as the audit (`scoring_run.changes`) writes them: snake_case. */
export function auditMetrics(row: ExpectedRow | undefined): Record<string, number> | null {
  if (!row) return null;
  return {
    receipts: row.receipts, late: row.late, no_account: row.noAccount, activated: row.activated, notified: row.notified,
    completed: row.completed, score_sum: row.scoreSum, score_sum_sq: row.scoreSumSq,
    ...Object.fromEntries(ITEMS.flatMap((k) => [[`${k}_sum`, row[`${k}Sum`] as number], [`${k}_count`, row[`${k}Count`] as number]])),
  };
}

/** A new receipt with a notified round answered at `submittedAt`, for corrections. */
export function answeredReceipt(orgId: string, receivedAt: number, submittedAt: number, rand: () => number): ReceiptRow {
  const { items, score } = answers(rand);
  return {
    id: randomUUID(), orgId, receivedAt: new Date(receivedAt), late: false, long: false, status: 'active',
    invitation: {
      id: randomUUID(), status: 'closed', activatedAt: new Date(receivedAt + DAY), linkId: randomUUID(),
      rounds: [{ round: 1, openedAt: new Date(receivedAt + DAY), notifiedAt: new Date(receivedAt + DAY), response: { id: randomUUID(), submittedAt: new Date(submittedAt), items, score } }],
    },
  };
}
