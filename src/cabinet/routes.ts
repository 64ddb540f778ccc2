/**
 * The participants' personal account (Regulation II.11–II.12, I.4а): sign-in through the
 * OpenID provider, then the indicators of the participant's scope as pages. Everything is
 * read through the same ReportService as the report endpoints, with the participant as the
 * principal, so a page can show nothing the participant's API key could not.
 *
 * Sessions: an encrypted, authenticated cookie (@fastify/secure-session) on /cabinet only,
 * httpOnly, SameSite=Lax, Secure over https, ending after SESSION_HOURS; the participant
 * is read again on every request, so a deactivation takes effect at once. Every form
 * carries a CSRF token (@fastify/csrf-protection).
 */
import csrf from '@fastify/csrf-protection';
import secureSession from '@fastify/secure-session';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { CabinetConfig } from '../config';
import { currentPeriod, isPeriod, lastFinishedPeriod, shiftPeriod, type Period } from '../domain/periods';
import { CURRENT_QUESTIONNAIRE, ITEM_KEYS } from '../domain/questionnaire';
import type { GroupBy, Principal } from '../domain/scope';
import { HttpProblem } from '../api/problem';
import { isDatabaseUnavailable } from '../db/unavailable';
import { toCsv } from '../api/csv';
import type { FilterCodes } from '../services/reports';
import { html, type SafeHtml } from '../web/html';
import { adminRoutes } from './admin';
import { OidcSignIn, type PendingSignIn } from './oidc';
import { participantById, signIn } from './participants';
import { posterLinks, registerPosterRoutes } from './poster-routes';
import { CABINET_CSS, CABINET_STYLESHEET_PATH, figuresTable, layout, messagePage, number, periodLabel, trendChart, type FigureRow, type SortState, type TrendPoint, type Viewer } from './views';

declare module '@fastify/secure-session' {
  interface SessionData {
    participantId: string;
    expiresAt: number;
    idToken: string;
    pending: PendingSignIn & { returnTo: string };
  }
}

const SESSION_HOURS = 8;
const TREND_QUARTERS = 6;
const COMMENTS_PER_PAGE = 20;
const HTML = 'text/html; charset=utf-8';
const CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self' http: https:; frame-ancestors 'none'; base-uri 'none'";

/**
 * The level a participant's scope adds up to, and the breakdowns II.12 entitles it to, the
 * first being the overview's default: federal bodies by region, sector or type; a sector
 * body by region or type; a region (or a federal body drilling into one) by organisation,
 * type or sector; a head of organisation none.
 */
function levels(p: Principal, filters: FilterCodes): { total: GroupBy; breakdowns: GroupBy[] } {
  if (p.role === 'organization') return { total: 'organization', breakdowns: [] };
  if (filters.region || p.role === 'region' || (p.role === 'admin' && p.regions.length > 0)) return { total: 'region', breakdowns: ['organization', 'organizationType', 'sector'] };
  if (p.role === 'sector') return { total: 'sector', breakdowns: ['region', 'organizationType'] };
  return { total: 'federation', breakdowns: ['region', 'sector', 'organizationType'] };
}

const BREAKDOWN_NAMES: Record<GroupBy, string> = {
  federation: 'Российская Федерация',
  region: 'Регионы',
  sector: 'Сферы',
  organizationType: 'Типы организаций',
  organization: 'Организации',
};

/** The breakdown asked for, if the participant may have it, else its default. */
function breakdownOf(p: Principal, filters: FilterCodes, by: GroupBy | undefined): { total: GroupBy; breakdown: GroupBy | null; breakdowns: GroupBy[] } {
  const { total, breakdowns } = levels(p, filters);
  return { total, breakdowns, breakdown: by && breakdowns.includes(by) ? by : (breakdowns[0] ?? null) };
}

