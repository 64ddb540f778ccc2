/**
 * The golden-figure data set of the reports (DESIGN §6): a deterministic, generated data
 * set of raw rows (organisations, receipts, invitations, rounds, e-mails, responses) and
 * the figures every report should show for it, computed HERE in plain JS from the
 * generated rows and nothing else. Nothing in this file imports the production arithmetic
 * (src/domain/indicators.ts, src/domain/periods.ts, the scoring SQL):
 *
 * - quarters are Moscow calendar quarters (UTC+3 all year), [00:00 Moscow on the first day,
 *   00:00 Moscow on the next quarter's first day);
 * - means are exact rationals (a response's score is itemSum / answered ∈ {6, 7}, so every
 *   mean is an integer over 420·n) rounded half up to hundredths with integer arithmetic;
 *   a value exactly on a midpoint allows both neighbours (floating sums may land either side);
 * - the confidence interval uses the exact sample variance (BigInt) and our own Student t
 *   quantile (regularised incomplete beta, Numerical Recipes 6.4, checked against a
 *   textbook table in the test); a bound within 1e-9 of a rounding midpoint allows both.
 *
 * Only reference data (region and type names, prisma/reference-data.ts) is shared.
 */
import { Client } from 'pg';
import { ORGANIZATION_TYPES, PILOT_REGIONS } from '../../prisma/reference-data';
import { mulberry32 } from './prng';

// ---------------------------------------------------------------------------------------
// time, independently of src/domain
// ---------------------------------------------------------------------------------------

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const MOSCOW = 3 * HOUR;

/** The test's "now": every quarter up to 2026-Q3 has finished, 2026-Q4 is current. */
export const NOW = Date.parse('2026-11-23T09:00:00.000Z');

const iso = (s: string) => {
  const ms = Date.parse(s);
  if (!Number.isFinite(ms)) throw new Error(`bad instant ${s}`);
  return ms;
};

/** [start, end) of a quarter `YYYY-Qn` in Moscow time. */
export function quarterBounds(label: string, offsetMs = MOSCOW): { start: number; end: number } {
  const m = /^(\d{4})-Q([1-4])$/.exec(label);
  if (!m) throw new Error(`bad quarter ${label}`);
  const year = Number(m[1]);
  const q = Number(m[2]);
  const start = Date.UTC(year, (q - 1) * 3, 1) - offsetMs;
  const end = (q === 4 ? Date.UTC(year + 1, 0, 1) : Date.UTC(year, q * 3, 1)) - offsetMs;
  return { start, end };
}

/** The quarter of an instant on the wall clock `offsetMs` ahead of UTC (Moscow by default). */
export function quarterOf(ms: number, offsetMs = MOSCOW): string {
  const wall = new Date(ms + offsetMs);
  return `${wall.getUTCFullYear()}-Q${Math.floor(wall.getUTCMonth() / 3) + 1}`;
}

export function shiftQuarter(label: string, by: number): string {
  const m = /^(\d{4})-Q([1-4])$/.exec(label)!;
  const index = Number(m[1]) * 4 + Number(m[2]) - 1 + by;
  return `${Math.floor(index / 4)}-Q${(index % 4) + 1}`;
}

// ---------------------------------------------------------------------------------------
// the data set
// ---------------------------------------------------------------------------------------

export const ITEMS = ['info', 'process', 'comfort', 'accessibility', 'courtesy', 'competence', 'overall'] as const;
export type Item = (typeof ITEMS)[number];
export type Answers = Record<Item, number | null>;

export const REGIONS = ['42', '54', '16', '78'] as const;
export const TYPES = ORGANIZATION_TYPES.map((t) => t.code);
export const SECTOR_OF: Record<string, string> = Object.fromEntries(ORGANIZATION_TYPES.map((t) => [t.code, t.sector]));
/** The report's sector names (API: a sector row's `name`). */
export const SECTOR_NAMES: Record<string, string> = {
  mse: 'медико-социальная экспертиза',
  health: 'здравоохранение',
  education: 'образование',
  sport: 'физическая культура и спорт',
};
export const FEDERATION_NAME = 'Российская Федерация';

/** Quarters finalised by the test (history runs 2025-Q3..2026-Q3) and the provisional one. */
export const FINAL_PERIODS = ['2025-Q3', '2025-Q4', '2026-Q1', '2026-Q2', '2026-Q3'];
export const PROVISIONAL_PERIOD = '2026-Q4';

export interface GOrg {
  id: string;
  code: string;
  name: string;
  region: string;
  type: string;
  sector: string;
  /** Mean item level, per-item offsets (the "problem zones"), share answering, volume. */
  quality: number;
  offsets: Record<Item, number>;
  responseRate: number;
  volume: number;
  neverAccessibility: boolean;
  scripted: string | null;
}

export interface GReceipt {
  id: string;
  orgId: string;
  externalId: string;
  serviceKind: 'one_time' | 'long';
  serviceDate: string;
  minor: boolean;
  late: boolean;
  status: 'active' | 'cancelled';
  receivedAt: number;
  cancelledAt: number | null;
  tag: string | null;
}

export interface GInvitation {
  id: string;
  receiptId: string;
  status: 'pending' | 'no_account' | 'active' | 'closed';
  round: number;
  activatedAt: number | null;
  closesAt: number | null;
}

export interface GRound {
  invitationId: string;
  round: number;
  openedAt: number;
  notifiedAt: number | null;
  completedAt: number | null;
}

export interface GResponse {
  id: string;
  invitationId: string;
  round: number;
  linkId: string;
  orgId: string;
  answers: Answers;
  score: number;
  submittedAt: number;
}

export interface GoldenData {
  orgs: GOrg[];
  accounts: { id: string; snilsHash: string; email: string; confirmed: boolean }[];
  receipts: GReceipt[];
  invitations: GInvitation[];
  links: { id: string; invitationId: string; accountId: string; tokenNonce: string; tokenHash: string }[];
  rounds: GRound[];
  notifications: { id: string; invitationId: string; round: number; linkId: string; sentAt: number }[];
  responses: GResponse[];
  /** Scripted organisations by role (ranking ties, clipping, growth, suppression). */
  scripted: Record<string, GOrg>;
}



interface RoundSpec {
  openedAt: number;
  /** null: the round never got its e-mail out. */
  notifiedAt: number | null;
  /** When answered (undefined/null: not answered). */
  submittedAt?: number | null;
  answers?: Answers;
}

interface CaseSpec {
  org: GOrg;
  receivedAt: number;
  late?: boolean;
  kind?: 'one_time' | 'long';
  minor?: boolean;
  cancelledAt?: number | null;
  /** 'none': the receipt has no invitation row (its workflow has not started). */
  invitation?: 'none' | 'pending' | 'no_account' | 'active';
  activatedAt?: number;
  rounds?: RoundSpec[];
  tag?: string;
}

