/**
 * Role-scoped reports over the indicator snapshots. Every level is summed set-based in
 * Postgres from the organisations' additive sums (one GROUP BY per request, over the
 * quarter, the previous one and the year-ago one at once); the arithmetic is src/domain.
 * Small numbers are shown by role (`seesLowResponses`), and a head of organisation sees
 * a quarter still being counted only in released blocks of answers (`releasedResponses`,
 * docs/reports.md).
 */
import type { Db } from '../db/client';
import {
  addResponse,
  addSums,
  emptySums,
  indicatorRow,
  rankOrganizations,
  releasedResponses,
  satisfaction,
  type IndicatorRow,
  type IndicatorSums,
  type PastFigure,
  type Rankings,
} from '../domain/indicators';
import type { FieldError } from '../domain/field-errors';
import { currentPeriod, periodBounds, periodsBetween, previousPeriod, yearAgoPeriod, type Period } from '../domain/periods';
import { ITEM_KEYS } from '../domain/questionnaire';
import { reportAccess, type GroupBy, type Principal, type ReportClip, type ReportFilters } from '../domain/scope';
import { HttpProblem } from '../api/problem';

export interface FilterCodes {
  region?: string;
  sector?: string;
  organizationType?: string;
  organization?: string;
}

export const SECTOR_NAMES: Record<string, string> = {
  mse: 'медико-социальная экспертиза',
  health: 'здравоохранение',
  education: 'образование',
  sport: 'физическая культура и спорт',
};

export interface Funnel {
  receipts: number;
  late: number;
  noAccount: number;
  activated: number;
  notified: number;
  completed: number;
}

interface GroupRow {
  period: string;
  key: string | null;
  final: boolean;
  computedAt: Date | null;
  sums: IndicatorSums;
  funnel: Funnel;
}

export type ReportKey = Partial<Record<'region' | 'sector' | 'organizationType' | 'organization', string>>;

const GROUP_COLUMN: Record<GroupBy, string | null> = {
  federation: null,
  region: 's.region_code',
  sector: 's.sector',
  organizationType: 's.type_code',
  organization: 'o.code',
};

const SUMS_SQL = [
  'sum(s.notified)::float8 AS notified',
  'sum(s.completed)::float8 AS completed',
  'sum(s.score_sum)::float8 AS score_sum',
  'sum(s.score_sum_sq)::float8 AS score_sum_sq',
  'sum(s.receipts)::float8 AS receipts',
  'sum(s.late)::float8 AS late',
  'sum(s.no_account)::float8 AS no_account',
  'sum(s.activated)::float8 AS activated',
  ...ITEM_KEYS.flatMap((k) => [`sum(s.${k}_sum)::float8 AS ${k}_sum`, `sum(s.${k}_count)::float8 AS ${k}_count`]),
].join(', ');

const CACHE_ENTRIES = 2000;

/**
 * Whether a principal sees an organisation's satisfaction below the small-numbers threshold
 * (marked `lowResponses`): the federal, sector and region bodies, whom II.12 entitles to each
 * organisation's figures. Heads of organisations, administrators and anything published get
 * such figures suppressed.
 */
export function seesLowResponses(principal: Principal): boolean {
  return principal.role === 'federal' || principal.role === 'sector' || principal.role === 'region';
}

/**
 * Whether a principal sees a quarter still being counted only in released blocks of answers
 * (DESIGN §6, anonymity): a head of organisation, who knows whom it served and so could
 * otherwise tell one answer from two reads.
 */
export function seesReleasedBlocksOnly(principal: Principal): boolean {
  return principal.role === 'organization';
}

export class ReportService {
  /**
   * Reports change only when a scoring run completes, so answers are kept per scope and
   * query until the next completed run (one indexed look-up per request tells).
   */
  private readonly cache = new Map<string, { version: string; value: unknown }>();

  constructor(private readonly deps: { db: Db; minResponses: number; now?: () => Date; /** 0 turns the cache off. */ cacheEntries?: number }) {}