export default async function cabinetRoutes(app: FastifyInstance, opts: { cabinet: CabinetConfig }): Promise<void> {
  const { db, reports, config } = app.deps;
  const oidc = new OidcSignIn(opts.cabinet.oidc);
  const publicBase = new URL(config.publicBaseUrl);

  await app.register(secureSession, {
    key: opts.cabinet.sessionKey,
    cookieName: 'cabinet_session',
    cookie: { path: '/cabinet', httpOnly: true, sameSite: 'lax', secure: opts.cabinet.secureCookies, maxAge: SESSION_HOURS * 3600 },
  });
  await app.register(csrf, { sessionPlugin: '@fastify/secure-session' });

  // The cabinet's own errors are pages in Russian, never problem+json.
  app.setErrorHandler((err: Error & { code?: string; statusCode?: number }, request, reply) => {
    if (err.code === 'FST_CSRF_INVALID_TOKEN' || err.code === 'FST_CSRF_MISSING_SECRET') {
      return page(reply, 403, messagePage('Форма устарела', 'Обновите страницу и повторите действие.', { href: '/cabinet', label: 'К обзору' }));
    }
    if (isDatabaseUnavailable(err)) {
      reply.header('retry-after', '5');
      return page(reply, 503, messagePage('Сервис временно недоступен', 'Повторите попытку через несколько минут.'));
    }
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      return page(reply, err.statusCode, messagePage('Запрос не выполнен', 'Проверьте адрес и повторите.', { href: '/cabinet', label: 'К обзору' }));
    }
    request.log.error({ err: { name: err.name, code: err.code, stack: err.stack } }, 'cabinet request failed');
    return page(reply, 500, messagePage('Ошибка', 'Что-то пошло не так на нашей стороне. Повторите попытку позже.'));
  });

  app.addHook('onSend', async (_request, reply) => {
    reply.header('content-security-policy', CSP);
    reply.header('cache-control', 'no-store');
    reply.header('x-frame-options', 'DENY');
  });

  /** The signed-in participant, or a redirect to sign in (and null). */
  async function viewerOf(request: FastifyRequest, reply: FastifyReply): Promise<{ principal: Principal; viewer: Viewer } | null> {
    const id = request.session.get('participantId');
    const expiresAt = request.session.get('expiresAt') ?? 0;
    const principal = id && expiresAt > Date.now() ? await participantById(db, id) : null;
    if (!principal) {
      request.session.delete();
      await reply.redirect(`/cabinet/login?returnTo=${encodeURIComponent(request.url)}`, 303);
      return null;
    }
    const scopeLabel = await scopeLabelOf(principal);
    return { principal, viewer: { name: principal.name, role: principal.role, scopeLabel, csrfToken: reply.generateCsrf() } };
  }

  async function scopeLabelOf(p: Principal): Promise<string> {
    if (p.organizationCode) {
      const org = await db.organization.findUnique({ where: { code: p.organizationCode } });
      return org ? org.name : p.organizationCode;
    }
    const parts: string[] = [];
    if (p.regions.length > 0) {
      const regions = await db.region.findMany({ where: { code: { in: p.regions } }, orderBy: { code: 'asc' } });
      parts.push(regions.map((r) => `${r.name} (${r.code})`).join(', '));
    }
    if (p.sectors.length > 0) parts.push(`сферы: ${p.sectors.join(', ')}`);
    return parts.join('; ');
  }

  const page = (reply: FastifyReply, status: number, body: string) => reply.code(status).type(HTML).send(body);

  /** Renders a page; report refusals become pages too. */
  async function orRefusal(reply: FastifyReply, viewer: Viewer, render: () => Promise<string>) {
    try {
      return page(reply, 200, await render());
    } catch (err) {
      return refusal(reply, viewer, err);
    }
  }

  /** Report refusals (outside the scope: 403; unknown codes: 404) as pages; anything else goes to the error handler. */
  function refusal(reply: FastifyReply, viewer: Viewer, err: unknown) {
    if (err instanceof HttpProblem && (err.status === 403 || err.status === 422)) {
      const title = err.status === 403 ? 'Нет доступа' : 'Нет таких данных';
      const text = err.status === 403 ? 'Эти показатели вне области, доступной вашей учётной записи.' : 'Такого региона, организации или квартала нет.';
      return page(reply, err.status === 403 ? 403 : 404, layout(title, viewer, html`<h1>${title}</h1><p>${text}</p><p><a href="/cabinet">К обзору</a></p>`));
    }
    throw err;
  }

  await adminRoutes(app, { viewerOf, page });

  app.get(CABINET_STYLESHEET_PATH, async (_request, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(CABINET_CSS));

  app.get('/cabinet/login', async (request, reply) => {
    const returnTo = safeReturnTo((request.query as { returnTo?: string }).returnTo);
    // The provider returns to PUBLIC_BASE_URL; start there, so the session cookie is on the host that receives the answer.
    if (request.headers.host !== publicBase.host) return reply.redirect(`${config.publicBaseUrl}/cabinet/login?returnTo=${encodeURIComponent(returnTo)}`, 303);
    let start: Awaited<ReturnType<OidcSignIn['start']>>;
    try {
      start = await oidc.start();
    } catch (err) {
      request.log.warn({ err: { name: (err as Error).name, message: (err as Error).message } }, 'identity provider unreachable');
      return page(reply, 503, messagePage('Вход временно недоступен', 'Поставщик удостоверений не отвечает. Повторите попытку через несколько минут.'));
    }
    request.session.set('pending', { ...start.pending, returnTo });
    return reply.redirect(start.url, 303);
  });

  app.get('/cabinet/callback', async (request, reply) => {
    const pending = request.session.get('pending');
    if (!pending) return page(reply, 400, messagePage('Вход не завершён', 'Сеанс входа не найден или устарел.', { href: '/cabinet/login', label: 'Войти снова' }));
    request.session.set('pending', undefined);
    let identity: Awaited<ReturnType<OidcSignIn['finish']>>;
    try {
      identity = await oidc.finish(new URL(request.url, config.publicBaseUrl), pending);
    } catch (err) {
      request.log.warn({ err: { name: (err as Error).name, code: (err as { code?: string }).code } }, 'sign-in failed');
      return page(reply, 400, messagePage('Вход не завершён', 'Поставщик удостоверений не подтвердил вход.', { href: '/cabinet/login', label: 'Войти снова' }));
    }
    const principal = await signIn(db, identity);
    if (!principal) {
      request.log.info('sign-in of a person who is not an active participant');
      const end = await oidc.endSessionUrl(identity.idToken);
      return page(reply, 403, messagePage('Нет доступа', 'Ваша учётная запись не зарегистрирована как участник эксперимента. Обратитесь к администратору.', end ? { href: end, label: 'Выйти из учётной записи поставщика' } : undefined));
    }
    request.session.set('participantId', principal.keyId.slice('participant:'.length));
    request.session.set('expiresAt', Date.now() + SESSION_HOURS * 3600_000);
    request.session.set('idToken', identity.idToken);
    request.log.info({ participant: principal.keyId, role: principal.role }, 'participant signed in');
    return reply.redirect(pending.returnTo, 303);
  });

  // preHandler, not onRequest: the token is in the form's body, parsed by then.
  app.post('/cabinet/logout', { preHandler: app.csrfProtection }, async (request, reply) => {
    const idToken = request.session.get('idToken');
    request.session.delete();
    const end = await oidc.endSessionUrl(idToken);
    return reply.redirect(end ?? '/cabinet/signed-out', 303);
  });

  app.get('/cabinet/signed-out', async (_request, reply) =>
    page(reply, 200, messagePage('Вы вышли', 'Сеанс личного кабинета завершён.', { href: '/cabinet', label: 'Войти снова' })));

  const ZOverviewQuery = z.object({
    period: z.string().refine(isPeriod).optional(),
    region: z.string().regex(/^\d{2}$/).optional(),
    sort: z.enum(['name', 'coverage', 'satisfaction', 'responses']).optional(),
    dir: z.enum(['asc', 'desc']).optional(),
    by: z.enum(['region', 'sector', 'organizationType', 'organization']).optional(),
  });

  /** The overview: the scope's totals this quarter and last, the trend, and the level below. */
  app.get('/cabinet', async (request, reply) => {
    const who = await viewerOf(request, reply);
    if (!who) return reply;
    const query = ZOverviewQuery.safeParse(request.query);
    if (!query.success) return page(reply, 400, messagePage('Неверный адрес', 'Параметры страницы не распознаны.', { href: '/cabinet', label: 'К обзору' }));
    return orRefusal(reply, who.viewer, () => overview(who.principal, who.viewer, query.data));
  });

  async function overview(principal: Principal, viewer: Viewer, q: z.infer<typeof ZOverviewQuery>): Promise<string> {
    const now = new Date();
    const period: Period = q.period ?? currentPeriod(now);
    const filters: FilterCodes = q.region ? { region: q.region } : {};
    const { total, breakdown, breakdowns } = breakdownOf(principal, filters, q.by);
    const lastFinal = lastFinishedPeriod(now);
    const [current, previousFinal, history] = await Promise.all([
      reports.indicators(principal, { period, groupBy: total, filters }),
      reports.indicators(principal, { period: lastFinal, groupBy: total, filters }),
      reports.history(principal, { from: shiftPeriod(period, -(TREND_QUARTERS - 1)), to: period, groupBy: total, filters }),
    ]);
    const below = breakdown ? await reports.indicators(principal, { period, groupBy: breakdown, filters }) : null;
    const regionName = q.region ? current.rows[0]?.name ?? `регион ${q.region}` : null;
    const scopeQuery = `period=${period}${q.region ? `&region=${q.region}` : ''}`;
    const base = `/cabinet?${scopeQuery}${breakdown ? `&by=${breakdown}` : ''}`;
    const sort: SortState = { key: q.sort ?? 'name', dir: q.dir ?? 'asc', base };
    const belowRows = below ? sortRows(below.rows.map((r) => figureRow(r, hrefFor(breakdown!, r.key, period))), sort) : [];
    const series = history.series[0]?.points ?? [];
    const trend: TrendPoint[] = series.map((p) => ({ period: p.period, final: p.final, coverage: p.coverage, satisfaction: p.satisfaction, responses: p.responses }));
    const title = regionName ? `Показатели: ${regionName}` : 'Показатели вашей области';
    return layout(title, viewer, html`
<h1>${title}</h1>
${regionName && html`<p><a href="/cabinet?period=${period}">← ко всем регионам</a></p>`}
${periodForm(period, q.region)}
<section aria-labelledby="totals">
  <h2 id="totals">Итоги</h2>
  ${summaryCards(current.rows, current.final, period)}
  ${figuresTable('Итоги по кварталам', [
    ...current.rows.map((r) => ({ ...figureRow(r), name: `${r.name}: ${periodLabel(period)} (${current.final ? 'окончательные' : 'текущие, нарастающим итогом'})` })),
    ...(lastFinal !== period ? previousFinal.rows.map((r) => ({ ...figureRow(r), name: `${r.name}: ${periodLabel(lastFinal)} (${previousFinal.final ? 'окончательные' : 'ещё не подведены'})` })) : []),
  ], undefined, 'totals-table')}
</section>
<section aria-labelledby="trend-heading">
  <h2 id="trend-heading">Динамика</h2>
  ${trendChart('Удовлетворённость по кварталам', trend)}
</section>
${below && html`<section aria-labelledby="breakdown">
  <h2 id="breakdown">${BREAKDOWN_NAMES[breakdown!]}</h2>
  <nav aria-label="Разрез"><ul class="nav">${breakdowns.map((b) => html`<li>${b === breakdown ? html`<a href="/cabinet?${scopeQuery}&by=${b}#breakdown" aria-current="page"><strong>${BREAKDOWN_NAMES[b]}</strong></a>` : html`<a href="/cabinet?${scopeQuery}&by=${b}#breakdown">${BREAKDOWN_NAMES[b]}</a>`}</li>`)}</ul></nav>
  <p class="exports"><a href="/cabinet/export.csv?${scopeQuery}&by=${breakdown}" download>Скачать таблицу (CSV)</a> <a href="/cabinet/export.xlsx?${scopeQuery}&by=${breakdown}" download>Скачать таблицу (XLSX)</a></p>
  ${figuresTable(`${BREAKDOWN_NAMES[breakdown!]}: ${periodLabel(period)}`, belowRows, sort)}
</section>`}
${principal.role === 'organization' && principal.organizationCode && posterLinks(principal.organizationCode, true)}
<p class="note">Окончательные значения квартала подводятся в первый день следующего квартала; до тех пор значения текущего квартала — нарастающим итогом и могут измениться (Положение, п. II.11). Удовлетворённость скрыта там, где ответов меньше ${config.reportMinResponses}.</p>`);
  }

  /** The breakdown table as CSV or XLSX: the same rows and columns as on the page. */
  app.get('/cabinet/export.:format', async (request, reply) => {
    const who = await viewerOf(request, reply);
    if (!who) return reply;
    const { format } = request.params as { format: string };
    const query = ZOverviewQuery.safeParse(request.query);
    if ((format !== 'csv' && format !== 'xlsx') || !query.success) return page(reply, 404, messagePage('Нет такой выгрузки', 'Проверьте адрес.', { href: '/cabinet', label: 'К обзору' }));
    const period = query.data.period ?? currentPeriod(new Date());
    const filters: FilterCodes = query.data.region ? { region: query.data.region } : {};
    const { total, breakdown } = breakdownOf(who.principal, filters, query.data.by);
    try {
      const report = await reports.indicators(who.principal, { period, groupBy: breakdown ?? total, filters });
      const rows = report.rows.map((r) => exportRow(figureRow(r), period, report.final));
      const name = `indicators-${period}${query.data.region ? `-region-${query.data.region}` : ''}`;
      reply.header('content-disposition', `attachment; filename="${name}.${format}"`);
      if (format === 'csv') return reply.type('text/csv; charset=utf-8').send(toCsv(rows.map(russianNumbers), { delimiter: ';' }));
      return reply.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').send(await xlsx(`Показатели ${period}`, rows));
    } catch (err) {
      return refusal(reply, who.viewer, err);
    }
  });

  const ZRankingsQuery = z.object({
    period: z.string().refine(isPeriod).optional(),
    region: z.string().regex(/^\d{2}$/).optional(),
    type: z.string().regex(/^[a-z_]{1,64}$/).optional(),
  });

  /** Best and worst organisations of one region and type (seed 002: rewards and remedies). */
  app.get('/cabinet/rankings', async (request, reply) => {
    const who = await viewerOf(request, reply);
    if (!who) return reply;
    const query = ZRankingsQuery.safeParse(request.query);
    if (!query.success) return page(reply, 400, messagePage('Неверный адрес', 'Параметры страницы не распознаны.', { href: '/cabinet', label: 'К обзору' }));
    const p = who.principal;
    if (p.role === 'organization') return page(reply, 403, layout('Нет доступа', who.viewer, html`<h1>Нет доступа</h1><p>Рейтинги доступны органам власти.</p>`));
    const [regionsAll, types] = await Promise.all([db.region.findMany({ orderBy: { code: 'asc' } }), db.organizationType.findMany({ orderBy: { code: 'asc' } })]);
    const regions = p.regions.length > 0 ? regionsAll.filter((r) => p.regions.includes(r.code)) : regionsAll;
    const allowedTypes = p.sectors.length > 0 ? types.filter((t) => p.sectors.includes(t.sector)) : types;
    const period = query.data.period ?? lastFinishedPeriod(new Date());
    const region = query.data.region ?? regions[0]?.code ?? '';
    const type = query.data.type ?? allowedTypes[0]?.code ?? '';
    return orRefusal(reply, who.viewer, async () => {
      const ranked = await reports.rankings(p, { period, region, organizationType: type, limit: 10 });
      const row = (r: { rank: number; code: string; name: string; satisfaction: number | null; responses: number; ci: [number, number] | null }) =>
        html`<tr><td>${r.rank}</td><th scope="row"><a href="/cabinet/organizations/${r.code}?period=${period}">${r.name}</a></th><td>${number(r.satisfaction)}</td><td>${r.ci ? `${number(r.ci[0])} – ${number(r.ci[1])}` : '—'}</td><td>${r.responses}</td></tr>`;
      const table = (id: string, caption: string, rows: Parameters<typeof row>[0][]) => html`<table id="${id}"><caption>${caption}</caption>
        <thead><tr><th scope="col">Место</th><th scope="col">Организация</th><th scope="col">Удовлетворённость</th><th scope="col">95 % доверительный интервал</th><th scope="col">Ответов</th></tr></thead>
        <tbody>${rows.map(row)}</tbody></table>`;
      return layout('Рейтинги', who.viewer, html`
<h1>Рейтинги организаций</h1>
<form class="filters" method="get" action="/cabinet/rankings">
  <div><label for="period">Квартал</label><select id="period" name="period">${recentPeriods().map((x) => html`<option value="${x}"${x === period ? html` selected` : ''}>${periodLabel(x)}</option>`)}</select></div>
  <div><label for="region">Регион</label><select id="region" name="region">${regions.map((r) => html`<option value="${r.code}"${r.code === region ? html` selected` : ''}>${r.name} (${r.code})</option>`)}</select></div>
  <div><label for="type">Тип организаций</label><select id="type" name="type">${allowedTypes.map((t) => html`<option value="${t.code}"${t.code === type ? html` selected` : ''}>${t.name}</option>`)}</select></div>
  <button type="submit">Показать</button>
</form>
<p>Ранжированы ${ranked.ranked} организаций с не менее чем ${config.reportMinResponses} ответами; ${ranked.unranked.length} без рейтинга (мало ответов). При равной удовлетворённости выше та, у которой больше ответов.</p>
${table('best', `Лучшие: ${periodLabel(period)}`, ranked.best)}
${table('worst', `Худшие: ${periodLabel(period)}`, ranked.worst)}`);
    });
  });

  app.get('/cabinet/organizations/:code', async (request, reply) => {
    const who = await viewerOf(request, reply);
    if (!who) return reply;
    const { code } = request.params as { code: string };
    const query = ZOverviewQuery.safeParse(request.query);
    if (!query.success || !/^[\w-]{1,64}$/.test(code)) return page(reply, 404, messagePage('Нет такой организации', 'Проверьте адрес.', { href: '/cabinet', label: 'К обзору' }));
    const cursor = (request.query as { comments?: string }).comments;
    return orRefusal(reply, who.viewer, () => organizationPage(who.principal, who.viewer, code, query.data.period ?? currentPeriod(new Date()), typeof cursor === 'string' ? cursor : undefined));
  });

  async function organizationPage(principal: Principal, viewer: Viewer, code: string, period: Period, cursor: string | undefined): Promise<string> {
    const filters: FilterCodes = { organization: code };
    const [current, funnel, history, comments] = await Promise.all([
      reports.indicators(principal, { period, groupBy: 'organization', filters }),
      reports.funnel(principal, { period, groupBy: 'organization', filters }),
      reports.history(principal, { from: shiftPeriod(period, -(TREND_QUARTERS - 1)), to: period, groupBy: 'organization', filters }),
      app.deps.comments.page(principal, { period, filters, limit: COMMENTS_PER_PAGE, cursor }),
    ]);
    const org = await db.organization.findUnique({ where: { code }, include: { region: true, type: true } });
    const row = current.rows[0];
    const name = org?.name ?? code;
    const items = row?.items
      ? ITEM_KEYS.map((k) => ({ key: k, text: CURRENT_QUESTIONNAIRE.items.find((i) => i.key === k)?.text ?? k, mean: row.items![k] }))
          .filter((i) => i.mean !== null)
          .sort((a, b) => a.mean! - b.mean!)
      : [];
    const f = funnel.rows[0];
    const trend: TrendPoint[] = (history.series[0]?.points ?? []).map((p) => ({ period: p.period, final: p.final, coverage: p.coverage, satisfaction: p.satisfaction, responses: p.responses }));
    return layout(name, viewer, html`
<h1>${name}</h1>
<p>${org ? html`${org.type.name}, ${org.region.name}. ` : ''}Код ${code}. <a href="/cabinet${org && principal.role !== 'region' && principal.role !== 'organization' ? `?region=${org.regionCode}` : ''}">← к обзору</a></p>
${periodForm(period, undefined, `/cabinet/organizations/${code}`)}
${org && posterLinks(code, principal.role === 'organization')}
${row ? summaryCards([row], current.final, period) : html`<p>За ${periodLabel(period)} данных нет.</p>`}
${row && figuresTable(`Показатели: ${periodLabel(period)}`, [figureRow(row)], undefined, 'org-figures')}
<section aria-labelledby="items-heading">
  <h2 id="items-heading">Проблемные зоны: средняя оценка по вопросам</h2>
  ${items.length > 0
    ? html`<table class="compact" id="items"><caption>Вопросы анкеты, от низшей оценки к высшей</caption>
        <thead><tr><th scope="col">Вопрос</th><th scope="col">Средняя оценка</th></tr></thead>
        <tbody>${items.map((i, n) => html`<tr${n < 3 ? html` class="weak"` : ''}><th scope="row">${i.text}</th><td>${number(i.mean)}</td></tr>`)}</tbody></table>`
    : html`<p>Оценки по вопросам скрыты или ещё не собраны (меньше ${config.reportMinResponses} ответов).</p>`}
</section>
${f && html`<section aria-labelledby="funnel-heading">
  <h2 id="funnel-heading">Путь от услуги до ответа</h2>
  <table class="compact" id="funnel"><caption>Воронка за ${periodLabel(period)}</caption><tbody>
    <tr><th scope="row">Сведений об услугах получено</th><td>${f.receipts}</td></tr>
    <tr><th scope="row">из них позже одного дня</th><td>${f.late}</td></tr>
    <tr><th scope="row">Нет подтверждённой учётной записи</th><td>${f.noAccount}</td></tr>
    <tr><th scope="row">Ссылок активировано</th><td>${f.activated}</td></tr>
    <tr><th scope="row">Граждан уведомлено</th><td>${f.notified}</td></tr>
    <tr><th scope="row">Анкет заполнено</th><td>${f.completed}</td></tr>
  </tbody></table>
</section>`}
<section aria-labelledby="trend-heading"><h2 id="trend-heading">Динамика</h2>${trendChart('Удовлетворённость по кварталам', trend)}</section>
<section aria-labelledby="comments-heading">
  <h2 id="comments-heading">Комментарии граждан</h2>
  <p class="note">Персональные данные в тексте скрыты; без даты и в случайном порядке; не показываются, пока ответов меньше ${config.reportMinResponses}.</p>
  ${comments.comments.length > 0
    ? html`<ul class="comments" id="comments">${comments.comments.map((c) => html`<li>${c.text}</li>`)}</ul>`
    : html`<p>Комментариев за ${periodLabel(period)} нет или они ещё не могут быть показаны.</p>`}
  ${comments.nextCursor && html`<p><a href="/cabinet/organizations/${code}?period=${period}&comments=${encodeURIComponent(comments.nextCursor)}#comments-heading">Следующие комментарии</a></p>`}
</section>`);
  }

  registerPosterRoutes(app, viewerOf);

  function hrefFor(groupBy: GroupBy, key: Partial<Record<string, string>>, period: Period): string | undefined {
    if (groupBy === 'organization' && key.organization) return `/cabinet/organizations/${encodeURIComponent(key.organization)}?period=${period}`;
    if (groupBy === 'region' && key.region) return `/cabinet?period=${period}&region=${key.region}`;
    return undefined;
  }
}