const A45: Answers = { info: 5, process: 5, comfort: 5, accessibility: null, courtesy: 4, competence: 4, overall: 4 }; // 27/6 = 4.5
const A31_7: Answers = { info: 5, process: 4, comfort: 4, accessibility: 5, courtesy: 4, competence: 5, overall: 4 }; // 31/7 ≈ 4.4286
const ALL = (v: number): Answers => ({ info: v, process: v, comfort: v, accessibility: v, courtesy: v, competence: v, overall: v });

class Builder {
  readonly data: GoldenData = { orgs: [], accounts: [], receipts: [], invitations: [], links: [], rounds: [], notifications: [], responses: [], scripted: {} };
  private serial = 0;

  constructor(readonly rnd: () => number) {}

  /** Deterministic, unique UUIDs (version 4 layout). */
  uuid(): string {
    this.serial += 1;
    return `00000000-0000-4000-8000-${this.serial.toString(16).padStart(12, '0')}`;
  }

  normal(): number {
    const u = Math.max(this.rnd(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.rnd());
  }

  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.rnd() * list.length)];
  }

  org(region: string, type: string, serial: number, profile: Partial<GOrg> = {}): GOrg {
    const code = `9${region}${TYPES.indexOf(type)}${String(serial).padStart(9, '0')}`;
    const offsets = Object.fromEntries(ITEMS.map((k) => [k, (this.rnd() - 0.5) * 0.8])) as Record<Item, number>;
    const org: GOrg = {
      id: this.uuid(),
      code,
      name: `Организация ${code}`,
      region,
      type,
      sector: SECTOR_OF[type],
      quality: 2.8 + this.rnd() * 2.1,
      offsets,
      responseRate: 0.3 + this.rnd() * 0.45,
      volume: this.rnd() < 0.15 ? 3 + Math.floor(this.rnd() * 5) : 60 + Math.floor(this.rnd() * 60),
      neverAccessibility: false,
      scripted: null,
      ...profile,
    };
    this.data.orgs.push(org);
    if (org.scripted) this.data.scripted[org.scripted] = org;
    return org;
  }

  answers(org: GOrg): Answers {
    return Object.fromEntries(
      ITEMS.map((k) => {
        if (k === 'accessibility' && (org.neverAccessibility || this.rnd() < 0.3)) return [k, null];
        const v = Math.round(org.quality + org.offsets[k] + this.normal() * 0.9);
        return [k, Math.min(5, Math.max(1, v))];
      }),
    ) as Answers;
  }

  /** One receipt with its invitation, links, rounds, e-mails and responses. */
  add(spec: CaseSpec): GReceipt {
    const { org } = spec;
    const receipt: GReceipt = {
      id: this.uuid(),
      orgId: org.id,
      externalId: `GOLD-${this.data.receipts.length + 1}`,
      serviceKind: spec.kind ?? 'one_time',
      serviceDate: new Date(spec.receivedAt + MOSCOW - Math.floor(this.rnd() * 3) * DAY).toISOString().slice(0, 10),
      minor: spec.minor ?? false,
      late: spec.late ?? false,
      status: spec.cancelledAt == null ? 'active' : 'cancelled',
      receivedAt: spec.receivedAt,
      cancelledAt: spec.cancelledAt ?? null,
      tag: spec.tag ?? null,
    };
    this.data.receipts.push(receipt);
    const kind = spec.invitation ?? 'active';
    if (kind === 'none') return receipt;
    const rounds = kind === 'active' ? (spec.rounds ?? []) : [];
    const answered = rounds.some((r) => r.submittedAt != null);
    const invitation: GInvitation = {
      id: this.uuid(),
      receiptId: receipt.id,
      status: kind === 'active' ? (answered || receipt.status === 'cancelled' ? 'closed' : 'active') : kind,
      round: rounds.length,
      activatedAt: kind === 'active' ? (spec.activatedAt ?? spec.receivedAt) : null,
      closesAt: kind === 'active' ? (spec.activatedAt ?? spec.receivedAt) + 30 * DAY : null,
    };
    this.data.invitations.push(invitation);
    if (kind !== 'active') return receipt;
    const linkIds: string[] = [];
    for (let i = 0; i < (receipt.minor ? 2 : 1); i++) {
      const account = { id: this.uuid(), snilsHash: `golden-snils-${this.serial}`, email: `golden${this.serial}@example.test`, confirmed: true };
      this.data.accounts.push(account);
      const link = { id: this.uuid(), invitationId: invitation.id, accountId: account.id, tokenNonce: `nonce-${this.serial}`, tokenHash: `golden-token-${this.serial}` };
      this.data.links.push(link);
      linkIds.push(link.id);
    }
    rounds.forEach((r, i) => {
      const round = i + 1;
      const submittedAt = r.submittedAt ?? null;
      this.data.rounds.push({ invitationId: invitation.id, round, openedAt: r.openedAt, notifiedAt: r.notifiedAt, completedAt: submittedAt });
      if (r.notifiedAt !== null) {
        // Every addressee gets an e-mail (the second one later, possibly next quarter): the round counts once.
        linkIds.forEach((linkId, j) => this.data.notifications.push({ id: this.uuid(), invitationId: invitation.id, round, linkId, sentAt: r.notifiedAt! + j * 2 * DAY }));
      }
      if (submittedAt !== null) {
        const answers = r.answers ?? this.answers(org);
        const values = ITEMS.map((k) => answers[k]).filter((v): v is number => v !== null);
        this.data.responses.push({
          id: this.uuid(),
          invitationId: invitation.id,
          round,
          linkId: linkIds[linkIds.length - 1],
          orgId: org.id,
          answers,
          score: values.reduce((a, b) => a + b, 0) / values.length,
          submittedAt,
        });
      }
    });
    return receipt;
  }

  /** A receipt as the workflows would leave it, at a random moment of the quarter. */
  randomCase(org: GOrg, quarter: string): void {
    const { start, end } = quarterBounds(quarter);
    const last = Math.min(end, NOW - 2 * DAY);
    const receivedAt = start + Math.floor(this.rnd() * (last - start));
    const u = this.rnd();
    const invitation = u < 0.01 ? 'none' : u < 0.03 ? 'pending' : u < 0.13 ? 'no_account' : 'active';
    const long = this.rnd() < 0.08;
    const activatedAt = receivedAt + Math.floor(this.rnd() * 2 * DAY);
    const rounds: RoundSpec[] = [];
    const openings = [activatedAt];
    if (long && activatedAt + 183 * DAY < NOW - DAY) openings.push(activatedAt + 182 * DAY + Math.floor(this.rnd() * DAY));
    for (const openedAt of openings) {
      const notifiedAt = this.rnd() < 0.03 ? null : openedAt + Math.floor(this.rnd() * 3 * HOUR);
      let submittedAt: number | null = null;
      if (notifiedAt !== null && this.rnd() < org.responseRate) {
        const at = notifiedAt + Math.floor(this.rnd() ** 2 * 25 * DAY);
        submittedAt = at < NOW ? at : null;
      }
      rounds.push({ openedAt, notifiedAt, submittedAt });
    }
    this.add({
      org,
      receivedAt,
      late: this.rnd() < 0.08,
      kind: long ? 'long' : 'one_time',
      minor: this.rnd() < 0.05,
      cancelledAt: this.rnd() < 0.03 ? receivedAt + Math.floor(this.rnd() * 20 * DAY) : null,
      invitation,
      activatedAt,
      rounds,
    });
  }
}

