/**
 * Indicator arithmetic (DESIGN §6). Every level — organisation, type, sector, region,
 * federation, any region × sector × type filter — is computed from additive sums, so a
 * level's sums are simply the `addSums` of its organisations' sums and nothing is ever
 * averaged twice. Every reported number goes through `round2`. Pure: safe in workflow code.
 */
import { ITEM_KEYS, responseScore, type ItemKey } from './questionnaire';

export const COVERAGE_TARGET = 40;
export const SATISFACTION_TARGET = 4.5;
/** The federal text: below the target, satisfaction rises by 0.2 a year. */
export const GROWTH_TARGET_PER_YEAR = 0.2;
/** Below this many responses a satisfaction value is suppressed (DESIGN §6, small numbers). */
export const DEFAULT_MIN_RESPONSES = 5;

/** Tolerance for comparing two-decimal values whose difference carries floating error. */
const EPSILON = 1e-9;

export interface ItemSums {
  sum: number;
  count: number;
}

export interface IndicatorSums {
  /** Invitation rounds notified in the period (a round counts once however many e-mails). */
  notified: number;
  /** Questionnaires completed in the period. */
  completed: number;
  /** Responses whose scores are summed below. */
  responses: number;
  scoreSum: number;
  scoreSumSq: number;
  /** Per item, only the answered ones (N/A counts nowhere). */
  items: Record<ItemKey, ItemSums>;
}

export type ItemMeans = Record<ItemKey, number | null>;
export type ConfidenceInterval = [number, number];

export function emptySums(): IndicatorSums {
  return { notified: 0, completed: 0, responses: 0, scoreSum: 0, scoreSumSq: 0, items: eachItem(() => ({ sum: 0, count: 0 })) };
}

export function addSums(a: IndicatorSums, b: IndicatorSums): IndicatorSums {
  return {
    notified: a.notified + b.notified,
    completed: a.completed + b.completed,
    responses: a.responses + b.responses,
    scoreSum: a.scoreSum + b.scoreSum,
    scoreSumSq: a.scoreSumSq + b.scoreSumSq,
    items: eachItem((k) => ({ sum: a.items[k].sum + b.items[k].sum, count: a.items[k].count + b.items[k].count })),
  };
}

/**
 * Adds one response's answers (its score and its answered items). `notified` and
 * `completed` are counted from invitation rounds, not here.
 */
export function addResponse(sums: IndicatorSums, answers: Partial<Record<ItemKey, number | null>>): IndicatorSums {
  const score = responseScore(answers);
  return {
    ...sums,
    responses: sums.responses + 1,
    scoreSum: sums.scoreSum + score,
    scoreSumSq: sums.scoreSumSq + score * score,
    items: eachItem((k) => {
      const value = answers[k];
      const item = sums.items[k];
      return typeof value === 'number' ? { sum: item.sum + value, count: item.count + 1 } : { ...item };
    }),
  };
}

/**
 * Rounds half away from zero to two decimals. The value is first read to 15 significant
 * decimal digits, which drops binary representation error: 1.005 is stored as
 * 1.00499999999999989…, yet it rounds to 1.01, as does 4.445 to 4.45.
 */
export function round2(x: number): number {
  if (!Number.isFinite(x)) throw new RangeError(`cannot round ${x}`);
  if (Math.abs(x) >= 1e15) return x; // no hundredths left to round
  const [mantissa, exponent] = Math.abs(x).toExponential(14).split('e');
  const hundredths = Math.round(Number(`${mantissa}e${Number(exponent) + 2}`));
  const rounded = Number(`${hundredths}e-2`);
  return x < 0 && rounded !== 0 ? -rounded : rounded;
}

/**
 * Completed ÷ notified × 100, two decimals; null when nothing was notified. Not clamped:
 * both are counted by when they happened, so a quarter that receives answers to rounds
 * notified in the previous quarter can show more than 100.
 */
export function coverage(sums: IndicatorSums): number | null {
  return sums.notified === 0 ? null : round2((sums.completed * 100) / sums.notified);
}

/** The mean response score, two decimals; null without responses. */
export function satisfaction(sums: IndicatorSums): number | null {
  return sums.responses === 0 ? null : round2(sums.scoreSum / sums.responses);
}

/** The mean of each item, two decimals; null for an item nobody answered. */
export function itemMeans(sums: IndicatorSums): ItemMeans {
  return eachItem((k) => (sums.items[k].count === 0 ? null : round2(sums.items[k].sum / sums.items[k].count)));
}

/**
 * The `level` confidence interval of the mean score (Student's t, n − 1 degrees of
 * freedom), two decimals, clipped to the 1–5 scale; null below two responses.
 */
