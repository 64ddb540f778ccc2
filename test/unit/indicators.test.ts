/**
 * Indicator arithmetic: coverage, satisfaction, item means, confidence intervals, targets,
 * growth both ways, suppression by role, released blocks and rankings. Expected values are worked out by hand in the comments.
 */
import type { ItemKey } from '../../src/domain/questionnaire';
import {
  COVERAGE_TARGET,
  DEFAULT_MIN_RESPONSES,
  GROWTH_TARGET_PER_QUARTER,
  GROWTH_TARGET_PER_YEAR,
  SATISFACTION_TARGET,
  addResponse,
  addSums,
  confidenceInterval,
  coverage,
  delta,
  emptySums,
  growthStatus,
  indicatorRow,
  itemMeans,
  rankOrganizations,
  releasedResponses,
  round2,
  satisfaction,
  studentTCritical,
  targets,
  type IndicatorSums,
  type RankingRow,
} from '../../src/domain/indicators';

type Items = Record<ItemKey, { sum: number; count: number }>;
const NO_ITEMS: Items = {
  info: { sum: 0, count: 0 },
  process: { sum: 0, count: 0 },
  comfort: { sum: 0, count: 0 },
  accessibility: { sum: 0, count: 0 },
  courtesy: { sum: 0, count: 0 },
  competence: { sum: 0, count: 0 },
  overall: { sum: 0, count: 0 },
};

function sums(s: Partial<Omit<IndicatorSums, 'items'>> & { items?: Partial<Items> }): IndicatorSums {
  return {
    notified: s.notified ?? 0,
    completed: s.completed ?? 0,
    responses: s.responses ?? 0,
    scoreSum: s.scoreSum ?? 0,
    scoreSumSq: s.scoreSumSq ?? 0,
    items: { ...NO_ITEMS, ...s.items },
  };
}

/** Five responses scoring 4, 5, 5, 3, 4: Σ = 21, Σx² = 16 + 25 + 25 + 9 + 16 = 91. */
const FIVE = sums({
  notified: 12,
  completed: 5,
  responses: 5,
  scoreSum: 21,
  scoreSumSq: 91,
  items: {
    info: { sum: 21, count: 5 },
    process: { sum: 20, count: 5 },
    comfort: { sum: 23, count: 5 },
    courtesy: { sum: 22, count: 5 },
    competence: { sum: 24, count: 5 },
    overall: { sum: 21, count: 5 },
  },
});

describe('round2: half away from zero, robust to binary floating error', () => {
  test.each<[number, number]>([
    [4.445, 4.45],
    [1.005, 1.01], // stored as 1.00499999999999989…
    [2.675, 2.68], // stored as 2.67499999999999982…
    [1.255, 1.26],
    [0.285, 0.29],
    [10.005, 10.01],
    [0.125, 0.13],
    [-1.005, -1.01],
    [-4.445, -4.45],
    [-0.125, -0.13],
    [4.444999, 4.44],
    [4.4449, 4.44],
    [4.446, 4.45],
    [44.166666666666664, 44.17],
    [4.52 - 4.32, 0.2], // 0.1999999999999993
    [0.1 + 0.2, 0.3],
    [123456.785, 123456.79],
    [5, 5],
    [4.5, 4.5],
    [0, 0],
    [1e-7, 0],
    [0.005, 0.01],
    [0.0049, 0],
    [1e21, 1e21],
  ])('round2(%d) = %d', (x, expected) => {
    expect(round2(x)).toBe(expected);
  });

  test('never returns negative zero', () => {
    expect(Object.is(round2(-0.001), 0)).toBe(true);
    expect(Object.is(round2(-0), 0)).toBe(true);
  });

  test('refuses NaN and infinities', () => {
    expect(() => round2(Number.NaN)).toThrow(RangeError);
    expect(() => round2(Infinity)).toThrow(RangeError);
  });
});

