/**
 * The cabinet's pages: Russian, server-rendered, usable without JavaScript. Charts are
 * inline SVG with a title and description, and every chart's numbers are also in a table
 * next to it (WCAG 1.1.1). No inline script or style: one stylesheet, served by the app.
 */
import { COVERAGE_TARGET, SATISFACTION_TARGET, type GrowthStatus } from '../domain/indicators';
import { parsePeriod } from '../domain/periods';
import type { RoleName } from '../domain/scope';
import { html, raw, type SafeHtml } from '../web/html';

export const CABINET_STYLESHEET_PATH = '/cabinet/assets/cabinet.css';

export const ROLE_NAMES: Record<RoleName, string> = {
  admin: 'администратор',
  federal: 'федеральный орган',
  sector: 'отраслевой орган',
  region: 'орган субъекта Российской Федерации',
  organization: 'руководитель организации',
  integrator: 'интегратор',
  portal: 'портал (личный кабинет гражданина)',
};

const GROWTH_NAMES: Record<GrowthStatus, string> = {
  met: 'выполнен',
  not_met: 'не выполнен',
  not_applicable: 'не требуется (уже 4,5 и выше)',
  no_base: 'нет базы для сравнения',
};

export interface Viewer {
  name: string;
  role: RoleName;
  scopeLabel: string;
  csrfToken: string;
}

/** One row of figures as the reports give it (src/domain/indicators.ts, IndicatorRow). */
export interface FigureRow {
  name: string;
  href?: string;
  notified: number;
  completed: number;
  coverage: number | null;
  responses: number;
  satisfaction: number | null;
  ci: [number, number] | null;
  suppressed: boolean;
  lowResponses: boolean;
  growth: { quarterly: GrowthStatus | null; yearly: GrowthStatus | null };
}

export interface TrendPoint {
  period: string;
  final: boolean;
  coverage: number | null;
  satisfaction: number | null;
  responses: number;
}