  /** The cached answer for this scope and query, or a fresh one; refusals (403, 422) are never cached. */
  private async cached<T>(kind: string, principal: Principal, query: object, compute: () => Promise<T>): Promise<T> {
    const version = await this.snapshotVersion();
    const scope = [principal.role, principal.regions, principal.sectors, principal.organizationCode];
    const key = JSON.stringify([kind, scope, query]);
    const capacity = this.deps.cacheEntries ?? CACHE_ENTRIES;
    const hit = this.cache.get(key);
    if (hit && hit.version === version) return hit.value as T;
    const value = await compute();
    if (capacity === 0) return value;
    if (this.cache.size >= capacity) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, { version, value });
    return value;
  }

  /**
   * Which completed scoring runs the snapshots reflect. Read at most once a second, so a
   * report may trail a just-finished run by a second.
   */
  private versionRead: { at: number; version: Promise<string> } | null = null;
  private snapshotVersion(): Promise<string> {
    const now = Date.now();
    if (this.versionRead && now - this.versionRead.at < 1000) return this.versionRead.version;
    const version = this.deps.db.$queryRaw<{ finished: Date | null; runs: bigint }[]>`
      SELECT max(finished_at) AS finished, count(*) AS runs FROM scoring_run WHERE status = 'completed'`
      .then(([latest]) => `${latest?.finished?.toISOString() ?? 'none'}/${latest?.runs ?? 0}`);
    this.versionRead = { at: now, version };
    version.catch(() => { this.versionRead = null; });
    return version;
  }

  /** Indicators for one quarter by a level, with the previous and year-ago comparisons. */
  async indicators(principal: Principal, query: { period?: Period; groupBy: GroupBy; filters: FilterCodes }) {
    const period = query.period ?? currentPeriod(this.now());
    return this.cached('indicators', principal, { ...query, period }, () => this.computeIndicators(principal, { ...query, period }));
  }

  private async computeIndicators(principal: Principal, query: { period: Period; groupBy: GroupBy; filters: FilterCodes }) {
    const { period } = query;
    const clip = await this.authorize(principal, query.groupBy, query.filters);
    const previous = previousPeriod(period);
    const yearAgo = yearAgoPeriod(period);
    const groups = await this.released(principal, clip, await this.sumGroups([period, previous, yearAgo], query.groupBy, clip, query.filters));
    const names = await this.names(query.groupBy, groups.map((g) => g.key));
    const current = groups.filter((g) => g.period === period);
    const byPeriodAndKey = new Map(groups.map((g) => [`${g.period}|${g.key}`, g]));
    // The comparison is with the figures of the same group then (indicatorRow decides what shows).
    const pastOf = (p: Period, key: string | null): PastFigure | null => {
      const g = byPeriodAndKey.get(`${p}|${key}`);
      return g ? { satisfaction: satisfaction(g.sums), responses: g.sums.responses } : null;
    };
    const rows = current.map((g) => ({
      key: keyOf(query.groupBy, g.key),
      name: names.get(g.key) ?? g.key ?? 'Российская Федерация',
      ...this.row(g.sums, seesLowResponses(principal), pastOf(previous, g.key), pastOf(yearAgo, g.key)),
    }));
    return { period, ...(await this.status(period, current)), rows };
  }

  /** Where receipts go: arrived, late, without an account, activated, notified, completed. */
  async funnel(principal: Principal, query: { period?: Period; groupBy: GroupBy; filters: FilterCodes }) {
    const period = query.period ?? currentPeriod(this.now());
    return this.cached('funnel', principal, { ...query, period }, () => this.computeFunnel(principal, { ...query, period }));
  }

  private async computeFunnel(principal: Principal, query: { period: Period; groupBy: GroupBy; filters: FilterCodes }) {
    const { period } = query;
    const clip = await this.authorize(principal, query.groupBy, query.filters);
    const groups = await this.released(principal, clip, await this.sumGroups([period], query.groupBy, clip, query.filters));
    const names = await this.names(query.groupBy, groups.map((g) => g.key));
    const rows = groups.map((g) => ({ key: keyOf(query.groupBy, g.key), name: names.get(g.key) ?? g.key ?? 'Российская Федерация', ...g.funnel }));
    return { period, ...(await this.status(period, groups)), rows };
  }

  /** A series per group over a range of quarters, for charts. */
  async history(principal: Principal, query: { from: Period; to: Period; groupBy: GroupBy; filters: FilterCodes }) {
    return this.cached('history', principal, query, () => this.computeHistory(principal, query));
  }

  private async computeHistory(principal: Principal, query: { from: Period; to: Period; groupBy: GroupBy; filters: FilterCodes }) {
    const periods = periodsBetween(query.from, query.to);
    const clip = await this.authorize(principal, query.groupBy, query.filters);
    const groups = await this.released(principal, clip, await this.sumGroups(periods, query.groupBy, clip, query.filters));
    const names = await this.names(query.groupBy, groups.map((g) => g.key));
    const keys = [...new Set(groups.map((g) => g.key))].sort(compareKeys);
    return {
      from: query.from,
      to: query.to,
      series: keys.map((key) => ({
        key: keyOf(query.groupBy, key),
        name: names.get(key) ?? key ?? 'Российская Федерация',
        points: groups
          .filter((g) => g.key === key)
          .map((g) => {
            const { notified, completed, coverage, responses, satisfaction, ci, suppressed, lowResponses } = this.row(g.sums, seesLowResponses(principal));
            return { period: g.period, final: g.final, notified, completed, coverage, responses, satisfaction, ci, suppressed, lowResponses };
          }),
      })),
    };
  }

  /** Organisations of one region and type, best and worst (seed 002: rewards and remedies). */
  async rankings(principal: Principal, query: { period?: Period; region: string; organizationType: string; limit: number }) {
    const period = query.period ?? currentPeriod(this.now());
    return this.cached('rankings', principal, { ...query, period }, () => this.computeRankings(principal, { ...query, period }));
  }

  private async computeRankings(principal: Principal, query: { period: Period; region: string; organizationType: string; limit: number }) {
    const { period } = query;
    const filters = { region: query.region, organizationType: query.organizationType };
    const clip = await this.authorize(principal, 'organization', filters);
    const groups = await this.sumGroups([period], 'organization', clip, filters);
    const names = await this.names('organization', groups.map((g) => g.key));
    const rows = groups.map((g) => {
      const { satisfaction, responses, suppressed, ci } = this.row(g.sums);
      return { code: g.key!, name: names.get(g.key) ?? g.key!, satisfaction, responses, suppressed, ci };
    });
    const ranked: Rankings<(typeof rows)[number]> = rankOrganizations(rows, query.limit);
    return { period, ...(await this.status(period, groups)), region: query.region, organizationType: query.organizationType, ...ranked };
  }

  /**
   * Rankings call this without `showLowResponses`: an organisation is ranked, for every
   * reader, only on at least the threshold of responses.
   */
  private row(sums: IndicatorSums, showLowResponses = false, previous?: PastFigure | null, yearAgo?: PastFigure | null): IndicatorRow {
    return indicatorRow(sums, { minResponses: this.deps.minResponses, showLowResponses, previous, yearAgo });
  }

  /**
   * For a head of organisation, each quarter still being counted (not final) is replaced by
   * its released blocks: the first `releasedResponses(n)` answers in arrival order, among
   * those the snapshot counted (submitted by its computation). Counts of receipts and
   * notifications stay as they are; completed, responses, the score sums and the item sums
   * become those of the released answers. Other principals get the groups unchanged.
   */
  private async released(principal: Principal, clip: ReportClip, groups: GroupRow[]): Promise<GroupRow[]> {
    if (!seesReleasedBlocksOnly(principal) || !clip.organizationCode) return groups;
    const code = clip.organizationCode;
    return Promise.all(groups.map(async (g) => {
      if (g.final) return g;
      const sums = await this.releasedSums(code, g.period as Period, g.computedAt ?? new Date(0));
      return {
        ...g,
        sums: { ...sums, notified: g.sums.notified },
        funnel: { ...g.funnel, completed: sums.completed },
      };
    }));
  }

  /** The released answers of one organisation's quarter, up to `upTo`, summed. */
  private async releasedSums(organizationCode: string, period: Period, upTo: Date): Promise<IndicatorSums> {
    const { db, minResponses } = this.deps;
    const { start, end } = periodBounds(period);
    const counted = `
      FROM response a JOIN organization o ON o.id = a.organization_id
      WHERE o.code = $1 AND a.submitted_at >= $2 AND a.submitted_at < $3 AND a.submitted_at <= $4
        AND NOT EXISTS (SELECT 1 FROM invitation i JOIN receipt r ON r.id = i.receipt_id WHERE i.id = a.invitation_id AND r.status <> 'active')`;
    const [{ n }] = await db.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n ${counted}`, organizationCode, start, end, upTo);
    const released = releasedResponses(Number(n), minResponses);
    let sums = emptySums();
    if (released === 0) return sums;
    const answers = await db.$queryRawUnsafe<Record<string, number | null>[]>(
      `SELECT ${ITEM_KEYS.map((k) => `a.${k}`).join(', ')} ${counted} ORDER BY a.submitted_at, a.id LIMIT $5`,
      organizationCode, start, end, upTo, released,
    );
    for (const a of answers) sums = addResponse(sums, a);
    return { ...sums, completed: sums.responses };
  }

  /** Final when the quarter's final scoring has run; otherwise cumulative to date. */
  private async status(period: Period, groups: GroupRow[]): Promise<{ final: boolean; computedAt: string | null }> {
    const run = await this.deps.db.scoringRun.findFirst({
      where: { period, final: true, status: 'completed', error: null },
      orderBy: { finishedAt: 'desc' },
    });
    const computed = groups.map((g) => g.computedAt?.getTime() ?? 0);
    const computedAt = computed.length > 0 ? new Date(Math.max(...computed)) : (run?.finishedAt ?? null);
    return { final: Boolean(run), computedAt: computedAt?.toISOString() ?? null };
  }

  /** Resolves the filter codes (422 when unknown) and checks them against the caller's scope (403). */
  async authorize(principal: Principal, groupBy: GroupBy, codes: FilterCodes): Promise<ReportClip> {
    const { db } = this.deps;
    const filters: ReportFilters = {};
    const unknown: FieldError[] = [];
    if (codes.region) {
      if (await db.region.findUnique({ where: { code: codes.region } })) filters.region = codes.region;
      else unknown.push({ path: 'region', code: 'unknown_region', message: 'unknown region' });
    }
    if (codes.sector) {
      if (Object.hasOwn(SECTOR_NAMES, codes.sector)) filters.sector = codes.sector;
      else unknown.push({ path: 'sector', code: 'unknown_sector', message: 'unknown sector' });
    }
    if (codes.organizationType) {
      const type = await db.organizationType.findUnique({ where: { code: codes.organizationType } });
      if (type) filters.organizationType = { code: type.code, sector: type.sector };
      else unknown.push({ path: 'organizationType', code: 'unknown_organization_type', message: 'unknown organization type' });
    }
    if (codes.organization) {
      const org = await db.organization.findUnique({ where: { code: codes.organization }, include: { type: true } });
      if (org) filters.organization = { code: org.code, regionCode: org.regionCode, sector: org.type.sector };
      else unknown.push({ path: 'organization', code: 'unknown_organization', message: 'unknown organization' });
    }
    const access = reportAccess(principal, groupBy, filters);
    if (!access.ok) throw new HttpProblem('out_of_scope', access.reason);
    if (unknown.length > 0) throw new HttpProblem('validation_failed', 'Unknown filter values', unknown);
    return access.clip;
  }

  /** One GROUP BY over the snapshots of the given quarters, clipped to the scope and filters. */
  private async sumGroups(periods: Period[], groupBy: GroupBy, clip: ReportClip, codes: FilterCodes): Promise<GroupRow[]> {
    const params: unknown[] = [periods];
    const where = ['s.period = ANY($1)'];
    const add = (sql: (n: number) => string, value: unknown) => {
      params.push(value);
      where.push(sql(params.length));
    };
    if (clip.regions) add((n) => `s.region_code = ANY($${n})`, clip.regions);
    if (clip.sectors) add((n) => `s.sector = ANY($${n})`, clip.sectors);
    if (clip.organizationCode) add((n) => `o.code = $${n}`, clip.organizationCode);
    if (codes.region) add((n) => `s.region_code = $${n}`, codes.region);
    if (codes.sector) add((n) => `s.sector = $${n}`, codes.sector);
    if (codes.organizationType) add((n) => `s.type_code = $${n}`, codes.organizationType);
    if (codes.organization) add((n) => `o.code = $${n}`, codes.organization);
    const column = GROUP_COLUMN[groupBy];
    // The organisation's code is needed only to group or filter by organisation.
    const joinOrganization = groupBy === 'organization' || clip.organizationCode !== null || Boolean(codes.organization);
    const sql = `
      SELECT s.period, ${column ?? 'NULL'} AS key, bool_and(s.final) AS final, max(s.computed_at) AS computed_at, ${SUMS_SQL}
      FROM indicator_snapshot s${joinOrganization ? ' JOIN organization o ON o.id = s.organization_id' : ''}
      WHERE ${where.join(' AND ')}
      GROUP BY s.period${column ? `, ${column}` : ''}
      ORDER BY s.period${column ? `, ${column}` : ''}`;
    const rows = await this.deps.db.$queryRawUnsafe<Record<string, unknown>[]>(sql, ...params);
    return rows.map(toGroupRow);
  }

  private async names(groupBy: GroupBy, keys: (string | null)[]): Promise<Map<string | null, string>> {
    const { db } = this.deps;
    const codes = [...new Set(keys.filter((k): k is string => k !== null))];
    switch (groupBy) {
      case 'region':
        return new Map((await db.region.findMany({ where: { code: { in: codes } } })).map((r) => [r.code, r.name]));
      case 'organizationType':
        return new Map((await db.organizationType.findMany({ where: { code: { in: codes } } })).map((t) => [t.code, t.name]));
      case 'organization':
        return new Map((await db.organization.findMany({ where: { code: { in: codes } } })).map((o) => [o.code, o.name]));
      case 'sector':
        return new Map(codes.map((c) => [c, SECTOR_NAMES[c] ?? c]));
      case 'federation':
        return new Map([[null, 'Российская Федерация']]);
    }
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }
}

function toGroupRow(r: Record<string, unknown>): GroupRow {
  const n = (k: string) => Number(r[k] ?? 0);
  const sums = addSums(emptySums(), {
    notified: n('notified'),
    completed: n('completed'),
    responses: n('completed'),
    scoreSum: n('score_sum'),
    scoreSumSq: n('score_sum_sq'),
    items: Object.fromEntries(ITEM_KEYS.map((k) => [k, { sum: n(`${k}_sum`), count: n(`${k}_count`) }])) as IndicatorSums['items'],
  });
  return {
    period: String(r.period),
    key: r.key === null ? null : String(r.key),
    final: Boolean(r.final),
    computedAt: r.computed_at ? new Date(r.computed_at as string) : null,
    sums,
    funnel: { receipts: n('receipts'), late: n('late'), noAccount: n('no_account'), activated: n('activated'), notified: n('notified'), completed: n('completed') },
  };
}

function keyOf(groupBy: GroupBy, key: string | null): ReportKey {
  return groupBy === 'federation' || key === null ? {} : { [groupBy]: key };
}

function compareKeys(a: string | null, b: string | null): number {
  return (a ?? '').localeCompare(b ?? '');
}