describe('sums are additive', () => {
  test('emptySums has every item at zero', () => {
    expect(emptySums()).toEqual(sums({}));
  });

  test('addSums adds every field and item, leaving its arguments alone', () => {
    const a = sums({ notified: 3, completed: 2, responses: 2, scoreSum: 9, scoreSumSq: 41, items: { info: { sum: 9, count: 2 } } });
    const b = sums({ notified: 4, completed: 1, responses: 1, scoreSum: 3, scoreSumSq: 9, items: { info: { sum: 3, count: 1 }, accessibility: { sum: 2, count: 1 } } });
    const before = JSON.stringify([a, b]);
    expect(addSums(a, b)).toEqual(
      sums({ notified: 7, completed: 3, responses: 3, scoreSum: 12, scoreSumSq: 50, items: { info: { sum: 12, count: 3 }, accessibility: { sum: 2, count: 1 } } }),
    );
    expect(JSON.stringify([a, b])).toBe(before);
    expect(addSums(emptySums(), a)).toEqual(a);
  });

  test('a region is the sum of its organisations, not the mean of their means', () => {
    // Org A: 1 response scoring 5; org B: 3 responses scoring 3. Mean of means 4, true mean (5 + 9) / 4 = 3.5.
    const a = sums({ responses: 1, scoreSum: 5, scoreSumSq: 25 });
    const b = sums({ responses: 3, scoreSum: 9, scoreSumSq: 27 });
    expect(satisfaction(addSums(a, b))).toBe(3.5);
  });

  test('addResponse adds the score, its square and the answered items; N/A counts nowhere', () => {
    // Score = (4 + 4 + 4 + 5 + 5 + 5) / 6 = 4.5; its square 20.25.
    const once = addResponse(emptySums(), { info: 4, process: 4, comfort: 4, accessibility: null, courtesy: 5, competence: 5, overall: 5 });
    expect(once).toEqual(
      sums({
        responses: 1,
        scoreSum: 4.5,
        scoreSumSq: 20.25,
        items: {
          info: { sum: 4, count: 1 }, process: { sum: 4, count: 1 }, comfort: { sum: 4, count: 1 },
          courtesy: { sum: 5, count: 1 }, competence: { sum: 5, count: 1 }, overall: { sum: 5, count: 1 },
        },
      }),
    );
    const twice = addResponse(once, { info: 2, process: 2, comfort: 2, accessibility: 2, courtesy: 2, competence: 2, overall: 2 });
    expect(twice.responses).toBe(2);
    expect(twice.scoreSum).toBe(6.5);
    expect(twice.scoreSumSq).toBe(24.25);
    expect(twice.items.accessibility).toEqual({ sum: 2, count: 1 });
    expect(twice.items.info).toEqual({ sum: 6, count: 2 });
    expect(once.responses).toBe(1);
  });
});

describe('coverage = completed ÷ notified × 100', () => {
  test.each<[number, number, number | null]>([
    [0, 0, null],
    [0, 5, null],
    [1200, 530, 44.17], // 44.1666…
    [12, 5, 41.67], // 41.666…
    [3, 1, 33.33],
    [3, 2, 66.67],
    [8, 1, 12.5],
    [800, 1, 0.13], // 0.125 exactly, half away from zero
    [1600, 1, 0.06], // 0.0625
    [7, 1, 14.29], // 14.2857…
    [10, 4, 40],
    [100, 150, 150], // late answers to last quarter's rounds: not clamped
    [200000, 1, 0], // 0.0005
  ])('notified %i, completed %i → %p', (notified, completed, expected) => {
    expect(coverage(sums({ notified, completed }))).toBe(expected);
  });
});

