/**
 * The citizen's pages, in Russian: the questionnaire behind a personalised link, the
 * thank-you page, why a link cannot be answered now, and unsubscribing. Plain HTML forms
 * that work without JavaScript; accessibility structure (WCAG 2.1 AA) is checked in
 * test/unit/web-pages.test.ts.
 */
import { moscowDate } from '../domain/dates';
import type { FieldError } from '../domain/field-errors';
import type { Questionnaire, QuestionnaireItem } from '../domain/questionnaire';
import { formatRussianDate, linkValidUntil } from '../mail/templates';
import { html, page, type SafeHtml } from './html';

export interface QuestionnairePageInput {
  actionUrl: string;
  organization: { name: string; typeName: string };
  /** `date`: YYYY-MM-DD, the day of a one-time service or the start of a long one. */
  service: { kind: 'one_time' | 'long'; date: string };
  questionnaire: Questionnaire;
  round: number;
  closesAt: Date | null;
  unsubscribeUrl: string;
  /** The previous post (`info` → "4", `comment` → text), kept after a failed submit. */
  values?: Record<string, string>;
  errors?: Pick<FieldError, 'path' | 'message'>[];
}

const COMMENT_ID = 'comment';

const fieldsetId = (key: string) => `q-${key}`;
const errorId = (target: string) => `${target}-error`;

/** The element an error belongs to: `answers.info` → `q-info`, `comment` → `comment`. */
function errorTarget(path: string): string | null {
  const m = /^answers\.(\w+)$/.exec(path);
  if (m) return fieldsetId(m[1]);
  return path === 'comment' ? COMMENT_ID : null;
}

interface ErrorsByField {
  /** The first message per element id. */
  byTarget: Map<string, string>;
  /** Messages the page has no field for: shown in the summary only. */
  other: string[];
}

function groupErrors(errors: Pick<FieldError, 'path' | 'message'>[]): ErrorsByField {
  const grouped: ErrorsByField = { byTarget: new Map(), other: [] };
  for (const e of errors) {
    const target = errorTarget(e.path);
    if (target === null) grouped.other.push(e.message);
    else if (!grouped.byTarget.has(target)) grouped.byTarget.set(target, e.message);
  }
  return grouped;
}

function serviceText(service: QuestionnairePageInput['service']): string {
  const date = formatRussianDate(service.date);
  return service.kind === 'long' ? `получение услуги с ${date}` : date;
}

export function questionnairePage(input: QuestionnairePageInput): string {
  const { questionnaire: q, values = {}, errors = [] } = input;
  const grouped = groupErrors(errors);
  const { byTarget } = grouped;
  const title = 'Оцените качество услуги';
  const body = html`
${errors.length > 0 && errorSummary(q, grouped)}
<h1>${title}</h1>
<div class="card">
<dl class="facts">
<dt>Организация</dt>
<dd>${input.organization.name} <span class="org-type">${input.organization.typeName}</span></dd>
<dt>Услуга</dt>
<dd>${serviceText(input.service)}</dd>
<dt>Анкета доступна</dt>
<dd>${linkValidUntil(input.closesAt)}</dd>
</dl>
</div>
<p>Ответьте, пожалуйста, на ${q.items.length} вопросов о том, как организация оказала вам услугу. Это займёт около 2 минут.</p>
${input.service.kind === 'long' && input.round > 1 && html`<p>Вы получаете услугу длительное время, поэтому раз в полгода мы просим оценить её снова.</p>`}
<p>Участие добровольное. Организация не узнает, кто именно ответил: она видит только обобщённые результаты.</p>
<p>Оцените каждый пункт от 1 («${q.scale[0]}») до ${q.scale.length} («${q.scale[q.scale.length - 1]}»). Комментарий — по желанию.</p>
<form method="post" action="${input.actionUrl}">
${q.items.map((item, i) => question(q, item, i, values[item.key], byTarget.get(fieldsetId(item.key))))}
${commentField(q, values.comment ?? '', byTarget.get(COMMENT_ID))}
<div class="actions"><button type="submit" class="button">Отправить ответы</button></div>
</form>`;
  const footer = html`<p>Не хотите больше получать письма об оценке этой услуги? <a href="${input.unsubscribeUrl}">Отписаться от писем</a></p>`;
  return page({ title: errors.length > 0 ? `Ошибка: ${title}` : title, body, footer });
}