/** Quarters with random activity and their share of an organisation's volume. */
const ACTIVITY: [string, number][] = [
  ['2025-Q2', 0.1],
  ['2025-Q3', 1],
  ['2025-Q4', 0.2],
  ['2026-Q1', 0.2],
  ['2026-Q2', 1],
  ['2026-Q3', 1],
  ['2026-Q4', 0.1],
];

export function generateGoldenData(seed = 20261123): GoldenData {
  const b = new Builder(mulberry32(seed));
  let serial = 0;

  // 4 regions × 5 types (all 4 sectors), one or two organisations each.
  const random: GOrg[] = [];
  for (const region of REGIONS) {
    for (const type of TYPES) {
      const count = 1 + (b.rnd() < 0.5 ? 1 : 0);
      for (let i = 0; i < count; i++) random.push(b.org(region, type, ++serial));
    }
  }
  random[3].neverAccessibility = true; // an item nobody answered: its mean is null

  // Random activity.
  for (const org of random) {
    for (const [quarter, share] of ACTIVITY) {
      const n = Math.round(org.volume * share * (0.8 + 0.4 * b.rnd()));
      for (let i = 0; i < n; i++) b.randomCase(org, quarter);
    }
  }

  // Events on Moscow midnights and quarter boundaries, a few organisations each.
  const boundaryOrgs = () => [0, 1, 2].map(() => b.pick(random.filter((o) => o.volume > 20)));
  for (const org of boundaryOrgs()) {
    // Round trip across 2026-Q2/Q3: notified on the last millisecond of Q2, answered on the first of Q3.
    b.add({ org, tag: 'q2-q3-round-trip', receivedAt: iso('2026-06-30T20:00:00.000Z'), activatedAt: iso('2026-06-30T20:59:59.000Z'),
      rounds: [{ openedAt: iso('2026-06-30T20:59:59.000Z'), notifiedAt: iso('2026-06-30T20:59:59.999Z'), submittedAt: iso('2026-06-30T21:00:00.000Z') }] });
    // Everything on the first millisecond of Q3 (inclusive start).
    b.add({ org, tag: 'q3-start', receivedAt: iso('2026-06-30T21:00:00.000Z'), activatedAt: iso('2026-06-30T21:00:00.000Z'),
      rounds: [{ openedAt: iso('2026-06-30T21:00:00.000Z'), notifiedAt: iso('2026-06-30T21:00:00.000Z'), submittedAt: iso('2026-06-30T23:30:00.000Z') }] });
    // Received on the last millisecond of Q1, activated and notified in Q2.
    b.add({ org, tag: 'q1-q2', late: true, receivedAt: iso('2026-03-31T20:59:59.999Z'), activatedAt: iso('2026-03-31T21:00:00.000Z'),
      rounds: [{ openedAt: iso('2026-03-31T21:00:00.000Z'), notifiedAt: iso('2026-03-31T21:00:00.500Z'), submittedAt: iso('2026-04-02T08:00:00.000Z') }] });
    // 1 April in Moscow, still 31 March in UTC: Q2.
    b.add({ org, tag: 'utc-trap-q2', receivedAt: iso('2026-03-31T22:30:00.000Z'), activatedAt: iso('2026-03-31T22:31:00.000Z'),
      rounds: [{ openedAt: iso('2026-03-31T22:31:00.000Z'), notifiedAt: iso('2026-03-31T22:40:00.000Z'), submittedAt: iso('2026-03-31T23:59:59.000Z') }] });
    // 1 July 02:00 Moscow, 30 June UTC: Q3.
    b.add({ org, tag: 'utc-trap-q3', receivedAt: iso('2026-06-30T23:00:00.000Z'), activatedAt: iso('2026-06-30T23:00:00.000Z'),
      rounds: [{ openedAt: iso('2026-06-30T23:00:00.000Z'), notifiedAt: iso('2026-06-30T23:05:00.000Z'), submittedAt: null }] });
    // Round trip across Q3/Q4: the answer belongs to the current quarter, not to Q3.
    b.add({ org, tag: 'q3-q4-round-trip', receivedAt: iso('2026-09-30T19:00:00.000Z'), activatedAt: iso('2026-09-30T20:00:00.000Z'),
      rounds: [{ openedAt: iso('2026-09-30T20:00:00.000Z'), notifiedAt: iso('2026-09-30T20:59:59.999Z'), submittedAt: iso('2026-09-30T21:00:00.000Z') }] });
    // Answered on the last millisecond of Q3.
    b.add({ org, tag: 'q3-last-ms', receivedAt: iso('2026-09-30T10:00:00.000Z'), activatedAt: iso('2026-09-30T10:00:00.000Z'),
      rounds: [{ openedAt: iso('2026-09-30T10:00:00.000Z'), notifiedAt: iso('2026-09-30T20:00:00.000Z'), submittedAt: iso('2026-09-30T20:59:59.999Z') }] });
    // A year earlier: 2025-Q2 → 2025-Q3 and 2025-Q3 → 2025-Q4.
    b.add({ org, tag: '2025-q2-q3-round-trip', receivedAt: iso('2025-06-29T09:00:00.000Z'), activatedAt: iso('2025-06-29T09:00:00.000Z'),
      rounds: [{ openedAt: iso('2025-06-29T09:00:00.000Z'), notifiedAt: iso('2025-06-30T20:59:59.999Z'), submittedAt: iso('2025-06-30T21:00:00.000Z') }] });
    b.add({ org, tag: '2025-q3-q4', receivedAt: iso('2025-09-30T20:59:59.999Z'), activatedAt: iso('2025-09-30T21:00:00.000Z'),
      rounds: [{ openedAt: iso('2025-09-30T21:00:00.000Z'), notifiedAt: iso('2025-09-30T21:00:00.000Z'), submittedAt: iso('2025-10-01T10:00:00.000Z') }] });
    // No account, right on either side of the Q2/Q3 boundary.
    b.add({ org, tag: 'no-account-q2', invitation: 'no_account', late: true, receivedAt: iso('2026-06-30T20:59:59.999Z') });
    b.add({ org, tag: 'no-account-q3', invitation: 'no_account', receivedAt: iso('2026-06-30T21:00:00.000Z') });
    // Cancelled after its answer arrived, across the boundary: counts nowhere.
    b.add({ org, tag: 'cancelled-round-trip', cancelledAt: iso('2026-07-05T09:00:00.000Z'), receivedAt: iso('2026-06-30T20:59:59.999Z'), activatedAt: iso('2026-06-30T20:59:59.999Z'),
      rounds: [{ openedAt: iso('2026-06-30T20:59:59.999Z'), notifiedAt: iso('2026-06-30T20:59:59.999Z'), submittedAt: iso('2026-06-30T21:00:00.000Z') }] });
    // A long service: round 1 in Q1, its half-year reminder notified and answered in Q3.
    b.add({ org, tag: 'long-two-rounds', kind: 'long', minor: true, receivedAt: iso('2026-01-20T08:00:00.000Z'), activatedAt: iso('2026-01-20T08:00:00.000Z'),
      rounds: [
        { openedAt: iso('2026-01-20T08:00:00.000Z'), notifiedAt: iso('2026-01-20T08:01:00.000Z'), submittedAt: iso('2026-01-25T08:00:00.000Z') },
        { openedAt: iso('2026-07-20T08:00:00.000Z'), notifiedAt: iso('2026-07-20T08:01:00.000Z'), submittedAt: iso('2026-07-22T08:00:00.000Z') },
      ] });
    // A long service from 2025-Q3 whose reminder went out on the last millisecond of 2025 (Moscow) and was answered in 2026-Q1.
    b.add({ org, tag: 'long-2025', kind: 'long', receivedAt: iso('2025-07-01T08:00:00.000Z'), activatedAt: iso('2025-07-01T08:00:00.000Z'),
      rounds: [
        { openedAt: iso('2025-07-01T08:00:00.000Z'), notifiedAt: iso('2025-07-01T08:01:00.000Z'), submittedAt: null },
        { openedAt: iso('2025-12-31T20:00:00.000Z'), notifiedAt: iso('2025-12-31T20:59:59.999Z'), submittedAt: iso('2025-12-31T21:00:00.000Z') },
      ] });
  }

  // Region 42, healthcare: scripted organisations for the rankings and the edge figures.
  const scripted = (role: string, serialNo: number, profile: Partial<GOrg> = {}) =>
    b.org('42', 'healthcare', serialNo, { scripted: role, volume: 0, ...profile });
  const at = (quarter: string, i: number) => quarterBounds(quarter).start + 40 * DAY + i * 3 * HOUR;
  /** `answers.length` answered rounds, plus `silent` notified rounds nobody answered. */
  const batch = (org: GOrg, quarter: string, answers: Answers[], silent = 0) => {
    answers.forEach((a, i) => b.add({ org, receivedAt: at(quarter, i), activatedAt: at(quarter, i) + MINUTE,
      rounds: [{ openedAt: at(quarter, i) + MINUTE, notifiedAt: at(quarter, i) + 2 * MINUTE, submittedAt: at(quarter, i) + DAY, answers: a }] }));
    for (let i = 0; i < silent; i++) {
      const t = at(quarter, answers.length + i);
      b.add({ org, receivedAt: t, activatedAt: t, rounds: [{ openedAt: t, notifiedAt: t + MINUTE, submittedAt: null }] });
    }
  };
  const times = <T>(n: number, v: T): T[] => Array.from({ length: n }, () => v);

  // Four organisations tie at 4.50 (rank 1): more responses first, then the code.
  const tie6 = scripted('tie6', 900001);
  batch(tie6, '2026-Q3', times(6, A45), 6);
  batch(tie6, '2026-Q2', times(3, A45), 1); // suppressed last quarter: previous.satisfaction null
  const tieA = scripted('tieA', 900002);
  batch(tieA, '2026-Q3', times(10, A45), 5);
  batch(tieA, '2026-Q2', [...times(11, A45), ALL(3)], 10);
  const tieB = scripted('tieB', 900003);
  batch(tieB, '2026-Q3', times(10, A45), 15);
  batch(tieB, '2025-Q3', times(7, ALL(4)), 3);
  const round450 = scripted('round450', 900004); // 4.4952… → 4.50
  batch(round450, '2026-Q3', [...times(14, A45), A31_7], 20);
  const round449 = scripted('round449', 900005); // 4.4949… → 4.49, rank 5
  batch(round449, '2026-Q3', [...times(13, A45), A31_7], 20);
  // Exactly the threshold; one below it; notified only.
  const five = scripted('five', 900006, { quality: 3.9 });
  batch(five, '2026-Q3', Array.from({ length: 5 }, () => b.answers(five)), 2);
  batch(five, '2026-Q2', Array.from({ length: 5 }, () => b.answers(five)), 2);
  const four = scripted('four', 900007, { quality: 4.2 });
  batch(four, '2026-Q3', Array.from({ length: 4 }, () => b.answers(four)), 1);
  batch(four, '2026-Q2', Array.from({ length: 7 }, () => b.answers(four)), 1);
  const silentOnly = scripted('silentOnly', 900008);
  batch(silentOnly, '2026-Q3', [], 3);
  // Growth: 4.00 a year ago → 4.20 now (+0.20 exactly: met); coverage exactly 40.00.
  const grow = scripted('grow', 900009);
  batch(grow, '2026-Q3', [...times(8, ALL(4)), ALL(5), ALL(5)], 15);
  batch(grow, '2026-Q2', times(5, ALL(4)), 5);
  batch(grow, '2025-Q3', times(6, ALL(4)), 4);
  // 3.90 → 4.10: +0.20 on the reported values, though 4.1 − 3.9 is 0.19999… in floating point.
  const grow2 = scripted('grow2', 900013);
  batch(grow2, '2026-Q3', [...times(9, ALL(4)), ALL(5)], 10);
  batch(grow2, '2025-Q3', [...times(9, ALL(4)), ALL(3)], 10);
  // Item means of 169/40 = 4.225, which × 100 is 422.49999999999994 in floating point: reported 4.23 (half up).
  const mid40 = scripted('mid40', 900014);
  batch(mid40, '2026-Q3', [...times(31, ALL(4)), ...times(9, ALL(5))], 8);
  // 4.00 → 4.14 (+0.14: not met).
  const slow = scripted('slow', 900010);
  batch(slow, '2026-Q3', [...times(5, ALL(4)), { ...ALL(5), accessibility: null, overall: 4 }], 4);
  batch(slow, '2025-Q3', times(6, ALL(4)), 2);
  // Intervals clipped to the scale: above 5, below 1.
  const top = scripted('top', 900011);
  batch(top, '2026-Q3', [...times(5, ALL(5)), ALL(4)], 1);
  const bottom = scripted('bottom', 900012);
  batch(bottom, '2026-Q3', [...times(4, ALL(1)), ALL(2)], 9);

  return b.data;
}