describe('satisfaction and item means', () => {
  test.each<[number, number, number | null]>([
    [0, 0, null],
    [1, 1, 1],
    [2, 9, 4.5],
    [3, 14, 4.67], // 4.666…
    [6, 25, 4.17], // 4.1666…
    [3, 13.335, 4.45], // 4.445 computed in floating point
    [5, 21, 4.2],
    [530, 2443.3, 4.61], // 4.61000…
  ])('%i responses summing %d → %p', (responses, scoreSum, expected) => {
    expect(satisfaction(sums({ responses, scoreSum }))).toBe(expected);
  });

  test('each item has its own mean; an item nobody answered is null', () => {
    expect(itemMeans(FIVE)).toEqual({ info: 4.2, process: 4, comfort: 4.6, accessibility: null, courtesy: 4.4, competence: 4.8, overall: 4.2 });
  });

  test('item means round like everything else', () => {
    // 13/3 = 4.333…, 14/3 = 4.666…, 8.89/2 = 4.445
    const m = itemMeans(sums({ items: { info: { sum: 13, count: 3 }, process: { sum: 14, count: 3 }, comfort: { sum: 8.89, count: 2 } } }));
    expect([m.info, m.process, m.comfort, m.overall]).toEqual([4.33, 4.67, 4.45, null]);
  });
});

describe("studentTCritical: two-sided Student's t", () => {
  // Published two-sided 95 % critical values.
  test.each<[number, number]>([
    [1, 12.706],
    [2, 4.303],
    [3, 3.182],
    [4, 2.776],
    [5, 2.571],
    [10, 2.228],
    [20, 2.086],
    [29, 2.045],
    [30, 2.042],
    [31, 2.04],
    [60, 2.0],
    [100, 1.984],
    [101, 1.984],
    [120, 1.98],
    [1000, 1.962],
    [1_000_000, 1.96],
  ])('df %i at 95 %% → %d', (df, t) => {
    expect(studentTCritical(df, 0.95)).toBeCloseTo(t, 3);
  });

  test.each<[number, number, number]>([
    [1, 0.99, 63.657],
    [10, 0.99, 3.169],
    [30, 0.99, 2.75],
    [120, 0.99, 2.617],
    [5, 0.9, 2.015],
    [1, 0.9, 6.314],
    [100, 0.999, 3.39],
    [1, 0.5, 1], // the Cauchy quartile: tan(π/4)
  ])('df %i at %d → %d', (df, level, t) => {
    expect(studentTCritical(df, level)).toBeCloseTo(t, 3);
  });

  test('more precisely, where the tables give more digits', () => {
    expect(studentTCritical(1)).toBeCloseTo(12.7062047, 5);
    expect(studentTCritical(4)).toBeCloseTo(2.7764451, 6);
    expect(studentTCritical(10)).toBeCloseTo(2.2281389, 6);
    expect(studentTCritical(30)).toBeCloseTo(2.0422725, 6);
    expect(studentTCritical(1000)).toBeCloseTo(1.9623391, 6);
  });

  test('decreases with the degrees of freedom, across the switch from exact to asymptotic', () => {
    let prev = Infinity;
    for (let df = 1; df <= 300; df++) {
      const t = studentTCritical(df);
      expect(t).toBeLessThan(prev);
      prev = t;
    }
  });

  test('rejects impossible arguments', () => {
    expect(() => studentTCritical(0)).toThrow(RangeError);
    expect(() => studentTCritical(2.5)).toThrow(RangeError);
    expect(() => studentTCritical(5, 1)).toThrow(RangeError);
    expect(() => studentTCritical(5, 0)).toThrow(RangeError);
  });
});