function periodForm(period: Period, region?: string, action = '/cabinet'): SafeHtml {
  const now = new Date();
  const periods = recentPeriods();
  return html`<form class="filters" method="get" action="${action}">
  ${region && html`<input type="hidden" name="region" value="${region}">`}
  <div><label for="period">Квартал</label>
  <select id="period" name="period">${periods.map((p) => html`<option value="${p}"${p === period ? html` selected` : ''}>${periodLabel(p)}${p === currentPeriod(now) ? ' (текущий)' : ''}</option>`)}</select></div>
  <button type="submit">Показать</button>
</form>`;
}

function summaryCards(rows: { name: string; coverage: number | null; satisfaction: number | null; responses: number; suppressed: boolean }[], final: boolean, period: Period): SafeHtml {
  return html`<div class="cards">${rows.map((r) => html`
  <div class="card"><p class="label">Охват, ${periodLabel(period)}${final ? '' : ', текущий'}</p><p class="value">${number(r.coverage)} %</p><p class="label">цель 40 %</p></div>
  <div class="card"><p class="label">Удовлетворённость, ${periodLabel(period)}${final ? '' : ', текущая'}</p><p class="value">${r.suppressed ? '—' : number(r.satisfaction)}</p><p class="label">цель 4,5; ответов ${r.responses}</p></div>`)}
</div>`;
}