export function confidenceInterval(sums: IndicatorSums, level = 0.95): ConfidenceInterval | null {
  const n = sums.responses;
  if (n < 2) return null;
  const mean = sums.scoreSum / n;
  // Σx² − (Σx)²/n cancels catastrophically when all scores are equal: treat noise as zero.
  const squares = sums.scoreSumSq - (sums.scoreSum * sums.scoreSum) / n;
  const variance = squares <= 1e-12 * Math.abs(sums.scoreSumSq) ? 0 : squares / (n - 1);
  const halfWidth = variance === 0 ? 0 : studentTCritical(n - 1, level) * Math.sqrt(variance / n);
  return [Math.max(1, round2(mean - halfWidth)), Math.min(5, round2(mean + halfWidth))];
}

/**
 * The two-sided critical value of Student's t: P(|T| ≤ t) = level with `df` degrees of
 * freedom (2.776 for df 4 at 0.95). Up to 100 degrees of freedom the exact distribution
 * function is inverted by bisection; beyond, the Cornish–Fisher expansion around the
 * normal quantile is accurate to better than 1e-6.
 */
export function studentTCritical(df: number, level = 0.95): number {
  if (!Number.isInteger(df) || df < 1) throw new RangeError('degrees of freedom must be a whole number ≥ 1');
  if (!(level > 0 && level < 1)) throw new RangeError('the confidence level must be between 0 and 1');
  // A report computes thousands of intervals over few distinct df: each is solved once.
  const key = `${df}/${level}`;
  let t = criticalValues.get(key);
  if (t === undefined) {
    t = solveStudentT(df, level);
    if (criticalValues.size < 10_000) criticalValues.set(key, t);
  }
  return t;
}
const criticalValues = new Map<string, number>();

function solveStudentT(df: number, level: number): number {
  if (df > 100) return cornishFisher(df, normalQuantile((1 + level) / 2));
  // Solve A(θ) = level for θ = atan(t/√df) in [0, π/2), where A is monotonic.
  let lo = 0;
  let hi = Math.PI / 2;
  for (let i = 0; i < 80 && hi - lo > 1e-15; i++) {
    const mid = (lo + hi) / 2;
    if (twoSidedProbability(mid, df) < level) lo = mid;
    else hi = mid;
  }
  return Math.sqrt(df) * Math.tan((lo + hi) / 2);
}

export interface Targets {
  coverage: boolean | null;
  satisfaction: boolean | null;
  /**
   * Deprecated: the yearly growth as a boolean (met or not applicable → true, not met →
   * false, no base → null). Kept for existing readers; `growth.yearly` says the same with
   * the reason, and `growth.quarterly` adds the regional rule.
   */
  growth: boolean | null;
}

/**
 * Whether each target is met; null when it cannot be judged. Growth is met at or above
 * the satisfaction target, or with a rise of at least 0.2 on the same quarter a year
 * earlier (the federal text). Values compare as reported, to two decimals.
 */
export function targets(input: {
  coverage: number | null;
  satisfaction: number | null;
  yearAgoSatisfaction?: number | null;
}): Targets {
  const cov = input.coverage == null ? null : round2(input.coverage);
  const sat = input.satisfaction == null ? null : round2(input.satisfaction);
  return {
    coverage: cov === null ? null : cov >= COVERAGE_TARGET,
    satisfaction: sat === null ? null : sat >= SATISFACTION_TARGET,
    growth: growthMet(growthStatus(sat, input.yearAgoSatisfaction ?? null)),
  };
}

/** The deprecated boolean form of a growth judgement. */
function growthMet(status: GrowthStatus | null): boolean | null {
  if (status === null || status === 'no_base') return null;
  return status !== 'not_met';
}

/** How a growth target stands (see growthStatus). */
export const GROWTH_STATUSES = ['met', 'not_met', 'not_applicable', 'no_base'] as const;
export type GrowthStatus = (typeof GROWTH_STATUSES)[number];

/** The regional recommendation (I.12е): below the target, +0.2 each quarter. */
export const GROWTH_TARGET_PER_QUARTER = 0.2;

/**
 * A growth judgement (DESIGN §6): `not_applicable` at or above the satisfaction target
 * (nothing to grow), `no_base` below it without a comparable earlier value, otherwise
 * `met` when the rise on the base is at least 0.2 and `not_met` when it is not. Null when
 * there is no satisfaction to judge.
 */