describe('confidenceInterval of the mean score', () => {
  test('the worked example: 4, 5, 5, 3, 4', () => {
    // mean 4.2; s² = (91 − 21²/5) / 4 = 0.7, s = 0.83666; t(4) = 2.776;
    // half-width 2.776 × 0.83666 / √5 = 1.0387 → [3.1613, 5.2387] → [3.16, 5.00] after clipping.
    expect(confidenceInterval(FIVE)).toEqual([3.16, 5]);
  });

  test.each<[string, Partial<IndicatorSums>, number, [number, number] | null]>([
    ['no responses', { responses: 0 }, 0.95, null],
    ['one response', { responses: 1, scoreSum: 4, scoreSumSq: 16 }, 0.95, null],
    // 4 and 5: mean 4.5, s² = 0.5, se = 0.5, 12.706 × 0.5 = 6.35 → clipped both ways
    ['two responses, df 1', { responses: 2, scoreSum: 9, scoreSumSq: 41 }, 0.95, [1, 5]],
    ['two equal responses', { responses: 2, scoreSum: 8, scoreSumSq: 32 }, 0.95, [4, 4]],
    // 1, 1, 1, 1, 2: mean 1.2, s² = 0.8 / 4 = 0.2, se = 0.2, 2.776 × 0.2 = 0.5553 → [0.64, 1.76] → low clipped to 1
    ['clipped at 1', { responses: 5, scoreSum: 6, scoreSumSq: 8 }, 0.95, [1, 1.76]],
    // n 11, mean 4.5, s² 0.25 (Σx² = 11 × 4.5² + 2.5 = 225.25), se = 0.5/√11 = 0.150756;
    // 2.228139 × 0.150756 = 0.335905 → [4.1641, 4.8359]
    ['df 10', { responses: 11, scoreSum: 49.5, scoreSumSq: 225.25 }, 0.95, [4.16, 4.84]],
    // the same at 99 %: 3.169273 × 0.150756 = 0.477787 → [4.0222, 4.9778]
    ['df 10 at 99 %', { responses: 11, scoreSum: 49.5, scoreSumSq: 225.25 }, 0.99, [4.02, 4.98]],
    // n 31, mean 4, s² 1 (Σx² = 124²/31 + 30 = 526), se = 1/√31 = 0.179605; 2.042272 × 0.179605 = 0.366802
    ['df 30', { responses: 31, scoreSum: 124, scoreSumSq: 526 }, 0.95, [3.63, 4.37]],
    // n 101, mean 4.2, s 0.9 (Σx² = 424.2²/101 + 81 = 1862.64), se = 0.0895533; 1.983972 × se = 0.177671
    ['df 100', { responses: 101, scoreSum: 424.2, scoreSumSq: 1862.64 }, 0.95, [4.02, 4.38]],
    // n 1001, mean 3, s 1 (Σx² = 3003²/1001 + 1000 = 10009), se = 0.031607; 1.962339 × se = 0.062024
    ['df 1000', { responses: 1001, scoreSum: 3003, scoreSumSq: 10009 }, 0.95, [2.94, 3.06]],
  ])('%s', (_, s, level, expected) => {
    expect(confidenceInterval(sums(s), level)).toEqual(expected);
  });

  test('zero variance hidden by floating error is zero: [mean, mean]', () => {
    // three responses of 13/3 each: Σ = 13, Σx² = 3 × 169/9, cancelling to about ±1e-14
    const third = 13 / 3;
    expect(confidenceInterval(sums({ responses: 3, scoreSum: third * 3, scoreSumSq: third * third * 3 }))).toEqual([4.33, 4.33]);
    expect(confidenceInterval(sums({ responses: 3, scoreSum: 12, scoreSumSq: 48 - 1e-12 }))).toEqual([4, 4]);
    expect(confidenceInterval(sums({ responses: 3, scoreSum: 12, scoreSumSq: 48 + 1e-13 }))).toEqual([4, 4]);
  });

  test('many identical responses accumulated one by one still give [mean, mean]', () => {
    let s = emptySums();
    const answers = { info: 5, process: 4, comfort: 4, accessibility: null, courtesy: 5, competence: 5, overall: 4 }; // 27/6 = 4.5
    for (let i = 0; i < 1000; i++) s = addResponse(s, answers);
    expect(confidenceInterval(s)).toEqual([4.5, 4.5]);
  });
});

