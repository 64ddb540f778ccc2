/**
 * The stylesheet and the one script of the citizen pages, served by the app as files (the
 * CSP forbids inline style and script). Mobile-first, no external fonts or images. The
 * colours live in PALETTE so the unit tests can check their WCAG contrast ratios.
 */
import { createHash } from 'node:crypto';
import { SCRIPT_PATH, STYLESHEET_PATH } from './html';

export const PALETTE = {
  text: '#1b1f24',
  muted: '#4a5260',
  background: '#f2f4f7',
  surface: '#ffffff',
  primary: '#0d4cd3',
  primaryHover: '#0a3a9f',
  onPrimary: '#ffffff',
  selected: '#e8f0fe',
  /** Borders of inputs: non-text contrast, at least 3:1 against the surface. */
  border: '#6b7280',
  error: '#b3261e',
  /** The focus ring: a dark outline around a yellow halo, visible on every background here. */
  focus: '#0b0c0c',
  focusHalo: '#ffdd00',
} as const;

const p = PALETTE;

export const QUESTIONNAIRE_CSS = `:root{--text:${p.text};--muted:${p.muted};--bg:${p.background};--surface:${p.surface};--primary:${p.primary};--primary-hover:${p.primaryHover};--on-primary:${p.onPrimary};--selected:${p.selected};--border:${p.border};--error:${p.error};--focus:${p.focus};--halo:${p.focusHalo}}
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--text);font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;font-size:1.0625rem;line-height:1.5;overflow-wrap:break-word}
.container{max-width:42rem;margin:0 auto;padding-left:.75rem;padding-right:.75rem}
main.container{padding-top:1.5rem;padding-bottom:2.5rem}
h1{font-size:1.75rem;line-height:1.25;margin:0 0 1rem}
h2{font-size:1.25rem;line-height:1.3;margin:0 0 .75rem}
p{margin:0 0 1rem}
a{color:var(--primary);text-decoration-thickness:.0625em;text-underline-offset:.15em}
a:hover{color:var(--primary-hover);text-decoration-thickness:.125em}
.visually-hidden{position:absolute!important;width:1px!important;height:1px!important;margin:0!important;padding:0!important;overflow:hidden!important;clip:rect(0 0 0 0)!important;white-space:nowrap!important;border:0!important}
.skip-link{position:absolute;left:.5rem;top:-100rem;z-index:10;padding:.75rem 1rem;background:var(--surface)}
.skip-link:focus{top:.5rem}
.site-header{background:var(--primary);color:var(--on-primary)}
.product{margin:0;padding:.75rem 0;font-weight:700}
.site-footer{padding:1rem 0 2rem;color:var(--muted);font-size:.9375rem}
.card{background:var(--surface);border-radius:.5rem;padding:1rem .75rem;margin:0 0 1rem}
.facts{margin:0}
.facts dt{color:var(--muted);font-size:.9375rem}
.facts dd{margin:0 0 .75rem;font-weight:600}
.facts dd:last-child{margin-bottom:0}
.org-type{display:block;font-weight:400;color:var(--muted)}
.question{border:0;min-width:0}
.question:focus{outline:3px solid var(--focus);outline-offset:3px}
.question legend{float:left;width:100%;padding:0;margin:0 0 .75rem;font-size:1.125rem;font-weight:700;line-height:1.35}
.q-num{display:block;font-size:.9375rem;font-weight:400;color:var(--muted)}
.options{clear:both;display:grid;grid-template-columns:minmax(0,1fr);gap:.5rem}
.option{position:relative}
.option input{position:absolute;left:.75rem;top:50%;width:1.5rem;height:1.5rem;margin:-.75rem 0 0;accent-color:var(--primary);cursor:pointer}
.option label{display:flex;align-items:center;gap:.75rem;min-height:3rem;padding:.625rem .75rem .625rem 3rem;border:2px solid var(--border);border-radius:.5rem;background:var(--surface);cursor:pointer;overflow-wrap:anywhere;hyphens:auto}
.option .score{min-width:1ch;font-weight:700}
.option input:checked+label{background:var(--selected);border-color:var(--primary);box-shadow:inset 0 0 0 1px var(--primary)}
.option input:focus-visible{outline:none;box-shadow:none}
.option input:focus-visible+label{outline:3px solid var(--focus);outline-offset:3px;box-shadow:0 0 0 3px var(--halo)}
.option-na{margin-top:.5rem}
.option-na label{border-style:dashed}
.has-error{border-left:.375rem solid var(--error);padding-left:.5rem}
.field-error{clear:both;color:var(--error);font-weight:700;margin:0 0 .75rem}
.error-summary{border:.25rem solid var(--error);background:var(--surface);border-radius:.5rem;padding:1rem;margin:0 0 1.5rem}
.error-summary:focus{outline:3px solid var(--focus);outline-offset:3px}
.error-summary ul{margin:0;padding-left:1.25rem}
.error-summary li{margin:.25rem 0}
.error-summary a{color:var(--error);font-weight:700}
.field-label{display:block;font-size:1.125rem;font-weight:700;margin:0 0 .25rem}
.hint{color:var(--muted);margin:0 0 .75rem}
textarea{display:block;width:100%;min-height:8rem;padding:.75rem;font:inherit;color:var(--text);background:var(--surface);border:2px solid var(--border);border-radius:.5rem;resize:vertical}
textarea[aria-invalid="true"]{border-color:var(--error)}
.counter{color:var(--muted);font-size:.9375rem;margin:.5rem 0 0}
.counter.is-over{color:var(--error);font-weight:700}
.button{display:inline-block;width:100%;min-height:3rem;padding:.75rem 1.5rem;font:inherit;font-weight:700;line-height:1.25;color:var(--on-primary);background:var(--primary);border:0;border-radius:.5rem;cursor:pointer}
.button:hover{background:var(--primary-hover)}
.actions{margin:1.5rem 0}
:focus-visible{outline:3px solid var(--focus);outline-offset:3px;box-shadow:0 0 0 3px var(--halo)}
/* After the component rules, so a focused link in the error summary is dark on yellow too. */
a:focus-visible{outline:3px solid transparent;outline-offset:0;color:var(--focus);background:var(--halo);box-shadow:0 -2px var(--halo),0 4px var(--focus);text-decoration:none}
@media (min-width:30em){.container{padding-left:1rem;padding-right:1rem}.card{padding:1rem}.has-error{padding-left:.875rem}.button{width:auto}h1{font-size:2rem}}
@media (prefers-reduced-motion:no-preference){html{scroll-behavior:smooth}.option label,.button{transition:background-color .15s,border-color .15s}}
@media (prefers-reduced-motion:reduce){*,*::before,*::after{animation:none!important;transition:none!important;scroll-behavior:auto!important}}
@media (forced-colors:active){.option input:checked+label{border-color:Highlight;border-width:4px}.has-error,.error-summary{border-color:CanvasText}}
`;

