/**
 * The invitation e-mail: plain text and a simple, accessible HTML version with the same
 * words. Every interpolated value is escaped in the HTML (organisation names carry quotes
 * and angle brackets). No external assets: many mail clients block them anyway.
 */
import { moscowDate } from '../domain/dates';

export interface InvitationEmailInput {
  organizationName: string;
  /** YYYY-MM-DD: the date of a one-time service, or the start of a long one. */
  serviceDate: string;
  link: string;
  unsubscribeLink: string;
  /** The instant the link closes, or null while the service lasts. */
  closesAt: Date | null;
  round: number;
  reminder: boolean;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
  /** List-Unsubscribe with one-click unsubscribing (RFC 2369, RFC 8058) at the `/u/…` link. */
  headers: Record<string, string>;
}

const MONTHS_GENITIVE = [
  'января', 'февраля', 'марта', 'апреля', 'мая', 'июня',
  'июля', 'августа', 'сентября', 'октября', 'ноября', 'декабря',
];

/** '2026-12-23' → '23 декабря 2026 г.' */
export function formatRussianDate(date: string): string {
  const [year, month, day] = date.split('-').map(Number);
  return `${day} ${MONTHS_GENITIVE[month - 1]} ${year} г.`;
}

/**
 * The last Moscow day on which the link still works. A link closing at the very end of a
 * day (00:00 of the next one) is shown with that day, not the next.
 */
export function linkValidUntil(closesAt: Date | null): string {
  if (closesAt === null) return 'до окончания получения услуги';
  return `до ${formatRussianDate(moscowDate(closesAt.getTime() - 1))}`;
}

/** Ends a sentence with one full stop, even after an abbreviation such as «г.». */
function sentence(text: string): string {
  return text.endsWith('.') ? text : `${text}.`;
}

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

interface Wording {
  subject: string;
  greeting: string;
  /** The paragraphs before the link, as plain text (escaped later for HTML). */
  intro: string[];
  action: string;
  validity: string;
  voluntary: string;
  unsubscribe: string;
}

function wording(input: InvitationEmailInput): Wording {
  const organization = input.organizationName.replace(/\s+/g, ' ').trim();
  const date = formatRussianDate(input.serviceDate);
  const reminder = input.reminder || input.round > 1;
  return {
    subject: reminder ? 'Напоминание: оцените качество получаемой услуги' : 'Оцените качество полученной услуги',
    greeting: 'Здравствуйте!',
    intro: reminder
      ? [
          sentence(`С ${date} вы получаете услугу в организации ${organization}`),
          'Это полугодовое напоминание: раз в полгода мы просим оценить, как организация ' +
            'оказывает услугу. Опрос займёт несколько минут.',
        ]
      : [
          sentence(`${date} вы получили услугу в организации ${organization}`),
          'Просим вас оценить качество её оказания. Опрос займёт несколько минут.',
        ],
    action: 'Оценить качество услуги',
    validity: sentence(`Ссылка действует ${linkValidUntil(input.closesAt)}`),
    voluntary:
      'Участие в опросе добровольное. Ваши ответы помогут улучшить работу организаций ' +
      'социальной сферы: опрос проводится в рамках эксперимента по оценке качества их работы.',
    unsubscribe: 'Если вы не хотите получать такие письма, отпишитесь по ссылке:',
  };
}

function renderText(w: Wording, input: InvitationEmailInput): string {
  return [
    w.greeting,
    ...w.intro,
    `${w.action}: ${input.link}\n${w.validity}`,
    w.voluntary,
    `${w.unsubscribe} ${input.unsubscribeLink}`,
  ].join('\n\n') + '\n';
}

const P = 'margin:0 0 16px;';
const BUTTON =
  'display:inline-block;padding:12px 24px;background:#0d4cd3;color:#ffffff;' +
  'text-decoration:none;border-radius:8px;font-weight:bold;';

function renderHtml(w: Wording, input: InvitationEmailInput): string {
  const e = escapeHtml;
  const link = e(input.link);
  const unsubscribe = e(input.unsubscribeLink);
  return `<!DOCTYPE html>
<html lang="ru">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(w.subject)}</title>
</head>
<body style="margin:0;padding:0;background:#f5f7fa;">
<div style="max-width:600px;margin:0 auto;padding:24px;background:#ffffff;color:#1f2937;font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;">
<p style="${P}">${e(w.greeting)}</p>
${w.intro.map((paragraph) => `<p style="${P}">${e(paragraph)}</p>`).join('\n')}
<p style="${P}"><a href="${link}" style="${BUTTON}">${e(w.action)}</a></p>
<p style="${P}">${e(w.validity)}</p>
<p style="${P}font-size:14px;">Если кнопка не открывается, скопируйте адрес в браузер: <span style="word-break:break-all;">${link}</span></p>
<p style="${P}">${e(w.voluntary)}</p>
<p style="margin:0;font-size:13px;color:#4b5563;">${e(w.unsubscribe)} <a href="${unsubscribe}" style="color:#0d4cd3;">отказаться от писем об оценке качества услуг</a></p>
</div>
</body>
</html>
`;
}

export function renderInvitationEmail(input: InvitationEmailInput): RenderedEmail {
  const w = wording(input);
  return { subject: w.subject, text: renderText(w, input), html: renderHtml(w, input), headers: listUnsubscribeHeaders(input.unsubscribeLink) };
}

/**
 * Mail clients show an "unsubscribe" button for these and POST `List-Unsubscribe=One-Click`
 * to the link (RFC 8058), which `POST /u/{token}` takes like the confirmation form. No
 * `mailto:`: there is no mailbox that would act on it.
 */
export function listUnsubscribeHeaders(unsubscribeLink: string): Record<string, string> {
  return { 'List-Unsubscribe': `<${unsubscribeLink}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
}
