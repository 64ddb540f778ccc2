/**
 * The questionnaire (Regulation II.8, DESIGN §5), versioned: every response records the
 * version it answered. Items are rated 1–5; "не применимо" (null) only where allowed. A
 * response's score is the mean of its answered items.
 */
import { z } from 'zod';
import { fieldErrors, type FieldError } from './field-errors';
import { ZText, isUnstorableTextIssue, withoutUnstorable } from './text';

export const ITEM_KEYS = ['info', 'process', 'comfort', 'accessibility', 'courtesy', 'competence', 'overall'] as const;
export type ItemKey = (typeof ITEM_KEYS)[number];
export type Answers = Record<ItemKey, number | null>;

export interface QuestionnaireItem {
  key: ItemKey;
  text: string;
  allowsNotApplicable: boolean;
}

export interface Questionnaire {
  version: number;
  items: QuestionnaireItem[];
  /** What 1..5 mean, lowest first. */
  scale: string[];
  commentMaxLength: number;
}

export const QUESTIONNAIRE_V1: Questionnaire = {
  version: 1,
  items: [
    { key: 'info', text: 'Насколько доступной была информация о том, как получить услугу?', allowsNotApplicable: false },
    { key: 'process', text: 'Как была организована услуга: ожидание, запись, порядок обслуживания?', allowsNotApplicable: false },
    { key: 'comfort', text: 'Насколько комфортными и чистыми были помещения?', allowsNotApplicable: false },
    {
      key: 'accessibility',
      text: 'Насколько удобна среда для людей с инвалидностью: пандусы, поручни, навигация, помощь персонала?',
      allowsNotApplicable: true,
    },
    { key: 'courtesy', text: 'Насколько доброжелательными и вежливыми были сотрудники?', allowsNotApplicable: false },
    { key: 'competence', text: 'Насколько компетентными были сотрудники?', allowsNotApplicable: false },
    { key: 'overall', text: 'Насколько вы в целом удовлетворены полученной услугой?', allowsNotApplicable: false },
  ],
  scale: ['очень плохо', 'плохо', 'удовлетворительно', 'хорошо', 'отлично'],
  commentMaxLength: 2000,
};

export const CURRENT_QUESTIONNAIRE = QUESTIONNAIRE_V1;

function rating(missing: string) {
  return z
    .number({ message: missing })
    .int('must be a whole number from 1 to 5')
    .min(1, 'must be from 1 to 5')
    .max(5, 'must be from 1 to 5');
}

/** The schema of a submission to `q`: every item present, N/A (null) only where allowed. */
export function submissionSchema(q: Questionnaire) {
  const answers = Object.fromEntries(
    q.items.map((item) => [
      item.key,
      item.allowsNotApplicable
        ? rating('an answer from 1 to 5, or null for "not applicable", is required').nullable()
        : rating('an answer from 1 to 5 is required'),
    ]),
  ) as unknown as Record<ItemKey, z.ZodType<number | null>>;
  return z.strictObject({
    answers: z.strictObject(answers),
    comment: ZText
      .trim()
      .max(q.commentMaxLength, `must be at most ${q.commentMaxLength} characters`)
      .nullish()
      .transform((c) => (c ? c : null)),
  });
}

export const ZSubmissionV1 = submissionSchema(QUESTIONNAIRE_V1);
export type TSubmission = z.infer<typeof ZSubmissionV1>;

/** The mean of the answered items (N/A left out), unrounded. */
export function responseScore(answers: Partial<Record<ItemKey, number | null>>): number {
  const values = Object.values(answers).filter((v): v is number => typeof v === 'number');
  if (values.length === 0) throw new Error('a response needs at least one answered item');
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/**
 * Parses an HTML form post (`info=5&…&accessibility=na&comment=…`) into a submission and
 * field errors keyed like the JSON API's (`answers.info`).
 */
export function submissionFromForm(
  q: Questionnaire,
  form: Record<string, string | string[] | undefined>,
): { ok: true; value: TSubmission } | { ok: false; errors: FieldError[]; values: Record<string, string> } {
  const values: Record<string, string> = {};
  const answers: Record<string, number | null | undefined> = {};
  for (const item of q.items) {
    const raw = first(form[item.key]);
    if (raw !== undefined) values[item.key] = raw;
    answers[item.key] = raw === undefined || raw === '' ? undefined : raw === 'na' ? null : /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  }
  const comment = first(form.comment) ?? '';
  // Shown again in the form: without the characters that could not be stored.
  values.comment = withoutUnstorable(comment);
  const parsed = submissionSchema(q).safeParse({ answers, comment });
  if (parsed.success) return { ok: true, value: parsed.data };
  // The codes of the JSON API, the messages for the page.
  const errors = parsed.error.issues.flatMap((issue) =>
    fieldErrors([issue], { answers, comment }).map((e) => ({ ...e, message: formMessage(q, issue.path.map(String), isUnstorableTextIssue(issue)) })),
  );
  return { ok: false, errors, values };
}

function formMessage(q: Questionnaire, path: string[], unstorable: boolean): string {
  if (path[0] === 'comment' && unstorable) return 'В комментарии были недопустимые символы, мы их убрали. Проверьте текст и отправьте ответы ещё раз.';
  if (path[0] === 'comment') return `Комментарий должен быть не длиннее ${q.commentMaxLength} символов.`;
  const item = q.items.find((i) => i.key === path[1]);
  return item?.allowsNotApplicable ? 'Выберите оценку от 1 до 5 или «не применимо».' : 'Выберите оценку от 1 до 5.';
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