export function growthStatus(current: number | null, base: number | null, step = GROWTH_TARGET_PER_YEAR): GrowthStatus | null {
  if (current === null) return null;
  const sat = round2(current);
  if (sat >= SATISFACTION_TARGET) return 'not_applicable';
  if (base === null) return 'no_base';
  return sat - round2(base) >= step - EPSILON ? 'met' : 'not_met';
}

export interface Growth {
  /** Against the previous quarter, +0.2 (the regional recommendation, I.12е). */
  quarterly: GrowthStatus | null;
  /** Against the same quarter a year earlier, +0.2 (the federal text, I.4ж). */
  yearly: GrowthStatus | null;
}

/** current − previous on the reported (two-decimal) values; null if either is missing. */
export function delta(current: number | null | undefined, previous: number | null | undefined): number | null {
  if (current == null || previous == null) return null;
  return round2(round2(current) - round2(previous));
}

export interface Comparison {
  satisfaction: number | null;
  delta: number | null;
}

export interface IndicatorRow {
  notified: number;
  completed: number;
  coverage: number | null;
  responses: number;
  satisfaction: number | null;
  ci: ConfidenceInterval | null;
  /** Satisfaction, interval and item means hidden from this reader (fewer responses than the minimum). */
  suppressed: boolean;
  /** Fewer responses than the minimum, whether or not this reader sees the figures. */
  lowResponses: boolean;
  items: ItemMeans | null;
  previous: Comparison | null;
  yearAgo: Comparison | null;
  targets: Targets;
  growth: Growth;
}

/** An earlier quarter's figures of the same group, as a base for comparison. */
export interface PastFigure {
  satisfaction: number | null;
  responses: number;
}

export interface IndicatorRowOptions {
  minResponses: number;
  /**
   * Show satisfaction, interval and item means below `minResponses`, marked `lowResponses`:
   * for the federal, sector and region bodies that II.12 entitles to each organisation's
   * figures. Everyone else (heads of organisations, anything published) gets them suppressed.
   */
  showLowResponses?: boolean;
  /** The previous quarter's figures (null if it had no row); omit to leave `previous` out. */
  previous?: PastFigure | null;
  /** The same quarter a year earlier, likewise. */
  yearAgo?: PastFigure | null;
}

/**
 * One row of the indicators report (docs/reports.md). Below `minResponses` the row is
 * marked `lowResponses`; unless `showLowResponses`, it is also suppressed: satisfaction,
 * its interval, the item means and the deltas are null, so no head of an organisation can
 * read a single citizen's answers. The counts and coverage stay, and the sums still add
 * into every higher level. Targets and growth are judged only on figures of at least
 * `minResponses` responses, on both sides, so a verdict never rests on a handful of
 * answers and is the same whoever reads it.
 */
export function indicatorRow(sums: IndicatorSums, options: IndicatorRowOptions): IndicatorRow {
  const min = options.minResponses;
  if (!Number.isInteger(min) || min < 0) {
    throw new RangeError('minResponses must be a whole number ≥ 0');
  }
  const show = options.showLowResponses ?? false;
  const lowResponses = sums.responses < min;
  const suppressed = lowResponses && !show;
  const cov = coverage(sums);
  const sat = suppressed ? null : satisfaction(sums);
  const judged = lowResponses ? null : sat;
  const visible = (past: PastFigure | null) =>
    past === null || past.satisfaction === null || (past.responses < min && !show) ? null : round2(past.satisfaction);
  const base = (past: PastFigure | null | undefined) =>
    past == null || past.satisfaction === null || past.responses < min ? null : past.satisfaction;
  const compare = (past: PastFigure | null | undefined): Comparison | null => {
    if (past === undefined) return null;
    const value = visible(past);
    return { satisfaction: value, delta: delta(sat, value) };
  };
  const growth: Growth = {
    quarterly: growthStatus(judged, base(options.previous), GROWTH_TARGET_PER_QUARTER),
    yearly: growthStatus(judged, base(options.yearAgo), GROWTH_TARGET_PER_YEAR),
  };
  return {
    notified: sums.notified,
    completed: sums.completed,
    coverage: cov,
    responses: sums.responses,
    satisfaction: sat,
    ci: suppressed ? null : confidenceInterval(sums),
    suppressed,
    lowResponses,
    items: suppressed ? null : itemMeans(sums),
    previous: compare(options.previous),
    yearAgo: compare(options.yearAgo),
    targets: { ...targets({ coverage: cov, satisfaction: judged }), growth: growthMet(growth.yearly) },
    growth,
  };
}

/**
 * How many of an organisation's `n` responses of a quarter still being counted its head
 * may see (DESIGN §6, anonymity): whole blocks of `minResponses`, one block behind, so
 * the figures move only by whole blocks and the final figures differ from any earlier
 * view by at least a block. Two reads never differ by a single answer. Below 2 (no
 * small-numbers rule) everything is released.
 */