function errorSummary(q: Questionnaire, { byTarget, other }: ErrorsByField): SafeHtml {
  const links = [
    ...q.items.map((item, i) => [fieldsetId(item.key), `Вопрос ${i + 1}`] as const),
    [COMMENT_ID, 'Комментарий'] as const,
  ].filter(([target]) => byTarget.has(target));
  return html`<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1">
<h2 id="error-summary-title">Исправьте ошибки</h2>
<ul>
${links.map(([target, label]) => html`<li><a href="#${target}">${label}: ${byTarget.get(target)}</a></li>\n`)}
${other.map((message) => html`<li>${message}</li>\n`)}
</ul>
</div>`;
}

function question(q: Questionnaire, item: QuestionnaireItem, index: number, value: string | undefined, error: string | undefined): SafeHtml {
  const id = fieldsetId(item.key);
  const invalid = error === undefined ? '' : html` aria-invalid="true" aria-describedby="${errorId(id)}"`;
  const option = (v: string, label: SafeHtml, extraClass = '') => html`<div class="option${extraClass}">
<input type="radio" id="${id}-${v}" name="${item.key}" value="${v}"${value === v && html` checked`}${invalid}>
<label for="${id}-${v}">${label}</label>
</div>`;
  return html`<fieldset class="card question${error !== undefined && ' has-error'}" id="${id}"${error !== undefined && html` tabindex="-1"`}>
<legend><span class="q-num">Вопрос ${index + 1} из ${q.items.length}</span> ${item.text}</legend>
${error !== undefined && html`<p class="field-error" id="${errorId(id)}"><span class="visually-hidden">Ошибка: </span>${error}</p>`}
<div class="options">
${q.scale.map((word, s) => option(String(s + 1), html`<span class="score">${s + 1}</span> ${word}`))}
${item.allowsNotApplicable && option('na', html`не применимо`, ' option-na')}
</div>
</fieldset>`;
}

function commentField(q: Questionnaire, value: string, error: string | undefined): SafeHtml {
  const describedBy = ['comment-hint', 'comment-counter', error !== undefined ? errorId(COMMENT_ID) : ''].filter(Boolean).join(' ');
  return html`<div class="card${error !== undefined && ' has-error'}">
<label class="field-label" for="${COMMENT_ID}">Комментарий (необязательно)</label>
<p class="hint" id="comment-hint">Что понравилось и что стоит улучшить. Комментарий прочитает руководство организации, поэтому не указывайте имя, телефон и другие сведения, по которым вас можно узнать.</p>
${error !== undefined && html`<p class="field-error" id="${errorId(COMMENT_ID)}"><span class="visually-hidden">Ошибка: </span>${error}</p>`}
<textarea id="${COMMENT_ID}" name="comment" rows="6" maxlength="${q.commentMaxLength}" data-counter="comment-counter" aria-describedby="${describedBy}"${error !== undefined && html` aria-invalid="true"`}>${value}</textarea>
<p class="counter" id="comment-counter">Не более ${q.commentMaxLength} символов.</p>
<p class="visually-hidden" id="comment-counter-live" aria-live="polite"></p>
</div>`;
}

export function thankYouPage({ organizationName, longService }: { organizationName: string; longService: boolean }): string {
  const body = html`
<h1>Спасибо! Ваши ответы приняты</h1>
<p>Вы оценили услугу организации ${organizationName}. Ответы учитываются в показателях качества её работы, которые подводятся раз в квартал.</p>
${longService
    ? html`<p>Вы продолжаете получать услугу, поэтому через полгода мы пришлём новое приглашение: так мы узнаем, изменилось ли качество.</p>`
    : html`<p>Ответить повторно по этой ссылке нельзя: анкета закрыта.</p>`}
<p>Эту страницу можно закрыть.</p>`;
  return page({ title: 'Спасибо! Ваши ответы приняты', body });
}

export type LinkStatusKind = 'not_yet_active' | 'answered' | 'closed' | 'withdrawn' | 'unknown';

const russianDay = (instant: Date) => formatRussianDate(moscowDate(instant));