describe('targets: coverage 40 %, satisfaction 4.5, growth 0.2 a year', () => {
  test('the constants', () => {
    expect([COVERAGE_TARGET, SATISFACTION_TARGET, GROWTH_TARGET_PER_YEAR, GROWTH_TARGET_PER_QUARTER, DEFAULT_MIN_RESPONSES]).toEqual([40, 4.5, 0.2, 0.2, 5]);
  });

  test.each<[number | null, boolean | null]>([
    [40, true],
    [39.99, false],
    [120, true],
    [0, false],
    [null, null],
  ])('coverage %p → %p', (value, met) => {
    expect(targets({ coverage: value, satisfaction: null }).coverage).toBe(met);
  });

  test.each<[number | null, boolean | null]>([
    [4.5, true],
    [4.49, false],
    [5, true],
    [null, null],
  ])('satisfaction %p → %p', (value, met) => {
    expect(targets({ coverage: null, satisfaction: value }).satisfaction).toBe(met);
  });

  test.each<[number | null, number | null | undefined, boolean | null, string]>([
    [4.5, null, true, 'at target: nothing to grow'],
    [4.6, 4.9, true, 'at target even after a fall'],
    [4.52, 4.32, true, '0.20 despite 4.52 − 4.32 = 0.1999999999999993'],
    [1.2, 1.0, true, '0.19999999999999996 in floating point'],
    [3.3, 3.1, true, '0.19999999999999973 in floating point'],
    [4.49, 4.29, true, 'exactly 0.20'],
    [4.3, 4.0, true, '0.30'],
    [4.41, 4.22, false, '0.19 is short'],
    [4.0, 3.9, false, '0.10 is short'],
    [4.0, 4.3, false, 'a fall below target'],
    [4.2, null, null, 'below target with no year-ago value'],
    [4.2, undefined, null, 'below target, year ago not given'],
    [null, 4.0, null, 'no satisfaction (e.g. suppressed)'],
    [null, null, null, 'nothing at all'],
  ])('satisfaction %p, a year ago %p → growth %p (%s)', (sat, yearAgo, met) => {
    expect(targets({ coverage: null, satisfaction: sat, yearAgoSatisfaction: yearAgo }).growth).toBe(met);
  });
});

describe('delta', () => {
  test.each<[number | null, number | null, number | null]>([
    [4.61, 4.52, 0.09], // 0.08999999999999986
    [4.3, 4.61, -0.31],
    [4.52, 4.32, 0.2],
    [4.5, 4.5, 0],
    [null, 4, null],
    [4, null, null],
    [null, null, null],
  ])('%p − %p = %p', (current, previous, expected) => {
    expect(delta(current, previous)).toBe(expected);
  });

  test('is taken between the reported values, so the arithmetic on screen checks out', () => {
    // 4.614 shows as 4.61, 4.516 as 4.52: the delta is 0.09, not round2(0.098) = 0.10
    expect(delta(4.614, 4.516)).toBe(0.09);
  });
});

describe('growthStatus: met, not_met, not_applicable, no_base', () => {
  test.each<[number | null, number | null, string | null, string]>([
    [4.5, null, 'not_applicable', 'at target: nothing to grow, base or not'],
    [4.6, 4.9, 'not_applicable', 'at target even after a fall'],
    [3.3, 3.1, 'met', '0.20 despite 3.3 − 3.1 = 0.19999999999999973'],
    [4.49, 4.29, 'met', 'exactly 0.20'],
    [4.41, 4.22, 'not_met', '0.19 is short'],
    [4.0, 4.3, 'not_met', 'a fall below target'],
    [4.2, null, 'no_base', 'below target with nothing to compare with'],
    [4.494, 4.3, 'not_met', 'compared as reported: 4.49 − 4.30 = 0.19'],
    [null, 4.0, null, 'no satisfaction to judge'],
  ])('%p on a base of %p → %p (%s)', (current, base, status) => {
    expect(growthStatus(current, base)).toBe(status);
    expect(growthStatus(current, base, GROWTH_TARGET_PER_QUARTER)).toBe(status);
  });
});