/**
 * Progressive enhancement only: a character counter for textareas with `data-counter`, and
 * focus on the error summary after a failed submit. The page works without it.
 */
export const QUESTIONNAIRE_JS = `(function () {
  'use strict';
  function plural(n, one, few, many) {
    var d = n % 10, h = n % 100;
    if (d === 1 && h !== 11) return one;
    if (d >= 2 && d <= 4 && (h < 12 || h > 14)) return few;
    return many;
  }
  function message(left) {
    if (left < 0) return 'Слишком длинный текст: удалите ' + -left + ' ' + plural(-left, 'символ', 'символа', 'символов');
    return plural(left, 'Остался', 'Осталось', 'Осталось') + ' ' + left + ' ' + plural(left, 'символ', 'символа', 'символов');
  }
  function counter(field) {
    var max = Number(field.getAttribute('maxlength'));
    var shown = document.getElementById(field.getAttribute('data-counter'));
    var live = document.getElementById(field.getAttribute('data-counter') + '-live');
    var timer;
    if (!max || !shown) return;
    function update(announce) {
      var left = max - field.value.length;
      shown.textContent = message(left);
      shown.classList.toggle('is-over', left < 0);
      if (!live || !announce) return;
      // Announced once typing pauses, not on every keystroke.
      clearTimeout(timer);
      timer = setTimeout(function () { live.textContent = message(left); }, 1000);
    }
    field.addEventListener('input', function () { update(true); });
    update(false);
  }
  Array.prototype.forEach.call(document.querySelectorAll('textarea[data-counter]'), counter);
  var summary = document.querySelector('.error-summary');
  if (summary) summary.focus();
})();
`;

/** The asset URLs are not fingerprinted, so browsers keep them for an hour, not for ever. */
export const ASSET_CACHE_CONTROL = 'public, max-age=3600';

export interface Asset {
  body: string;
  contentType: string;
  /** A strong ETag of the body, for conditional requests. */
  etag: string;
}

function asset(body: string, contentType: string): Asset {
  return { body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
}

/** Everything the citizen pages load, by URL path. */
export const ASSETS: Readonly<Record<string, Asset>> = {
  [STYLESHEET_PATH]: asset(QUESTIONNAIRE_CSS, 'text/css; charset=utf-8'),
  [SCRIPT_PATH]: asset(QUESTIONNAIRE_JS, 'text/javascript; charset=utf-8'),
};
