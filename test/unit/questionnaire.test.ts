import { QUESTIONNAIRE_V1, ZSubmissionV1, responseScore, submissionFromForm } from '../../src/domain/questionnaire';

const ALL_FIVES = { info: 5, process: 5, comfort: 5, accessibility: 5, courtesy: 5, competence: 5, overall: 5 };

describe('questionnaire v1', () => {
  test('has the seven items of the Regulation, N/A only for the barrier-free environment', () => {
    expect(QUESTIONNAIRE_V1.version).toBe(1);
    expect(QUESTIONNAIRE_V1.items.map((i) => i.key)).toEqual(['info', 'process', 'comfort', 'accessibility', 'courtesy', 'competence', 'overall']);
    expect(QUESTIONNAIRE_V1.items.filter((i) => i.allowsNotApplicable).map((i) => i.key)).toEqual(['accessibility']);
    for (const item of QUESTIONNAIRE_V1.items) expect(item.text).toMatch(/[а-яё]/i);
    expect(QUESTIONNAIRE_V1.scale).toHaveLength(5);
  });
});

describe('responseScore: the mean of the answered items', () => {
  test.each([
    [ALL_FIVES, 5],
    [{ ...ALL_FIVES, accessibility: null }, 5],
    [{ info: 1, process: 2, comfort: 3, accessibility: 4, courtesy: 5, competence: 1, overall: 2 }, 18 / 7],
    [{ info: 4, process: 4, comfort: 4, accessibility: null, courtesy: 5, competence: 5, overall: 5 }, 27 / 6],
    [{ info: 1, process: 1, comfort: 1, accessibility: null, courtesy: 1, competence: 1, overall: 2 }, 7 / 6],
  ])('%j → %d', (answers, expected) => {
    expect(responseScore(answers)).toBeCloseTo(expected, 12);
  });

  test('N/A is left out, not counted as zero', () => {
    expect(responseScore({ info: 4, accessibility: null })).toBe(4);
  });

  test('a response with nothing answered has no score', () => {
    expect(() => responseScore({ accessibility: null })).toThrow();
  });
});

describe('ZSubmissionV1', () => {
  test('accepts every item 1–5, N/A for accessibility, an optional trimmed comment', () => {
    const parsed = ZSubmissionV1.parse({ answers: { ...ALL_FIVES, accessibility: null }, comment: '  ок  ' });
    expect(parsed).toEqual({ answers: { ...ALL_FIVES, accessibility: null }, comment: 'ок' });
    expect(ZSubmissionV1.parse({ answers: ALL_FIVES }).comment).toBeNull();
    expect(ZSubmissionV1.parse({ answers: ALL_FIVES, comment: '   ' }).comment).toBeNull();
  });

  test.each([
    [{ ...ALL_FIVES, info: 0 }, 'answers.info'],
    [{ ...ALL_FIVES, info: 6 }, 'answers.info'],
    [{ ...ALL_FIVES, info: 2.5 }, 'answers.info'],
    [{ ...ALL_FIVES, overall: null }, 'answers.overall'],
    [{ ...ALL_FIVES, extra: 1 }, 'answers'],
  ])('rejects %j at %s', (answers, path) => {
    const result = ZSubmissionV1.safeParse({ answers });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join('.'))).toContain(path);
  });

  test('a comment of 2000 characters passes, 2001 do not', () => {
    expect(ZSubmissionV1.safeParse({ answers: ALL_FIVES, comment: 'a'.repeat(2000) }).success).toBe(true);
    expect(ZSubmissionV1.safeParse({ answers: ALL_FIVES, comment: 'a'.repeat(2001) }).success).toBe(false);
  });
});

describe('submissionFromForm', () => {
  const form = { info: '5', process: '4', comfort: '3', accessibility: 'na', courtesy: '2', competence: '1', overall: '5', comment: 'текст' };

  test('reads radio values and "na"', () => {
    const result = submissionFromForm(QUESTIONNAIRE_V1, form);
    expect(result).toEqual({
      ok: true,
      value: { answers: { info: 5, process: 4, comfort: 3, accessibility: null, courtesy: 2, competence: 1, overall: 5 }, comment: 'текст' },
    });
  });

  test('reports missing, invalid and misplaced N/A answers in Russian, keeping what was sent', () => {
    const result = submissionFromForm(QUESTIONNAIRE_V1, { ...form, info: undefined, process: '9', competence: 'na' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.path).sort()).toEqual(['answers.competence', 'answers.info', 'answers.process']);
    expect(result.errors.every((e) => /[а-яё]/i.test(e.message))).toBe(true);
    expect(result.values).toMatchObject({ process: '9', competence: 'na', comment: 'текст' });
  });

  test('a comment over the limit is an error on the comment', () => {
    const result = submissionFromForm(QUESTIONNAIRE_V1, { ...form, comment: 'я'.repeat(2001) });
    expect(result.ok ? [] : result.errors.map((e) => e.path)).toEqual(['comment']);
  });
});