export function number(value: number | null, digits = 2): string {
  return value === null ? '—' : value.toLocaleString('ru-RU', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function periodLabel(period: string): string {
  const { year, quarter } = parsePeriod(period);
  return `${['I', 'II', 'III', 'IV'][quarter - 1]} квартал ${year}`;
}

export function layout(title: string, viewer: Viewer | null, body: SafeHtml): string {
  return `<!DOCTYPE html>\n${html`<html lang="ru">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<meta name="robots" content="noindex, nofollow">
<title>${title} — личный кабинет участника</title>
<link rel="stylesheet" href="${CABINET_STYLESHEET_PATH}">
</head>
<body>
<a class="skip-link" href="#main">Перейти к содержанию</a>
<header class="site-header">
  <p class="product"><a href="/cabinet">Оценка качества услуг: личный кабинет</a></p>
  ${viewer && html`<nav aria-label="Разделы"><ul class="nav"><li><a href="/cabinet">Обзор</a></li>${viewer.role !== 'organization' ? html`<li><a href="/cabinet/rankings">Рейтинги</a></li>` : ''}${viewer.role === 'admin' ? html`<li><a href="/cabinet/admin">Администрирование</a></li>` : ''}</ul></nav>`}
  ${viewer && html`<div class="who">
    <p>${viewer.name}, ${ROLE_NAMES[viewer.role]}${viewer.scopeLabel ? html`: ${viewer.scopeLabel}` : ''}</p>
    <form method="post" action="/cabinet/logout"><input type="hidden" name="_csrf" value="${viewer.csrfToken}"><button type="submit">Выйти</button></form>
  </div>`}
</header>
<main id="main">
${body}
</main>
</body>
</html>
`}`;
}

export function messagePage(title: string, text: string, link?: { href: string; label: string }): string {
  return layout(title, null, html`<h1>${title}</h1><p>${text}</p>${link && html`<p><a href="${link.href}">${link.label}</a></p>`}`);
}

function growthCell(status: GrowthStatus | null): SafeHtml {
  if (status === null) return html`<td>—</td>`;
  return html`<td class="growth growth-${status}">${GROWTH_NAMES[status]}</td>`;
}

function targetMark(value: number | null, target: number, suppressed: boolean): SafeHtml {
  if (suppressed) return html`<span class="muted">скрыто: мало ответов</span>`;
  if (value === null) return html`—`;
  return value >= target ? html`<span class="ok">${number(value)} ✓</span>` : html`<span class="below">${number(value)}</span>`;
}

export interface SortState {
  key: string;
  dir: 'asc' | 'desc';
  /** The page's own URL without sort parameters, to which the header links add them. */
  base: string;
}

const COLUMNS: { key: string; label: string }[] = [
  { key: 'name', label: 'Наименование' },
  { key: 'coverage', label: `Охват, % (цель ${COVERAGE_TARGET})` },
  { key: 'satisfaction', label: `Удовлетворённость (цель ${number(SATISFACTION_TARGET, 1)})` },
  { key: 'ci', label: '95 % доверительный интервал' },
  { key: 'responses', label: 'Ответов' },
  { key: 'quarterly', label: 'Рост к прошлому кварталу (+0,2)' },
  { key: 'yearly', label: 'Рост к кварталу год назад (+0,2)' },
];
const SORTABLE = new Set(['name', 'coverage', 'satisfaction', 'responses']);

/** The table of figures; with `sort`, the headers of sortable columns are links that sort by them. */
export function figuresTable(caption: string, rows: FigureRow[], sort?: SortState, id = 'figures'): SafeHtml {
  const header = (c: { key: string; label: string }) => {
    if (!sort || !SORTABLE.has(c.key)) return html`<th scope="col">${c.label}</th>`;
    const active = sort.key === c.key;
    const next = active && sort.dir === 'asc' ? 'desc' : 'asc';
    const ariaSort = active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none';
    const sep = sort.base.includes('?') ? '&' : '?';
    return html`<th scope="col" aria-sort="${ariaSort}"><a href="${sort.base}${sep}sort=${c.key}&dir=${next}#${id}">${c.label}${active ? (sort.dir === 'asc' ? ' ▲' : ' ▼') : ''}</a></th>`;
  };
  return html`<table id="${id}">
  <caption>${caption}</caption>
  <thead><tr>${COLUMNS.map(header)}</tr></thead>
  <tbody>
  ${rows.map((r) => html`<tr>
    <th scope="row">${r.href ? html`<a href="${r.href}">${r.name}</a>` : r.name}${r.lowResponses && !r.suppressed ? html` <span class="badge">мало ответов</span>` : ''}</th>
    <td>${targetMark(r.coverage, COVERAGE_TARGET, false)}</td>
    <td>${targetMark(r.satisfaction, SATISFACTION_TARGET, r.suppressed)}</td>
    <td>${r.ci ? `${number(r.ci[0])} – ${number(r.ci[1])}` : '—'}</td>
    <td>${r.responses}</td>
    ${growthCell(r.growth.quarterly)}
    ${growthCell(r.growth.yearly)}
  </tr>`)}
  </tbody>
</table>`;
}

const CHART = { width: 640, height: 240, left: 48, right: 40, top: 16, bottom: 40 };

/**
 * Satisfaction over the quarters as a line against the 4.5 target, on a 1–5 scale. The
 * current quarter (cumulative, not final) is drawn hollow and named so in the table.
 */
export function trendChart(title: string, points: TrendPoint[], id = 'trend'): SafeHtml {
  const { width, height, left, right, top, bottom } = CHART;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const x = (i: number) => left + (points.length <= 1 ? plotW / 2 : (i * plotW) / (points.length - 1));
  const y = (v: number) => top + plotH - ((v - 1) / 4) * plotH;
  const known = points.map((p, i) => ({ p, i })).filter(({ p }) => p.satisfaction !== null);
  const line = known.map(({ p, i }) => `${x(i).toFixed(1)},${y(p.satisfaction!).toFixed(1)}`).join(' ');
  const gridValues = [1, 2, 3, 4, 5];
  const svg = `<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${id}-title ${id}-desc" focusable="false">
<title id="${id}-title">${escapeXml(title)}</title>
<desc id="${id}-desc">Удовлетворённость по кварталам по шкале от 1 до 5; пунктир — цель ${number(SATISFACTION_TARGET, 1)}. Те же числа в таблице ниже.</desc>
${gridValues.map((v) => `<line class="grid" x1="${left}" x2="${width - right}" y1="${y(v)}" y2="${y(v)}"/><text class="axis" x="${left - 8}" y="${y(v) + 4}" text-anchor="end">${v}</text>`).join('\n')}
<line class="target" x1="${left}" x2="${width - right}" y1="${y(SATISFACTION_TARGET)}" y2="${y(SATISFACTION_TARGET)}"/>
${known.length > 1 ? `<polyline class="series" points="${line}"/>` : ''}
${known.map(({ p, i }) => `<circle class="${p.final ? 'point' : 'point provisional'}" cx="${x(i).toFixed(1)}" cy="${y(p.satisfaction!).toFixed(1)}" r="5" data-period="${p.period}" data-value="${p.satisfaction}"/>`).join('\n')}
${points.map((p, i) => `<text class="axis" x="${x(i).toFixed(1)}" y="${height - 12}" text-anchor="middle">${p.period.replace('-', ' ')}</text>`).join('\n')}
</svg>`;
  return html`<figure class="trend">
${raw(svg)}
<figcaption>${title}</figcaption>
<table class="compact" id="${id}-table">
  <caption>${title}: числа графика</caption>
  <thead><tr><th scope="col">Квартал</th><th scope="col">Итог</th><th scope="col">Охват, %</th><th scope="col">Удовлетворённость</th><th scope="col">Ответов</th></tr></thead>
  <tbody>${points.map((p) => html`<tr data-period="${p.period}"><th scope="row">${periodLabel(p.period)}</th><td>${p.final ? 'окончательный' : 'текущий, нарастающим итогом'}</td><td>${number(p.coverage)}</td><td>${number(p.satisfaction)}</td><td>${p.responses}</td></tr>`)}</tbody>
</table>
</figure>`;
}

function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export const CABINET_CSS = `
:root{--ink:#1a1a1a;--muted:#555;--accent:#0b4f9c;--ok:#0a6b2d;--bad:#a00000;--line:#c8c8c8}
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);line-height:1.45}
a{color:var(--accent)}
a:focus,button:focus,select:focus,input:focus{outline:3px solid #f2b600;outline-offset:2px}
.skip-link{position:absolute;left:-999px}.skip-link:focus{left:1rem;top:1rem;background:#fff;padding:.5rem;z-index:2}
.site-header{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:center;gap:1rem;padding:.75rem 1.5rem;border-bottom:1px solid var(--line);background:#f4f6f9}
.site-header p{margin:0}.product a{font-weight:700;text-decoration:none;color:var(--ink)}
.who{display:flex;align-items:center;gap:1rem}.who form{margin:0}
.nav{list-style:none;display:flex;gap:1.25rem;margin:0;padding:0}
.comments li{margin:.5rem 0;padding:.5rem .75rem;border-left:3px solid var(--line)}
tr.weak th,tr.weak td{background:#fff4f4}
form.stacked{max-width:32rem}form.stacked label{display:block;font-weight:600;margin-top:.75rem}
form.stacked input,form.stacked select{font:inherit;padding:.3rem;width:100%}
form.stacked label.inline{display:inline-block;font-weight:400;margin-right:1rem}form.stacked label.inline input{width:auto}
fieldset{margin-top:.75rem;border:1px solid var(--line)}
form.stacked button{margin-top:1rem}
td form{display:inline-block;margin:0 .25rem .25rem 0}
.error{color:var(--bad);font-weight:600}
.shown-once{border:2px solid var(--ok);padding:.5rem 1rem;margin:1rem 0}.shown-once code{font-size:1.1rem;word-break:break-all}
button{font:inherit;padding:.4rem .9rem;border:1px solid var(--accent);background:#fff;color:var(--accent);border-radius:4px;cursor:pointer}
main{padding:1rem 1.5rem 3rem;max-width:78rem}
h1{font-size:1.6rem;margin:.5rem 0 1rem}h2{font-size:1.25rem;margin-top:2rem}
.note{color:var(--muted)}
.cards{display:flex;flex-wrap:wrap;gap:1rem;margin:1rem 0}
.card{border:1px solid var(--line);border-radius:6px;padding:.75rem 1rem;min-width:14rem}
.card .value{font-size:1.8rem;font-weight:700;margin:.25rem 0}
.card .label{color:var(--muted);margin:0}
.ok{color:var(--ok);font-weight:600}.below{color:var(--bad);font-weight:600}.muted{color:var(--muted)}
.badge{font-size:.8rem;border:1px solid var(--muted);border-radius:3px;padding:0 .3rem;color:var(--muted);white-space:nowrap}
table{border-collapse:collapse;margin:1rem 0;width:100%}
caption{text-align:left;font-weight:600;margin-bottom:.5rem}
th,td{border-bottom:1px solid var(--line);padding:.4rem .6rem;text-align:left;vertical-align:top}
thead th{border-bottom:2px solid var(--ink)}
td{font-variant-numeric:tabular-nums}
table.compact{width:auto}
.growth-met{color:var(--ok)}.growth-not_met{color:var(--bad)}
.exports a{margin-right:1rem}
.chart{max-width:40rem;width:100%;height:auto}
.chart .grid{stroke:#ddd}.chart .target{stroke:var(--ok);stroke-dasharray:6 4;stroke-width:2}
.chart .series{fill:none;stroke:var(--accent);stroke-width:3}
.chart .point{fill:var(--accent)}.chart .provisional{fill:#fff;stroke:var(--accent);stroke-width:2}
.chart .axis{font-size:12px;fill:var(--ink)}
figure{margin:1rem 0}figcaption{color:var(--muted)}
form.filters{display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-end}
form.filters label{display:block;font-weight:600}
select{font:inherit;padding:.3rem}
`;