/** A row as the reports give it: FigureRow's figures with its key, and the markers older rows may lack. */
type ReportRow = Omit<FigureRow, 'href' | 'lowResponses' | 'growth'> & {
  key: Partial<Record<string, string>>;
  lowResponses?: boolean;
  growth?: FigureRow['growth'];
};

function figureRow(r: ReportRow, href?: string): FigureRow {
  return {
    name: r.name,
    href,
    notified: r.notified,
    completed: r.completed,
    coverage: r.coverage,
    responses: r.responses,
    satisfaction: r.satisfaction,
    ci: r.ci,
    suppressed: r.suppressed,
    lowResponses: r.lowResponses ?? r.suppressed,
    growth: { quarterly: r.growth?.quarterly ?? null, yearly: r.growth?.yearly ?? null },
  };
}

function sortRows(rows: FigureRow[], sort: SortState): FigureRow[] {
  const value = (r: FigureRow): string | number | null => (sort.key === 'name' ? r.name : (r[sort.key as 'coverage' | 'satisfaction' | 'responses'] ?? null));
  const sign = sort.dir === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = value(a);
    const y = value(b);
    if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1; // missing values last either way
    return sign * (typeof x === 'string' ? x.localeCompare(String(y), 'ru') : x - (y as number));
  });
}