/**
 * Inserts the raw rows directly (the workflows are not involved): one set-based INSERT …
 * SELECT FROM unnest(arrays) per table, which takes well under a second for the whole set.
 */
export async function insertGoldenData(databaseUrl: string, data: GoldenData): Promise<void> {
  const at = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  /** INSERT INTO table (columns) SELECT expressions FROM unnest($1::type[], …) AS u(c1, …). */
  const insert = async (table: string, columns: [name: string, type: string, values: unknown[], cast?: string][], extra = '') => {
    const names = columns.map(([n]) => n);
    const sql = `INSERT INTO ${table} (${names.join(', ')}${extra ? `, ${extra.split('=')[0]}` : ''})
      SELECT ${columns.map(([n, , , cast]) => (cast ? `u.${n}::${cast}` : `u.${n}`)).join(', ')}${extra ? `, ${extra.split('=')[1]}` : ''}
      FROM unnest(${columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')}) AS u(${names.join(', ')})`;
    await client.query(sql, columns.map(([, , values]) => values));
  };
  try {
    await client.query('BEGIN');
    const o = data.orgs;
    await insert('organization', [
      ['id', 'uuid', o.map((x) => x.id)], ['code', 'text', o.map((x) => x.code)], ['name', 'text', o.map((x) => x.name)],
      ['type_code', 'text', o.map((x) => x.type)], ['region_code', 'text', o.map((x) => x.region)],
      ['founder_level', 'text', o.map(() => 'regional'), 'founder_level'],
    ], 'updated_at=now()');
    const a = data.accounts;
    await insert('account', [
      ['id', 'uuid', a.map((x) => x.id)], ['snils_hash', 'text', a.map((x) => x.snilsHash)], ['email', 'text', a.map((x) => x.email)],
      ['confirmed', 'boolean', a.map((x) => x.confirmed)],
    ], 'updated_at=now()');
    const r = data.receipts;
    const { rows: [integrator] } = await client.query<{ id: string }>(`INSERT INTO integrator (id, code) VALUES (gen_random_uuid(), 'golden-mis') RETURNING id`);
    await insert('receipt', [
      ['id', 'uuid', r.map((x) => x.id)], ['integrator_id', 'uuid', r.map(() => integrator!.id)], ['external_id', 'text', r.map((x) => x.externalId)],
      ['body_hash', 'text', r.map((x) => `golden-${x.externalId}`)], ['organization_id', 'uuid', r.map((x) => x.orgId)],
      ['service_kind', 'text', r.map((x) => x.serviceKind), 'service_kind'], ['service_date', 'date', r.map((x) => x.serviceDate)],
      ['minor', 'boolean', r.map((x) => x.minor)], ['late', 'boolean', r.map((x) => x.late)],
      ['status', 'text', r.map((x) => x.status), 'receipt_status'], ['received_at', 'timestamptz', r.map((x) => at(x.receivedAt))],
      ['cancelled_at', 'timestamptz', r.map((x) => at(x.cancelledAt))], ['workflow_started_at', 'timestamptz', r.map((x) => at(x.receivedAt))],
    ]);
    const i = data.invitations;
    await insert('invitation', [
      ['id', 'uuid', i.map((x) => x.id)], ['receipt_id', 'uuid', i.map((x) => x.receiptId)],
      ['status', 'text', i.map((x) => x.status), 'invitation_status'], ['round', 'int', i.map((x) => x.round)],
      ['activated_at', 'timestamptz', i.map((x) => at(x.activatedAt))], ['closes_at', 'timestamptz', i.map((x) => at(x.closesAt))],
    ], 'updated_at=now()');
    const l = data.links;
    await insert('invitation_link', [
      ['id', 'uuid', l.map((x) => x.id)], ['invitation_id', 'uuid', l.map((x) => x.invitationId)], ['account_id', 'uuid', l.map((x) => x.accountId)],
      ['token_nonce', 'text', l.map((x) => x.tokenNonce)], ['token_hash', 'text', l.map((x) => x.tokenHash)],
    ]);
    const ro = data.rounds;
    await insert('invitation_round', [
      ['invitation_id', 'uuid', ro.map((x) => x.invitationId)], ['round', 'int', ro.map((x) => x.round)],
      ['opened_at', 'timestamptz', ro.map((x) => at(x.openedAt))], ['notified_at', 'timestamptz', ro.map((x) => at(x.notifiedAt))],
      ['completed_at', 'timestamptz', ro.map((x) => at(x.completedAt))],
    ]);
    const n = data.notifications;
    await insert('notification', [
      ['id', 'uuid', n.map((x) => x.id)], ['invitation_id', 'uuid', n.map((x) => x.invitationId)], ['round', 'int', n.map((x) => x.round)],
      ['link_id', 'uuid', n.map((x) => x.linkId)], ['status', 'text', n.map(() => 'sent'), 'notification_status'],
      ['attempts', 'int', n.map(() => 1)], ['sent_at', 'timestamptz', n.map((x) => at(x.sentAt))],
    ]);
    const re = data.responses;
    await insert('response', [
      ['id', 'uuid', re.map((x) => x.id)], ['invitation_id', 'uuid', re.map((x) => x.invitationId)], ['round', 'int', re.map((x) => x.round)],
      ['link_id', 'uuid', re.map((x) => x.linkId)], ['organization_id', 'uuid', re.map((x) => x.orgId)],
      ['questionnaire_version', 'int', re.map(() => 1)],
      ...ITEMS.map((k): [string, string, unknown[]] => [k, 'smallint', re.map((x) => x.answers[k])]),
      ['score', 'float8', re.map((x) => x.score)], ['submitted_at', 'timestamptz', re.map((x) => at(x.submittedAt))],
    ]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------------------
// two-decimal figures, exactly
// ---------------------------------------------------------------------------------------

/**
 * An expected two-decimal figure as whole hundredths. `allowed` has one value, or two when
 * the true value sits on (or within 1e-9 of) a rounding midpoint.
 */
export class Two {
  constructor(
    readonly allowed: number[],
    readonly exact: number,
    /** 'float': within 1e-9 of a midpoint, either neighbour; 'exact': a whole-number ratio on a midpoint, half up only. */
    readonly midpoint: 'none' | 'float' | 'exact' = allowed.length > 1 ? 'float' : 'none',
  ) {}
  get preferred(): number {
    return this.allowed[0];
  }
  toString(): string {
    return `${this.allowed.map((h) => (h / 100).toFixed(2)).join(' or ')} (exact ${this.exact.toFixed(9)})`;
  }
}

/** An expected value that may be either of these (a target judged on an ambiguous figure). */
export class OneOf {
  constructor(readonly values: unknown[]) {}
  toString(): string {
    return this.values.map((v) => JSON.stringify(v)).join(' or ');
  }
}

/**
 * num/den (non-negative integers, den > 0) rounded half up to hundredths; `scaled` is num·100.
 * `exactInputs`: the figure is a ratio of whole numbers (coverage, an item mean), which the
 * service divides exactly once, so a midpoint must round up (half away from zero, as
 * documented); otherwise (a mean of floating scores summed in SQL) both neighbours are allowed.
 */
function halfUp(scaled: number, den: number, exactInputs = false): Two {
  if (!Number.isSafeInteger(scaled) || !Number.isSafeInteger(den) || den <= 0 || scaled < 0) throw new Error(`bad ratio ${scaled}/${den}`);
  const q = Math.floor(scaled / den);
  const twice = 2 * (scaled - q * den);
  const exact = scaled / den / 100;
  if (twice > den) return new Two([q + 1], exact);
  if (twice < den) return new Two([q], exact);
  if (exactInputs) return new Two([q + 1], exact, 'exact');
  return new Two([q + 1, q], exact);
}

/** A float (already carrying only ~1e-12 error) to hundredths; both neighbours within 1e-9 of a midpoint. */
function floatTwo(x: number): Two {
  const v = x * 100;
  const f = Math.floor(v);
  if (Math.abs(v - f - 0.5) < 1e-7) return new Two([f + 1, f], x);
  return new Two([Math.round(v)], x);
}

function clipTwo(t: Two, lo: number, hi: number): Two {
  const allowed = [...new Set(t.allowed.map((h) => Math.min(hi, Math.max(lo, h))))];
  return new Two(allowed, t.exact, allowed.length > 1 ? t.midpoint : t.midpoint === 'exact' ? 'exact' : 'none');
}

function oneOf<T>(values: T[]): T | OneOf {
  const unique = [...new Set(values)];
  return unique.length === 1 ? unique[0] : new OneOf(unique);
}

// ---------------------------------------------------------------------------------------
// Student's t, our own
// ---------------------------------------------------------------------------------------

/** ln Γ(x), Lanczos (g = 7, n = 9). */
function lnGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let a = c[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** The continued fraction of the incomplete beta function (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 100_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) return h;
  }
  throw new Error('incomplete beta did not converge');
}

/** The regularised incomplete beta function I_x(a, b). */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(a, b, x)) / a : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

const tCache = new Map<number, number>();

/** t with P(|T| > t) = 0.05 for `df` degrees of freedom: P(|T| > t) = I_{df/(df+t²)}(df/2, 1/2), solved by bisection. */
export function tCritical95(df: number): number {
  const cached = tCache.get(df);
  if (cached !== undefined) return cached;
  let lo = 0;
  let hi = 1000;
  for (let i = 0; i < 200 && hi - lo > 1e-14; i++) {
    const mid = (lo + hi) / 2;
    if (incompleteBeta(df / (df + mid * mid), df / 2, 0.5) > 0.05) lo = mid;
    else hi = mid;
  }
  const t = (lo + hi) / 2;
  tCache.set(df, t);
  return t;
}

// ---------------------------------------------------------------------------------------
// the expected reports
// ---------------------------------------------------------------------------------------

export type GroupBy = 'federation' | 'region' | 'sector' | 'organizationType' | 'organization';
export interface Filters {
  region?: string;
  sector?: string;
  organizationType?: string;
  organization?: string;
}

interface Tally {
  receipts: number;
  late: number;
  noAccount: number;
  activated: number;
  notified: number;
  completed: number;
  responses: GResponse[];
}

const emptyTally = (): Tally => ({ receipts: 0, late: 0, noAccount: 0, activated: 0, notified: 0, completed: 0, responses: [] });

export interface Satisfaction {
  satisfaction: Two | null;
  ci: [Two, Two] | null;
  suppressed: boolean;
  lowResponses: boolean;
  items: Record<Item, Two | null> | null;
}

export class GoldenModel {
  private readonly tallies = new Map<string, Tally>();
  readonly orgById: Map<string, GOrg>;

  constructor(
    readonly data: GoldenData,
    readonly options: {
      finalPeriods: string[];
      provisionalPeriods: string[];
      minResponses: number;
      offsetMs?: number;
      /** The reader sees figures below minResponses, marked lowResponses (federal, sector, region keys). */
      showLowResponses?: boolean;
    },
  ) {
    this.orgById = new Map(data.orgs.map((o) => [o.id, o]));
    const offset = options.offsetMs ?? MOSCOW;
    const receiptById = new Map(data.receipts.map((r) => [r.id, r]));
    const invitationById = new Map(data.invitations.map((i) => [i.id, i]));
    const invitationOfReceipt = new Map(data.invitations.map((i) => [i.receiptId, i]));
    const tally = (orgId: string, ms: number) => {
      const key = `${orgId}|${quarterOf(ms, offset)}`;
      let t = this.tallies.get(key);
      if (!t) this.tallies.set(key, (t = emptyTally()));
      return t;
    };
    const activeReceiptOf = (invitationId: string) => {
      const receipt = receiptById.get(invitationById.get(invitationId)!.receiptId)!;
      return receipt.status === 'active' ? receipt : null;
    };
    // Cancelled receipts count nowhere: not as receipts, not their rounds, not their answers.
    for (const r of data.receipts) {
      if (r.status !== 'active') continue;
      const t = tally(r.orgId, r.receivedAt);
      t.receipts += 1;
      if (r.late) t.late += 1;
      if (invitationOfReceipt.get(r.id)?.status === 'no_account') t.noAccount += 1;
    }
    for (const i of data.invitations) {
      const receipt = activeReceiptOf(i.id);
      if (receipt && i.activatedAt !== null) tally(receipt.orgId, i.activatedAt).activated += 1;
    }
    for (const r of data.rounds) {
      const receipt = activeReceiptOf(r.invitationId);
      if (receipt && r.notifiedAt !== null) tally(receipt.orgId, r.notifiedAt).notified += 1;
    }
    for (const a of data.responses) {
      const receipt = activeReceiptOf(a.invitationId);
      if (!receipt) continue;
      const t = tally(receipt.orgId, a.submittedAt);
      t.completed += 1;
      t.responses.push(a);
    }
  }

  /** An organisation's tally for a quarter; null when it had no activity (no snapshot row). */
  tally(org: GOrg, period: string): Tally | null {
    return this.tallies.get(`${org.id}|${period}`) ?? null;
  }

  isFinal(period: string): boolean {
    return this.options.finalPeriods.includes(period);
  }

  private published(period: string): boolean {
    return this.options.finalPeriods.includes(period) || this.options.provisionalPeriods.includes(period);
  }

  static keyValue(org: GOrg, groupBy: GroupBy): string | null {
    switch (groupBy) {
      case 'federation':
        return null;
      case 'region':
        return org.region;
      case 'sector':
        return org.sector;
      case 'organizationType':
        return org.type;
      case 'organization':
        return org.code;
    }
  }

  static keyOf(groupBy: GroupBy, value: string | null): Record<string, string> {
    return value === null ? {} : { [groupBy]: value };
  }

  nameOf(groupBy: GroupBy, value: string | null): string {
    switch (groupBy) {
      case 'federation':
        return FEDERATION_NAME;
      case 'region':
        return PILOT_REGIONS.find((r) => r.code === value)!.name;
      case 'sector':
        return SECTOR_NAMES[value!];
      case 'organizationType':
        return ORGANIZATION_TYPES.find((t) => t.code === value)!.name;
      case 'organization':
        return this.data.orgs.find((o) => o.code === value)!.name;
    }
  }

  private matches(org: GOrg, f: Filters): boolean {
    return (!f.region || org.region === f.region) && (!f.sector || org.sector === f.sector)
      && (!f.organizationType || org.type === f.organizationType) && (!f.organization || org.code === f.organization);
  }

  /** The groups with at least one snapshot row in the quarter, each with its summed tally. */
  groups(period: string, groupBy: GroupBy, filters: Filters): Map<string | null, Tally> {
    const out = new Map<string | null, Tally>();
    if (!this.published(period)) return out;
    for (const org of this.data.orgs) {
      if (!this.matches(org, filters)) continue;
      const t = this.tally(org, period);
      if (!t) continue;
      const key = GoldenModel.keyValue(org, groupBy);
      const sum = out.get(key) ?? emptyTally();
      out.set(key, {
        receipts: sum.receipts + t.receipts,
        late: sum.late + t.late,
        noAccount: sum.noAccount + t.noAccount,
        activated: sum.activated + t.activated,
        notified: sum.notified + t.notified,
        completed: sum.completed + t.completed,
        responses: [...sum.responses, ...t.responses],
      });
    }
    return out;
  }

  /** Satisfaction, its 95 % interval and the item means of a set of responses. */
  satisfaction(responses: GResponse[], show = false): Satisfaction {
    const n = responses.length;
    const lowResponses = n < this.options.minResponses;
    if (lowResponses && !show) return { satisfaction: null, ci: null, suppressed: true, lowResponses, items: null };
    if (n === 0) return { satisfaction: null, ci: null, suppressed: false, lowResponses, items: Object.fromEntries(ITEMS.map((k) => [k, null])) as Record<Item, null> };
    // Every score is itemSum / answered with answered ∈ 1..7, so in 420ths it is a whole number.
    const scaled = responses.map((r) => {
      const values = ITEMS.map((k) => r.answers[k]).filter((v): v is number => v !== null);
      const sum = values.reduce((a, b) => a + b, 0);
      if ((sum * 420) % values.length !== 0) throw new Error('score not a whole number of 420ths');
      return (sum * 420) / values.length;
    });
    const total = scaled.reduce((a, b) => a + b, 0);
    const sat = halfUp(100 * total, 420 * n);
    let ci: [Two, Two] | null = null;
    if (n >= 2) {
      const big = BigInt(n) * scaled.reduce((a, s) => a + BigInt(s) * BigInt(s), 0n) - BigInt(total) * BigInt(total); // 420²·n·Σ(x − x̄)²
      if (big === 0n) {
        ci = [clipTwo(sat, 100, 500), clipTwo(sat, 100, 500)];
      } else {
        const mean = total / (420 * n);
        const varianceOverN = Number(big) / (420 * 420 * n * n * (n - 1));
        const half = tCritical95(n - 1) * Math.sqrt(varianceOverN);
        ci = [clipTwo(floatTwo(mean - half), 100, 500), clipTwo(floatTwo(mean + half), 100, 500)];
      }
    }
    const items = Object.fromEntries(
      ITEMS.map((k) => {
        const values = responses.map((r) => r.answers[k]).filter((v): v is number => v !== null);
        return [k, values.length === 0 ? null : halfUp(100 * values.reduce((a, b) => a + b, 0), values.length, true)];
      }),
    ) as Record<Item, Two | null>;
    return { satisfaction: sat, ci, suppressed: false, lowResponses, items };
  }

  /**
   * The satisfaction of a group in a quarter as this reader sees it (`show`: below the
   * minimum too), or as a base for growth (never below the minimum): null without a snapshot.
   */
  private pastSatisfaction(period: string, groupBy: GroupBy, filters: Filters, key: string | null, show: boolean): Two | null {
    const t = this.groups(period, groupBy, filters).get(key);
    return t ? this.satisfaction(t.responses, show).satisfaction : null;
  }

  private comparison(current: Two | null, other: Two | null) {
    const delta = current && other
      ? new Two([...new Set(current.allowed.flatMap((c) => other.allowed.map((o) => c - o)))], current.exact - other.exact)
      : null;
    return { satisfaction: other, delta };
  }

  /** met / not_met / not_applicable / no_base against a base (DESIGN §6); null without a satisfaction. */
  private growth(sat: Two | null, base: Two | null) {
    if (!sat) return null;
    const out: string[] = [];
    for (const s of sat.allowed) {
      if (s >= 450) out.push('not_applicable');
      else if (!base) out.push('no_base');
      else for (const b of base.allowed) out.push(s - b >= 20 ? 'met' : 'not_met');
    }
    return oneOf(out);
  }

  private targets(coverage: Two | null, sat: Two | null, yearAgo: Two | null) {
    const growth: (boolean | null)[] = [];
    for (const s of sat?.allowed ?? []) {
      if (s >= 450) growth.push(true);
      else if (!yearAgo) growth.push(null);
      else for (const y of yearAgo.allowed) growth.push(s - y >= 20);
    }
    return {
      coverage: coverage ? oneOf(coverage.allowed.map((h) => h >= 4000)) : null,
      satisfaction: sat ? oneOf(sat.allowed.map((h) => h >= 450)) : null,
      growth: sat ? oneOf(growth) : null,
    };
  }

  private point(t: Tally, show = false) {
    const s = this.satisfaction(t.responses, show);
    return {
      notified: t.notified,
      completed: t.completed,
      coverage: t.notified === 0 ? null : halfUp(t.completed * 10_000, t.notified, true),
      responses: t.responses.length,
      ...s,
    };
  }

  indicators(period: string, groupBy: GroupBy, filters: Filters = {}) {
    const previous = shiftQuarter(period, -1);
    const yearAgo = shiftQuarter(period, -4);
    const show = this.options.showLowResponses ?? false;
    const rows = [...this.groups(period, groupBy, filters)].map(([key, t]) => {
      const p = this.point(t, show);
      const prev = this.pastSatisfaction(previous, groupBy, filters, key, show);
      const ago = this.pastSatisfaction(yearAgo, groupBy, filters, key, show);
      // Targets and growth are judged on at least minResponses, on both sides, whoever reads.
      const judged = p.lowResponses ? null : p.satisfaction;
      const prevBase = this.pastSatisfaction(previous, groupBy, filters, key, false);
      const agoBase = this.pastSatisfaction(yearAgo, groupBy, filters, key, false);
      return {
        key: GoldenModel.keyOf(groupBy, key),
        name: this.nameOf(groupBy, key),
        notified: p.notified,
        completed: p.completed,
        coverage: p.coverage,
        responses: p.responses,
        satisfaction: p.satisfaction,
        ci: p.ci,
        suppressed: p.suppressed,
        lowResponses: p.lowResponses,
        items: p.items,
        previous: this.comparison(p.satisfaction, prev),
        yearAgo: this.comparison(p.satisfaction, ago),
        targets: this.targets(p.coverage, judged, agoBase),
        growth: { quarterly: this.growth(judged, prevBase), yearly: this.growth(judged, agoBase) },
      };
    });
    return { period, final: this.isFinal(period), computedAt: new Date(NOW).toISOString(), rows };
  }

  funnel(period: string, groupBy: GroupBy, filters: Filters = {}) {
    const rows = [...this.groups(period, groupBy, filters)].map(([key, t]) => ({
      key: GoldenModel.keyOf(groupBy, key),
      name: this.nameOf(groupBy, key),
      receipts: t.receipts,
      late: t.late,
      noAccount: t.noAccount,
      activated: t.activated,
      notified: t.notified,
      completed: t.completed,
    }));
    return { period, final: this.isFinal(period), computedAt: new Date(NOW).toISOString(), rows };
  }

  history(from: string, to: string, groupBy: GroupBy, filters: Filters = {}) {
    const periods: string[] = [];
    for (let p = from; periods.length < 40; p = shiftQuarter(p, 1)) {
      periods.push(p);
      if (p === to) break;
    }
    const series = new Map<string | null, { period: string; final: boolean }[]>();
    for (const period of periods) {
      for (const [key, t] of this.groups(period, groupBy, filters)) {
        const { notified, completed, coverage, responses, satisfaction, ci, suppressed, lowResponses } = this.point(t, this.options.showLowResponses ?? false);
        const list = series.get(key) ?? [];
        list.push({ period, final: this.isFinal(period), notified, completed, coverage, responses, satisfaction, ci, suppressed, lowResponses } as never);
        series.set(key, list);
      }
    }
    return {
      from,
      to,
      series: [...series].map(([key, points]) => ({ key: GoldenModel.keyOf(groupBy, key), name: this.nameOf(groupBy, key), points })),
    };
  }

  /**
   * Rankings within a region and type: satisfaction (as reported, two decimals) descending,
   * ties by more responses, then by code; competition ranks from the top. `reported` picks
   * the side of an ambiguous midpoint the API took (after it was checked to be allowed).
   */
  rankings(period: string, region: string, organizationType: string, limit: number, reported: Map<string, number> = new Map()) {
    const rows = [...this.groups(period, 'organization', { region, organizationType })].map(([code, t]) => {
      const p = this.point(t);
      return { code: code!, name: this.nameOf('organization', code), satisfaction: p.satisfaction, responses: p.responses, suppressed: p.suppressed, ci: p.ci };
    });
    const score = (r: (typeof rows)[number]) => {
      const sat = r.satisfaction!;
      const actual = reported.get(r.code);
      return actual !== undefined && sat.allowed.includes(Math.round(actual * 100)) ? Math.round(actual * 100) : sat.preferred;
    };
    const eligible = rows.filter((r) => !r.suppressed && r.satisfaction !== null);
    const unranked = rows.filter((r) => !eligible.includes(r)).sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
    const tie = (a: (typeof rows)[number], b: (typeof rows)[number]) => b.responses - a.responses || (a.code < b.code ? -1 : 1);
    const best = [...eligible].sort((a, b) => score(b) - score(a) || tie(a, b));
    const worst = [...eligible].sort((a, b) => score(a) - score(b) || tie(a, b));
    const rank = new Map<string, number>();
    best.forEach((r, i) => rank.set(r.code, i > 0 && score(best[i - 1]) === score(r) ? rank.get(best[i - 1].code)! : i + 1));
    const shown = (r: (typeof rows)[number]) => ({ rank: rank.get(r.code)!, code: r.code, name: r.name, satisfaction: r.satisfaction, responses: r.responses, ci: r.ci });
    return {
      period,
      final: this.isFinal(period),
      computedAt: new Date(NOW).toISOString(),
      region,
      organizationType,
      ranked: eligible.length,
      best: best.slice(0, limit).map(shown),
      worst: worst.slice(0, limit).map(shown),
      unranked: unranked.map((r) => ({ code: r.code, name: r.name, responses: r.responses, suppressed: r.suppressed })),
    };
  }
}

// ---------------------------------------------------------------------------------------
// comparing
// ---------------------------------------------------------------------------------------

function show(v: unknown): string {
  if (v instanceof Two || v instanceof OneOf) return v.toString();
  return JSON.stringify(v, (_k, x) => (x instanceof Two || x instanceof OneOf ? x.toString() : x));
}

/**
 * Compares a reported value with an expected one, recording every difference as
 * "<where> <path>: expected …, got …". A `Two` matches a number that is exactly one of its
 * allowed hundredths (no tolerance beyond the midpoint rule); objects must have the same keys.
 */
export const compared = { figures: 0, floatMidpoints: 0, exactMidpoints: 0 };

export function compare(where: string, path: string, actual: unknown, expected: unknown, out: string[]): void {
  const fail = () => out.push(`${where} ${path}: expected ${show(expected)}, got ${JSON.stringify(actual)}`);
  if (expected === null || typeof expected !== 'object' || expected instanceof Two || expected instanceof OneOf) compared.figures += 1;
  if (expected instanceof Two) {
    if (expected.midpoint === 'float') compared.floatMidpoints += 1;
    if (expected.midpoint === 'exact') compared.exactMidpoints += 1;
    if (typeof actual !== 'number') return void fail();
    const h = Math.round(actual * 100);
    if (Math.abs(actual * 100 - h) > 1e-6 || !expected.allowed.includes(h)) fail();
    return;
  }
  if (expected instanceof OneOf) {
    if (!expected.values.some((v) => v === actual)) fail();
    return;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return void fail();
    expected.forEach((e, i) => compare(where, `${path}[${i}]`, actual[i], e, out));
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return void fail();
    const a = actual as Record<string, unknown>;
    const e = expected as Record<string, unknown>;
    for (const k of new Set([...Object.keys(e), ...Object.keys(a)])) {
      if (!(k in e)) out.push(`${where} ${path}.${k}: not expected, got ${JSON.stringify(a[k])}`);
      else if (!(k in a)) out.push(`${where} ${path}.${k}: expected ${show(e[k])}, missing`);
      else compare(where, `${path}.${k}`, a[k], e[k], out);
    }
    return;
  }
  if (actual !== expected) fail();
}

/** Compares two lists of rows keyed by `key` (order-free), reporting missing and extra rows. */
export function compareRows(where: string, actual: { key: unknown }[], expected: { key: unknown }[], out: string[]): void {
  const id = (r: { key: unknown }) => JSON.stringify(r.key);
  const byKey = new Map(actual.map((r) => [id(r), r]));
  if (byKey.size !== actual.length) out.push(`${where}: duplicate keys in ${JSON.stringify(actual.map(id))}`);
  for (const e of expected) {
    const a = byKey.get(id(e));
    if (!a) out.push(`${where} row ${id(e)}: missing`);
    else compare(where, `row ${id(e)}`, a, e, out);
  }
  const wanted = new Set(expected.map(id));
  for (const a of actual) if (!wanted.has(id(a))) out.push(`${where} row ${id(a)}: not expected`);
}