export function linkStatusPage(
  kind: LinkStatusKind,
  { organizationName, nextRoundOpensAt }: { organizationName?: string; nextRoundOpensAt?: Date | null } = {},
): string {
  const org = organizationName ? html`<p>Организация: ${organizationName}</p>` : '';
  const texts: Record<LinkStatusKind, { title: string; body: SafeHtml }> = {
    not_yet_active: {
      title: 'Анкета ещё не открыта',
      body: html`${org}<p>Анкета открывается в течение нескольких дней после получения услуги. Когда на вопросы можно будет ответить, мы пришлём письмо.</p>`,
    },
    answered: {
      title: 'Вы уже ответили на вопросы анкеты',
      body: html`${org}<p>Спасибо! Ваши ответы уже приняты, повторно ответить по этой ссылке нельзя.</p>
${nextRoundOpensAt && html`<p>Следующий раз оценить услугу можно будет с ${russianDay(nextRoundOpensAt)}: мы пришлём новое приглашение.</p>`}`,
    },
    closed: {
      title: 'Срок ответа истёк',
      body: html`${org}<p>Анкета по этой ссылке закрыта: ссылка действует месяц после получения услуги, а для длительной услуги — до её окончания. Ответить по ней больше нельзя.</p>
<p>Если вы снова получите услугу, мы пришлём новое приглашение.</p>`,
    },
    withdrawn: {
      title: 'Приглашение отозвано',
      body: html`${org}<p>Организация сообщила, что сведения об этой услуге были направлены по ошибке, поэтому анкета недоступна. Ничего делать не нужно.</p>
<p>Если вы действительно получали эту услугу и хотите её оценить, обратитесь в организацию.</p>`,
    },
    unknown: {
      title: 'Ссылка не найдена',
      body: html`<p>Такой анкеты нет. Проверьте, что адрес скопирован из письма полностью, без пробелов и переносов строки.</p>
<p>Если вы открыли ссылку из письма, а анкета не нашлась, напишите в организацию, которая оказала вам услугу.</p>`,
    },
  };
  const { title, body } = texts[kind];
  return page({ title, body: html`<h1>${title}</h1>\n${body}` });
}

export type UnsubscribeState = 'confirm' | 'done' | 'unknown';

export function unsubscribePage(state: UnsubscribeState, { actionUrl, organizationName }: { actionUrl?: string; organizationName?: string } = {}): string {
  const about = organizationName ? html` об оценке услуги организации ${organizationName}` : html` об оценке этой услуги`;
  if (state === 'confirm') {
    return page({
      title: 'Отписаться от писем',
      body: html`<h1>Отписаться от писем</h1>
<p>Мы перестанем присылать вам приглашения и напоминания${about}.</p>
<p>Ссылка на анкету продолжит работать, пока она открыта: ответить можно и после отписки.</p>
<form method="post"${actionUrl && html` action="${actionUrl}"`}>
<div class="actions"><button type="submit" class="button">Отписаться от писем</button></div>
</form>
<p>Если вы передумали, просто закройте эту страницу.</p>`,
    });
  }
  if (state === 'done') {
    return page({
      title: 'Вы отписались от писем',
      body: html`<h1>Вы отписались от писем</h1>
<p>Вы отписались от писем${about}: приглашений и напоминаний больше не будет.</p>
<p>Ссылка на анкету продолжает работать, пока она открыта.</p>`,
    });
  }
  return page({
    title: 'Ссылка не найдена',
    body: html`<h1>Ссылка не найдена</h1>
<p>Такой ссылки для отписки нет. Проверьте, что адрес скопирован из письма полностью, без пробелов и переносов строки.</p>`,
  });
}

export type ErrorPageKind = 'unavailable' | 'too_many_requests' | 'bad_request' | 'failed';

/** What a citizen sees when a page cannot be served: always Russian, never a JSON error. */
export function errorPage(kind: ErrorPageKind): string {
  const texts: Record<ErrorPageKind, { title: string; body: SafeHtml }> = {
    unavailable: {
      title: 'Сервис временно недоступен, попробуйте позже',
      body: html`<p>Сейчас мы не можем открыть анкету или принять ответы. Ваша ссылка не пропала: откройте её ещё раз через несколько минут.</p>`,
    },
    too_many_requests: {
      title: 'Слишком много запросов',
      body: html`<p>С вашего адреса пришло слишком много запросов подряд. Подождите минуту и откройте ссылку ещё раз.</p>`,
    },
    bad_request: {
      title: 'Не удалось обработать запрос',
      body: html`<p>Запрос пришёл в виде, который мы не можем обработать. Откройте ссылку из письма ещё раз и заполните анкету на странице.</p>`,
    },
    failed: {
      title: 'Что-то пошло не так',
      body: html`<p>Мы не смогли выполнить запрос из-за ошибки на нашей стороне. Попробуйте ещё раз через несколько минут.</p>`,
    },
  };
  const { title, body } = texts[kind];
  return page({ title, body: html`<h1>${title}</h1>\n${body}` });
}