describe('indicatorRow', () => {
  const past = (satisfaction: number | null, responses = 10) => ({ satisfaction, responses });

  test('a full row, shaped like the API', () => {
    // coverage 5/12 = 41.67 %; satisfaction 4.2; previous 4.1 → +0.10 (quarterly not met);
    // a year ago 3.95 → +0.25 ≥ 0.2 (yearly met)
    expect(indicatorRow(FIVE, { minResponses: 5, previous: past(4.1), yearAgo: past(3.95) })).toEqual({
      notified: 12,
      completed: 5,
      coverage: 41.67,
      responses: 5,
      satisfaction: 4.2,
      ci: [3.16, 5],
      suppressed: false,
      lowResponses: false,
      items: { info: 4.2, process: 4, comfort: 4.6, accessibility: null, courtesy: 4.4, competence: 4.8, overall: 4.2 },
      previous: { satisfaction: 4.1, delta: 0.1 },
      yearAgo: { satisfaction: 3.95, delta: 0.25 },
      targets: { coverage: true, satisfaction: false, growth: true },
      growth: { quarterly: 'not_met', yearly: 'met' },
    });
  });

  test('growth both ways: each judged on its own base', () => {
    const row = (previous: number | null, yearAgo: number | null) =>
      indicatorRow(FIVE, { minResponses: 5, previous: past(previous), yearAgo: past(yearAgo) });
    expect(row(4.0, 4.1).growth).toEqual({ quarterly: 'met', yearly: 'not_met' });
    expect(row(4.0, 4.1).targets.growth).toBe(false); // the deprecated boolean follows the yearly one
    expect(row(null, 3.9).growth).toEqual({ quarterly: 'no_base', yearly: 'met' });
    expect(row(4.1, null).growth).toEqual({ quarterly: 'not_met', yearly: 'no_base' });
    expect(row(4.1, null).targets.growth).toBeNull();
  });

  test('at or above 4.5 both are not applicable, and the old boolean says met', () => {
    // five responses of 5 and 4 on every item: score 4.5 each
    const high = sums({ notified: 5, completed: 5, responses: 5, scoreSum: 22.5, scoreSumSq: 101.25 });
    const row = indicatorRow(high, { minResponses: 5, previous: past(4.9), yearAgo: null });
    expect(row.growth).toEqual({ quarterly: 'not_applicable', yearly: 'not_applicable' });
    expect(row.targets).toEqual({ coverage: true, satisfaction: true, growth: true });
  });

  test('without comparisons: previous and yearAgo are null, growth has no base below target', () => {
    const row = indicatorRow(FIVE, { minResponses: DEFAULT_MIN_RESPONSES });
    expect(row.previous).toBeNull();
    expect(row.yearAgo).toBeNull();
    expect(row.targets).toEqual({ coverage: true, satisfaction: false, growth: null });
    expect(row.growth).toEqual({ quarterly: 'no_base', yearly: 'no_base' });
  });

  test('a comparison with no row then has a null satisfaction and delta', () => {
    const row = indicatorRow(FIVE, { minResponses: 5, previous: null, yearAgo: null });
    expect(row.previous).toEqual({ satisfaction: null, delta: null });
    expect(row.yearAgo).toEqual({ satisfaction: null, delta: null });
  });

  // four responses 5, 5, 4, 2: Σ = 16, Σx² = 70, mean 4
  const four = sums({ notified: 10, completed: 4, responses: 4, scoreSum: 16, scoreSumSq: 70, items: { overall: { sum: 16, count: 4 } } });

  test('below the minimum, for a head of organisation: figures and deltas hidden; counts and coverage kept', () => {
    expect(indicatorRow(four, { minResponses: 5, previous: past(4.1), yearAgo: past(3.5) })).toEqual({
      notified: 10,
      completed: 4,
      coverage: 40,
      responses: 4,
      satisfaction: null,
      ci: null,
      suppressed: true,
      lowResponses: true,
      items: null,
      previous: { satisfaction: 4.1, delta: null },
      yearAgo: { satisfaction: 3.5, delta: null },
      targets: { coverage: true, satisfaction: null, growth: null },
      growth: { quarterly: null, yearly: null },
    });
  });

  test('below the minimum, for the bodies entitled to each organisation: shown and marked, but not judged', () => {
    const row = indicatorRow(four, { minResponses: 5, showLowResponses: true, previous: past(4.1), yearAgo: past(3.5) });
    expect(row).toMatchObject({
      responses: 4,
      satisfaction: 4,
      suppressed: false,
      lowResponses: true,
      items: { overall: 4, info: null },
      previous: { satisfaction: 4.1, delta: -0.1 },
      yearAgo: { satisfaction: 3.5, delta: 0.5 },
      // a verdict never rests on fewer than the minimum, so it is the same whoever reads it
      targets: { coverage: true, satisfaction: null, growth: null },
      growth: { quarterly: null, yearly: null },
    });
    expect(row.ci).toEqual(confidenceInterval(four));
  });

  test('a base below the minimum is shown to the entitled bodies but is no base for growth', () => {
    const smallBase = { previous: past(3.5, 4), yearAgo: past(3.5, 4) };
    const forHead = indicatorRow(FIVE, { minResponses: 5, ...smallBase });
    const forRegion = indicatorRow(FIVE, { minResponses: 5, showLowResponses: true, ...smallBase });
    expect(forHead.previous).toEqual({ satisfaction: null, delta: null });
    expect(forRegion.previous).toEqual({ satisfaction: 3.5, delta: 0.7 });
    expect(forHead.growth).toEqual({ quarterly: 'no_base', yearly: 'no_base' });
    expect(forRegion.growth).toEqual(forHead.growth);
    expect(forRegion.targets).toEqual(forHead.targets);
  });

  test.each<[number, number, boolean]>([
    [0, 5, true],
    [4, 5, true],
    [5, 5, false],
    [6, 5, false],
    [1, 1, false],
    [0, 0, false],
    [9, 10, true],
  ])('%i responses with minimum %i → suppressed %p for a head, never for the entitled bodies', (responses, minResponses, suppressed) => {
    const s = sums({ responses, scoreSum: 4 * responses, scoreSumSq: 16 * responses });
    const row = indicatorRow(s, { minResponses });
    expect([row.suppressed, row.lowResponses]).toEqual([suppressed, responses < minResponses]);
    expect(row.satisfaction).toBe(suppressed || responses === 0 ? null : 4);
    const shown = indicatorRow(s, { minResponses, showLowResponses: true });
    expect([shown.suppressed, shown.lowResponses]).toEqual([false, responses < minResponses]);
    expect(shown.satisfaction).toBe(responses === 0 ? null : 4);
  });

  test('one response shown (minimum 1) has a satisfaction but no interval', () => {
    const row = indicatorRow(sums({ responses: 1, scoreSum: 3, scoreSumSq: 9 }), { minResponses: 1 });
    expect([row.satisfaction, row.ci, row.suppressed]).toEqual([3, null, false]);
  });

  test('rejects a minimum that is not a whole number', () => {
    expect(() => indicatorRow(FIVE, { minResponses: -1 })).toThrow(RangeError);
    expect(() => indicatorRow(FIVE, { minResponses: 2.5 })).toThrow(RangeError);
  });
});

