/**
 * A tiny safe templating helper for the citizen pages. `html` escapes every interpolated
 * value unless it is `raw()` or another `html` result, so an organisation name such as
 * `<script>` can only ever be text. The pages run under a strict CSP: no inline script or
 * style, so the document links one stylesheet and one deferred script served by the app.
 */
import { escapeHtml } from '../mail/templates';

/** Markup that is already safe: the result of `html` or of `raw`. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** Trusts `markup` as HTML. Only for constants written in this code, never for input. */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/** null, undefined and false render nothing, so `${cond && html`…`}` reads naturally. */
type Value = SafeHtml | string | number | boolean | null | undefined | readonly Value[];

function render(value: Value): string {
  if (value === null || value === undefined || value === false || value === true) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): SafeHtml {
  return new SafeHtml(strings.reduce((out, s, i) => out + (i > 0 ? render(values[i - 1]) : '') + s, ''));
}

export const PRODUCT_NAME = 'Оценка качества услуг';
export const STYLESHEET_PATH = '/assets/questionnaire.css';
export const SCRIPT_PATH = '/assets/questionnaire.js';

export interface PageInput {
  /** The page's own title; the product name is appended. */
  title: string;
  body: SafeHtml;
  /** Rendered in the page's `<footer>`, e.g. the unsubscribe link. */
  footer?: SafeHtml;
  lang?: string;
}

/** The full document. Token-bearing URLs never leave as a Referer; the pages are not indexed. */
export function page({ title, body, footer, lang = 'ru' }: PageInput): string {
  return `<!DOCTYPE html>\n${html`<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<meta name="color-scheme" content="light">
<title>${title} — ${PRODUCT_NAME}</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
<script src="${SCRIPT_PATH}" defer></script>
</head>
<body>
<a class="skip-link" href="#main">Перейти к содержанию</a>
<header class="site-header"><div class="container"><p class="product">${PRODUCT_NAME}</p></div></header>
<main id="main" class="container">
${body}
</main>
${footer && html`<footer class="site-footer"><div class="container">${footer}</div></footer>`}
</body>
</html>
`}`;
}