/** An export row with Russian headers; numbers stay numbers (XLSX cells), CSV writes them with decimal commas. */
function exportRow(r: FigureRow, period: Period, final: boolean): Record<string, string | number | null> {
  return {
    'Наименование': r.name,
    'Квартал': period,
    'Итог': final ? 'окончательный' : 'текущий',
    'Уведомлено': r.notified,
    'Ответили': r.completed,
    'Охват, %': r.coverage,
    'Удовлетворённость': r.suppressed ? null : r.satisfaction,
    'ДИ 95 % от': r.ci?.[0] ?? null,
    'ДИ 95 % до': r.ci?.[1] ?? null,
    'Ответов': r.responses,
    'Мало ответов': r.lowResponses ? 'да' : 'нет',
    'Рост к прошлому кварталу': r.growth.quarterly ?? '',
    'Рост к году': r.growth.yearly ?? '',
  };
}

/** Decimal commas, as a Russian-locale spreadsheet reads numbers from CSV. */
function russianNumbers(row: Record<string, string | number | null>): Record<string, string | number | null> {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'number' && !Number.isInteger(v) ? String(v).replace('.', ',') : v]));
}

async function xlsx(sheet: string, rows: Record<string, string | number | null>[]): Promise<Buffer> {
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.Workbook();
  const ws = workbook.addWorksheet(sheet.slice(0, 31));
  const columns = Object.keys(rows[0] ?? { 'Наименование': '' });
  ws.columns = columns.map((header) => ({ header, key: header, width: Math.max(12, Math.min(60, header.length + 4)) }));
  ws.getRow(1).font = { bold: true };
  ws.views = [{ state: 'frozen', ySplit: 1 }];
  for (const row of rows) ws.addRow(row);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

function recentPeriods(): Period[] {
  const now = currentPeriod(new Date());
  return Array.from({ length: 8 }, (_, i) => shiftPeriod(now, -i));
}

/** Only a path inside the cabinet, never another site. */
function safeReturnTo(value: string | undefined): string {
  return value && /^\/cabinet(?:[/?#]|$)/.test(value) && !value.startsWith('//') ? value : '/cabinet';
}