describe('releasedResponses: whole blocks, one block behind', () => {
  test.each<[number, number, number]>([
    [0, 5, 0],
    [1, 5, 0],
    [9, 5, 0],
    [10, 5, 5],
    [14, 5, 5],
    [15, 5, 10],
    [103, 5, 95],
    [7, 1, 7],
    [7, 0, 7],
  ])('%i responses with minimum %i → %i released', (n, k, released) => {
    expect(releasedResponses(n, k)).toBe(released);
  });

  test('no two counts differ by fewer than a block, and every final count is a block ahead of any earlier view', () => {
    const k = 5;
    for (let a = 0; a <= 60; a++) {
      for (let b = a; b <= 60; b++) {
        const step = releasedResponses(b, k) - releasedResponses(a, k);
        expect(step === 0 || step >= k).toBe(true);
        // the final figures count all b; an earlier view released at most b − k of them (or none)
        const behind = b - releasedResponses(a, k);
        expect(releasedResponses(a, k) === 0 || behind >= k).toBe(true);
      }
    }
  });

  test('rejects a count that is not a whole number', () => {
    expect(() => releasedResponses(-1, 5)).toThrow(RangeError);
    expect(() => releasedResponses(1.5, 5)).toThrow(RangeError);
  });
});

describe('rankOrganizations', () => {
  const org = (code: string, satisfaction: number | null, responses: number, suppressed = false): RankingRow => ({
    code,
    name: `Организация ${code}`,
    satisfaction,
    responses,
    suppressed,
    ci: null,
  });
  const ROWS = [
    org('E1', 4.2, 7),
    org('A1', 4.8, 10),
    org('F1', null, 0),
    org('D1', 4.5, 10),
    org('H1', 3.1, 5),
    org('B1', 4.8, 20),
    org('G1', 4.9, 3, true),
    org('C1', 4.5, 10),
  ];
  const summary = (rows: { code: string; rank: number }[]) => rows.map((r) => `${r.rank}:${r.code}`);

  test('best: by satisfaction, ties by more responses then code; competition ranks', () => {
    // 4.8: B1 (20 responses) before A1 (10), both rank 1; 4.5: C1 before D1 by code, both rank 3
    const r = rankOrganizations(ROWS, 10);
    expect(summary(r.best)).toEqual(['1:B1', '1:A1', '3:C1', '3:D1', '5:E1', '6:H1']);
    expect(r.ranked).toBe(6);
  });

  test('worst: lowest first with the same tie rules; ranks stay counted from the top', () => {
    const r = rankOrganizations(ROWS, 3);
    expect(summary(r.best)).toEqual(['1:B1', '1:A1', '3:C1']);
    expect(summary(r.worst)).toEqual(['6:H1', '5:E1', '3:C1']);
  });

  test('suppressed rows and rows without satisfaction are unranked, by code', () => {
    const r = rankOrganizations(ROWS, 10);
    expect(r.unranked.map((u) => u.code)).toEqual(['F1', 'G1']);
    expect([...r.best, ...r.worst].map((x) => x.code)).not.toContain('G1');
  });

  test('with few organisations best and worst overlap', () => {
    const r = rankOrganizations([org('X', 4.1, 9), org('Y', 3.7, 9)], 10);
    expect(summary(r.best)).toEqual(['1:X', '2:Y']);
    expect(summary(r.worst)).toEqual(['2:Y', '1:X']);
  });

  test('ranks compare the reported two-decimal values', () => {
    const r = rankOrganizations([org('P', 4.3 + 1e-12, 5), org('Q', 4.3, 9)], 5);
    expect(summary(r.best)).toEqual(['1:Q', '1:P']);
  });

  test('does not depend on the input order and does not mutate it', () => {
    const reversed = [...ROWS].reverse();
    const before = JSON.stringify(reversed);
    expect(rankOrganizations(reversed, 4)).toEqual(rankOrganizations(ROWS, 4));
    expect(JSON.stringify(reversed)).toBe(before);
  });

  test('keeps extra fields and adds the rank', () => {
    const r = rankOrganizations([{ ...org('Z', 4, 5), region: '42' }], 1);
    expect(r.best[0]).toEqual({ ...org('Z', 4, 5), region: '42', rank: 1 });
  });

  test('limit 0 and nothing to rank', () => {
    expect(rankOrganizations(ROWS, 0)).toMatchObject({ best: [], worst: [], ranked: 6 });
    expect(rankOrganizations([], 10)).toEqual({ best: [], worst: [], unranked: [], ranked: 0 });
    expect(() => rankOrganizations(ROWS, -1)).toThrow(RangeError);
  });
});