export function releasedResponses(n: number, minResponses: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError('n must be a whole number ≥ 0');
  if (minResponses <= 1) return n;
  return minResponses * Math.max(0, Math.floor(n / minResponses) - 1);
}

export interface RankingRow {
  code: string;
  name: string;
  satisfaction: number | null;
  responses: number;
  suppressed: boolean;
  ci: ConfidenceInterval | null;
}

export type Ranked<T extends RankingRow> = T & { rank: number };

export interface Rankings<T extends RankingRow> {
  /** The top `limit`, highest satisfaction first. */
  best: Ranked<T>[];
  /** The bottom `limit`, lowest satisfaction first. */
  worst: Ranked<T>[];
  /** Suppressed or without satisfaction, by code. */
  unranked: T[];
  /** How many organisations were ranked. */
  ranked: number;
}

/**
 * Ranks organisations (within a region and type, as the caller filters them) by
 * satisfaction. Ties order by more responses first, then by code, in both lists. Ranks
 * are competition ranks counted from the top ("1224": equal satisfaction, equal rank), so
 * an organisation has the same rank in `best` and `worst`. With fewer than 2 × `limit`
 * ranked organisations the two lists overlap: each is complete on its own.
 */
export function rankOrganizations<T extends RankingRow>(rows: readonly T[], limit: number): Rankings<T> {
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError('limit must be a whole number ≥ 0');
  const eligible: T[] = [];
  const unranked: T[] = [];
  for (const r of rows) (!r.suppressed && r.satisfaction !== null ? eligible : unranked).push(r);
  unranked.sort((a, b) => compareCodes(a.code, b.code));
  const score = (r: T) => round2(r.satisfaction as number);
  const tieBreak = (a: T, b: T) => b.responses - a.responses || compareCodes(a.code, b.code);
  const descending = [...eligible].sort((a, b) => score(b) - score(a) || tieBreak(a, b));
  const ascending = [...eligible].sort((a, b) => score(a) - score(b) || tieBreak(a, b));
  const rankOf = new Map<T, number>();
  descending.forEach((r, i) => {
    const prev = descending[i - 1];
    rankOf.set(r, prev !== undefined && score(prev) === score(r) ? (rankOf.get(prev) as number) : i + 1);
  });
  const withRank = (r: T): Ranked<T> => ({ ...r, rank: rankOf.get(r) as number });
  return {
    best: descending.slice(0, limit).map(withRank),
    worst: ascending.slice(0, limit).map(withRank),
    unranked,
    ranked: eligible.length,
  };
}

/** Code order independent of the runtime's locale. */
function compareCodes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function eachItem<V>(f: (key: ItemKey) => V): Record<ItemKey, V> {
  return Object.fromEntries(ITEM_KEYS.map((k) => [k, f(k)])) as Record<ItemKey, V>;
}

/**
 * P(|T| ≤ t) for integer df, with θ = atan(t/√df) (Abramowitz & Stegun 26.7.3–4): a
 * finite series of positive terms, exact up to rounding.
 */
function twoSidedProbability(theta: number, df: number): number {
  const s = Math.sin(theta);
  const c2 = Math.cos(theta) ** 2;
  if (df % 2 === 0) {
    let term = 1;
    let sum = 1;
    for (let k = 2; k <= df - 2; k += 2) {
      term *= (c2 * (k - 1)) / k;
      sum += term;
    }
    return s * sum;
  }
  if (df === 1) return (2 / Math.PI) * theta;
  let term = Math.cos(theta);
  let sum = term;
  for (let k = 3; k <= df - 2; k += 2) {
    term *= (c2 * (k - 1)) / k;
    sum += term;
  }
  return (2 / Math.PI) * (theta + s * sum);
}

/** Abramowitz & Stegun 26.7.5: the t quantile from the normal quantile x, to 1/df⁴. */
function cornishFisher(df: number, x: number): number {
  const x2 = x * x;
  const g1 = (x * (x2 + 1)) / 4;
  const g2 = (x * ((5 * x2 + 16) * x2 + 3)) / 96;
  const g3 = (x * (((3 * x2 + 19) * x2 + 17) * x2 - 15)) / 384;
  const g4 = (x * ((((79 * x2 + 776) * x2 + 1482) * x2 - 1920) * x2 - 945)) / 92160;
  return x + g1 / df + g2 / df ** 2 + g3 / df ** 3 + g4 / df ** 4;
}

/** The standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9). */
function normalQuantile(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) =>
    (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  );
}
