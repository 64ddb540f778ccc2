/**
 * The administrators' pages of the cabinet (issue: participants and their scopes, API keys,
 * scoring runs, the audit). Only a national `admin` participant reaches them. Every change
 * is a POST form with the CSRF token and is recorded as an audit event naming the
 * participant; a new or rotated key is shown once, on the page that answers the form, and
 * is never stored in plain text.
 */
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { SECTORS } from '../../prisma/reference-data';
import { comparePeriods, isPeriod, lastFinishedPeriod } from '../domain/periods';
import { problemStatus } from '../domain/error-codes';
import { adminRegions, ROLES, scopeProblem, type Principal, type RoleName } from '../domain/scope';
import { createApiKey, DEFAULT_OVERLAP_HOURS, integratorCodeProblem, listApiKeys, revokeApiKey, rotateApiKey } from '../keys';
import { actorOf, importOrganizations, IMPORT_COLUMNS, setOrganizationActive, setRegionTypes, type Refusal } from '../services/organizations';
import { html, type SafeHtml } from '../web/html';
import { audit, listAudit, type Actor } from '../services/audit';
import { createParticipant, deactivateParticipant, listParticipants, participantProblem } from './participants';
import { layout, ROLE_NAMES, type Viewer } from './views';

export interface AdminContext {
  viewerOf(request: FastifyRequest, reply: FastifyReply): Promise<{ principal: Principal; viewer: Viewer } | null>;
  page(reply: FastifyReply, status: number, body: string): FastifyReply;
}

/** An import file: 10,000 rows of about 75 bytes, with room. */
const IMPORT_FILE_LIMIT = 5 * 1024 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ZList = z.union([z.string(), z.array(z.string())]).optional().transform((v) => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).filter(Boolean)));
const ZParticipantForm = z.object({
  name: z.string().max(300),
  role: z.enum(ROLES).refine((r) => r !== 'integrator' && r !== 'portal', 'a participant is never an integrator or the portal'),
  region: z.string().max(2).optional().transform((v) => v || undefined),
  sector: ZList,
  organization: z.string().max(64).optional().transform((v) => v || undefined),
  subject: z.string().max(300).optional().transform((v) => v?.trim() || undefined),
  email: z.string().max(300).optional().transform((v) => v?.trim().toLowerCase() || undefined),
});
const ZKeyForm = z.object({
  name: z.string().max(300).optional().transform((v) => v?.trim() || undefined),
  role: z.enum(ROLES),
  integrator: z.string().max(200).optional().transform((v) => v?.trim() || undefined),
  region: z.string().max(2).optional().transform((v) => v || undefined),
  sector: ZList,
  organization: z.string().max(64).optional().transform((v) => v || undefined),
});

export async function adminRoutes(app: FastifyInstance, ctx: AdminContext): Promise<void> {
  const { db, scoring } = app.deps;

  /**
   * The signed-in administrator, or a 403 page (and null): a national one for everything, a
   * region's administrator (`--region`) for its organisations only (`regional`).
   */
  async function adminOf(request: FastifyRequest, reply: FastifyReply, options: { regional?: boolean } = {}) {
    const who = await ctx.viewerOf(request, reply);
    if (!who) return null;
    const national = who.principal.regions.length === 0 && who.principal.sectors.length === 0;
    if (who.principal.role !== 'admin' || (!national && !options.regional)) {
      ctx.page(reply, 403, layout('Нет доступа', who.viewer, html`<h1>Нет доступа</h1><p>Раздел для администраторов.</p>`));
      return null;
    }
    const actor: Actor = { id: who.principal.keyId, label: who.principal.name };
    return { ...who, actor };
  }

  const adminPage = (viewer: Viewer, title: string, body: SafeHtml) =>
    layout(title, viewer, html`<p><a href="/cabinet/admin">Администрирование</a></p><h1>${title}</h1>${body}`);

  const regionsAndTypes = () => db.region.findMany({ orderBy: { code: 'asc' } });

  app.get('/cabinet/admin', async (request, reply) => {
    const who = await adminOf(request, reply, { regional: true });
    if (!who) return reply;
    const national = adminRegions(who.principal) === null;
    return ctx.page(reply, 200, layout('Администрирование', who.viewer, html`<h1>Администрирование</h1>
<ul>
  <li><a href="/cabinet/admin/organizations">Организации и типы, участвующие в регионе</a></li>
  ${national && html`<li><a href="/cabinet/admin/participants">Участники и их области</a></li>
  <li><a href="/cabinet/admin/keys">Интеграторы и ключи API</a></li>
  <li><a href="/cabinet/admin/scoring">Расчёты показателей</a></li>
  <li><a href="/cabinet/admin/audit">Журнал действий администраторов</a></li>`}
</ul>`));
  });

  // --- organisations and the types each region takes part with -------------------------------

  await app.register(multipart, { attachFieldsToBody: 'keyValues', limits: { files: 1, fileSize: IMPORT_FILE_LIMIT, fields: 5 } });

  async function organizationsPage(who: { principal: Principal; viewer: Viewer }, region: string | undefined, notice: SafeHtml | null, status: number, reply: FastifyReply) {
    const managed = adminRegions(who.principal);
    const regions = (await db.region.findMany({ orderBy: { code: 'asc' } })).filter((r) => managed === null || managed.includes(r.code));
    const chosen = regions.find((r) => r.code === region) ?? regions[0];
    if (!chosen) return ctx.page(reply, 403, adminPage(who.viewer, 'Организации', html`<p>Нет регионов в вашем ведении.</p>`));
    const [orgs, types, taking] = await Promise.all([
      db.organization.findMany({ where: { regionCode: chosen.code }, include: { type: true }, orderBy: { code: 'asc' } }),
      db.organizationType.findMany({ orderBy: { code: 'asc' } }),
      db.regionOrganizationType.findMany({ where: { regionCode: chosen.code } }),
    ]);
    const takes = new Set(taking.map((t) => t.typeCode));
    const csrf = who.viewer.csrfToken;
    return ctx.page(reply, status, adminPage(who.viewer, 'Организации', html`
${notice}
<form class="filters" method="get" action="/cabinet/admin/organizations">
  <div><label for="o-region">Регион</label><select id="o-region" name="region">${regions.map((r) => html`<option value="${r.code}"${r.code === chosen.code ? html` selected` : ''}>${r.name} (${r.code})</option>`)}</select></div>
  <button type="submit">Показать</button>
</form>
<h2 id="types-heading">Типы организаций, участвующие в эксперименте: ${chosen.name}</h2>
<form method="post" action="/cabinet/admin/regions/${chosen.code}/types" aria-labelledby="types-heading" class="stacked">
  <input type="hidden" name="_csrf" value="${csrf}">
  <fieldset><legend>Участвуют</legend>${types.map((t) => html`<label class="inline"><input type="checkbox" name="type" value="${t.code}"${takes.has(t.code) ? html` checked` : ''}> ${t.name}</label>`)}</fieldset>
  <button type="submit">Сохранить типы</button>
</form>
<table id="organizations"><caption>Организации: ${chosen.name}</caption>
<thead><tr><th scope="col">Код</th><th scope="col">Наименование</th><th scope="col">Тип</th><th scope="col">Учредитель</th><th scope="col">Состояние</th><th scope="col">Действие</th></tr></thead>
<tbody>${orgs.map((o) => html`<tr>
  <td>${o.code}</td><th scope="row">${o.name}</th><td>${o.type.name}</td><td>${FOUNDER_NAMES[o.founderLevel]}</td>
  <td>${o.deactivatedAt ? `отключена с ${o.deactivatedAt.toISOString().slice(0, 10)}` : 'участвует'}</td>
  <td><form method="post" action="/cabinet/admin/organizations/${o.code}/${o.deactivatedAt ? 'reactivate' : 'deactivate'}"><input type="hidden" name="_csrf" value="${csrf}"><button type="submit" aria-label="${o.deactivatedAt ? 'Вернуть' : 'Отключить'}: ${o.name}">${o.deactivatedAt ? 'Вернуть' : 'Отключить'}</button></form></td>
</tr>`)}</tbody></table>
<p class="note">Отключённая организация не принимает новых сведений об услугах; её прежние сведения, ответы и показатели сохраняются.</p>
<h2 id="import-heading">Загрузить организации из CSV</h2>
<form method="post" action="/cabinet/admin/organizations/import" enctype="multipart/form-data" aria-labelledby="import-heading" class="stacked">
  <input type="hidden" name="_csrf" value="${csrf}">
  <p class="note">Первая строка — заголовок со столбцами ${IMPORT_COLUMNS.join(', ')} в любом порядке; разделитель «,» или «;»; UTF-8. Сначала проверяется каждая строка: если хоть одна неверна, не сохраняется ничего.</p>
  <label for="o-file">Файл CSV</label><input id="o-file" name="file" type="file" accept=".csv,text/csv" required>
  <button type="submit">Загрузить</button>
</form>`));
  }

  app.get('/cabinet/admin/organizations', async (request, reply) => {
    const who = await adminOf(request, reply, { regional: true });
    if (!who) return reply;
    const region = (request.query as { region?: unknown }).region;
    return organizationsPage(who, typeof region === 'string' ? region : undefined, null, 200, reply);
  });

  /** A refusal of the organisations service as a notice on the organisations page. */
  const refusalNotice = (r: Refusal) => html`<div class="error" role="alert"><p>${REFUSALS[r.problem]}</p>${r.errors && r.errors.length > 0 && html`<table id="import-errors"><caption>Ошибки</caption><thead><tr><th scope="col">Где</th><th scope="col">Код</th><th scope="col">Что не так</th></tr></thead><tbody>${r.errors.map((e) => html`<tr><td>${placeOf(e.path)}</td><td><code>${e.code}</code></td><td>${e.message}</td></tr>`)}</tbody></table>`}</div>`;

  app.post('/cabinet/admin/organizations/import', { preHandler: app.csrfProtection }, async (request, reply) => {
    const who = await adminOf(request, reply, { regional: true });
    if (!who) return reply;
    const file = (request.body as { file?: unknown } | undefined)?.file;
    const csv = Buffer.isBuffer(file) ? file.toString('utf8') : typeof file === 'string' ? file : '';
    const outcome = await importOrganizations(db, actorOf(who.principal), who.principal, csv);
    if (!outcome.ok) return organizationsPage(who, undefined, refusalNotice(outcome), problemStatus(outcome.problem), reply);
    return organizationsPage(who, undefined, html`<p class="shown-once" role="status">Загружено: новых ${outcome.created}, обновлено ${outcome.updated}.</p>`, 200, reply);
  });

  app.post('/cabinet/admin/organizations/:code/:action', { preHandler: app.csrfProtection }, async (request, reply) => {
    const who = await adminOf(request, reply, { regional: true });
    if (!who) return reply;
    const { code, action } = request.params as { code: string; action: string };
    if (action !== 'deactivate' && action !== 'reactivate') return ctx.page(reply, 404, adminPage(who.viewer, 'Организации', html`<p>Нет такого действия.</p>`));
    const outcome = await setOrganizationActive(db, actorOf(who.principal), who.principal, { code, active: action === 'reactivate' });
    if (!outcome.ok) return organizationsPage(who, undefined, refusalNotice(outcome), problemStatus(outcome.problem), reply);
    return reply.redirect(`/cabinet/admin/organizations?region=${outcome.organization.region}`, 303);
  });

  app.post('/cabinet/admin/regions/:region/types', { preHandler: app.csrfProtection }, async (request, reply) => {
    const who = await adminOf(request, reply, { regional: true });
    if (!who) return reply;
    const { region } = request.params as { region: string };
    const picked = (request.body as { type?: unknown } | undefined)?.type;
    const types = (Array.isArray(picked) ? picked : picked === undefined ? [] : [picked]).map(String);
    const outcome = await setRegionTypes(db, actorOf(who.principal), who.principal, { region, types });
    if (!outcome.ok) return organizationsPage(who, region, refusalNotice(outcome), problemStatus(outcome.problem), reply);
    return reply.redirect(`/cabinet/admin/organizations?region=${region}`, 303);
  });

  // --- participants ---------------------------------------------------------------------

  async function participantsPage(viewer: Viewer, csrf: string, notice: SafeHtml | null, status = 200, reply: FastifyReply) {
    const [people, regions] = await Promise.all([listParticipants(db), regionsAndTypes()]);
    return ctx.page(reply, status, adminPage(viewer, 'Участники', html`
${notice}
<table id="participants"><caption>Зарегистрированные участники</caption>
<thead><tr><th scope="col">Имя</th><th scope="col">Роль</th><th scope="col">Область</th><th scope="col">Учётная запись</th><th scope="col">Последний вход</th><th scope="col">Состояние</th></tr></thead>
<tbody>${people.map((p) => html`<tr>
  <th scope="row">${p.name}</th><td>${ROLE_NAMES[p.role]}</td><td>${scopeText(p)}</td><td>${p.subject ?? ''}${p.subject && p.email ? ', ' : ''}${p.email ?? ''}</td>
  <td>${p.lastSignInAt ? p.lastSignInAt.toISOString().slice(0, 16).replace('T', ' ') : 'не входил'}</td>
  <td>${p.deactivatedAt ? 'отключён' : html`<form method="post" action="/cabinet/admin/participants/${p.id}/deactivate"><input type="hidden" name="_csrf" value="${csrf}"><button type="submit" aria-label="Отключить: ${p.name}">Отключить</button></form>`}</td>
</tr>`)}</tbody></table>
<h2 id="add-heading">Добавить участника</h2>
<form method="post" action="/cabinet/admin/participants" aria-labelledby="add-heading" class="stacked">
  <input type="hidden" name="_csrf" value="${csrf}">
  <label for="p-name">Имя или наименование органа</label><input id="p-name" name="name" required>
  <label for="p-role">Роль</label><select id="p-role" name="role">${(['federal', 'sector', 'region', 'organization', 'admin'] as RoleName[]).map((r) => html`<option value="${r}">${ROLE_NAMES[r]}</option>`)}</select>
  <label for="p-region">Регион (для органа субъекта)</label><select id="p-region" name="region"><option value="">—</option>${regions.map((r) => html`<option value="${r.code}">${r.name} (${r.code})</option>`)}</select>
  <fieldset><legend>Сферы (для отраслевого органа)</legend>${SECTORS.map((s) => html`<label class="inline"><input type="checkbox" name="sector" value="${s}"> ${s}</label>`)}</fieldset>
  <label for="p-org">Код организации (для руководителя)</label><input id="p-org" name="organization">
  <label for="p-subject">Идентификатор у поставщика удостоверений (sub)</label><input id="p-subject" name="subject">
  <label for="p-email">или подтверждённый адрес электронной почты</label><input id="p-email" name="email" type="email">
  <button type="submit">Добавить</button>
</form>`));
  }

  app.get('/cabinet/admin/participants', async (request, reply) => {
    const who = await adminOf(request, reply);
    if (!who) return reply;
    return participantsPage(who.viewer, who.viewer.csrfToken, null, 200, reply);
  });

  app.post('/cabinet/admin/participants', { preHandler: app.csrfProtection }, async (request, reply) => {
    const who = await adminOf(request, reply);
    if (!who) return reply;
    const form = ZParticipantForm.safeParse(request.body);
    const spec = form.success
      ? { name: form.data.name.trim(), role: form.data.role as Exclude<RoleName, 'integrator' | 'portal'>, regions: form.data.region ? [form.data.region] : [], sectors: form.data.sector, organizationCode: form.data.organization ?? null, subject: form.data.subject ?? null, email: form.data.email ?? null }
      : null;
    const problem = spec ? participantProblem(spec) ?? (await unknownScope(spec.regions, spec.organizationCode)) : 'форма заполнена неверно';
    if (problem || !spec) return participantsPage(who.viewer, who.viewer.csrfToken, html`<p class="error" role="alert">Не добавлено: ${problem}</p>`, 422, reply);
    try {
      await createParticipant(db, spec, who.actor);
    } catch (err) {
      if ((err as { code?: string }).code !== 'P2002') throw err;
      return participantsPage(who.viewer, who.viewer.csrfToken, html`<p class="error" role="alert">Не добавлено: участник с этим идентификатором или адресом уже есть.</p>`, 409, reply);
    }
    return reply.redirect('/cabinet/admin/participants', 303);
  });

  app.post('/cabinet/admin/participants/:id/deactivate', { preHandler: app.csrfProtection }, async (request, reply) => {
    const who = await adminOf(request, reply);
    if (!who) return reply;
    const { id } = request.params as { id: string };
    if (UUID.test(id)) await deactivateParticipant(db, id, who.actor);
    return reply.redirect('/cabinet/admin/participants', 303);
  });

  // --- integrators and API keys ----------------------------------------------------------

  async function keysPage(viewer: Viewer, notice: SafeHtml | null, status: number, reply: FastifyReply) {
    const [keys, regions] = await Promise.all([listApiKeys(db), regionsAndTypes()]);
    const now = new Date();
    const csrf = viewer.csrfToken;
    return ctx.page(reply, status, adminPage(viewer, 'Ключи API', html`
${notice}
<table id="keys"><caption>Ключи (сам ключ хранится только в виде хеша)</caption>
<thead><tr><th scope="col">Название</th><th scope="col">Роль</th><th scope="col">Интегратор</th><th scope="col">Область</th><th scope="col">Ключ</th><th scope="col">Последнее использование</th><th scope="col">Состояние</th><th scope="col">Действия</th></tr></thead>
<tbody>${keys.map((k) => {
      const working = !k.revokedAt && (!k.expiresAt || k.expiresAt > now);
      return html`<tr>
  <th scope="row">${k.name}</th><td>${ROLE_NAMES[k.role]}</td><td>${k.integrator?.code ?? ''}</td><td>${scopeText(k)}</td><td><code>${k.prefix}…</code></td>
  <td>${k.lastUsedAt ? k.lastUsedAt.toISOString().slice(0, 16).replace('T', ' ') : 'не использовался'}</td>
  <td>${k.revokedAt ? 'отозван' : k.expiresAt ? `${k.expiresAt > now ? 'действует до' : 'истёк'} ${k.expiresAt.toISOString().slice(0, 16).replace('T', ' ')}` : 'действует'}</td>
  <td>${working && html`<form method="post" action="/cabinet/admin/keys/${k.id}/rotate"><input type="hidden" name="_csrf" value="${csrf}"><button type="submit" aria-label="Заменить ключ: ${k.name}">Заменить (старый действует ${DEFAULT_OVERLAP_HOURS} ч)</button></form>
    <form method="post" action="/cabinet/admin/keys/${k.id}/revoke"><input type="hidden" name="_csrf" value="${csrf}"><button type="submit" aria-label="Отозвать ключ: ${k.name}">Отозвать</button></form>`}</td>
</tr>`;
    })}</tbody></table>
<h2 id="issue-heading">Выпустить ключ</h2>
<form method="post" action="/cabinet/admin/keys" aria-labelledby="issue-heading" class="stacked">
  <input type="hidden" name="_csrf" value="${csrf}">
  <label for="k-role">Роль</label><select id="k-role" name="role">${ROLES.map((r) => html`<option value="${r}">${ROLE_NAMES[r]}</option>`)}</select>
  <label for="k-integrator">Код интегратора (для интегратора)</label><input id="k-integrator" name="integrator">
  <label for="k-name">Название ключа</label><input id="k-name" name="name">
  <label for="k-region">Регион</label><select id="k-region" name="region"><option value="">—</option>${regions.map((r) => html`<option value="${r.code}">${r.name} (${r.code})</option>`)}</select>
  <fieldset><legend>Сферы</legend>${SECTORS.map((s) => html`<label class="inline"><input type="checkbox" name="sector" value="${s}"> ${s}</label>`)}</fieldset>
  <label for="k-org">Код организации (для руководителя)</label><input id="k-org" name="organization">
  <button type="submit">Выпустить</button>
</form>`));
  }

  const shownOnce = (key: string, what: string) => html`<div class="shown-once" role="status"><p><strong>${what}</strong> Скопируйте его сейчас: он показан один раз и нигде не хранится.</p><p><code id="new-key">${key}</code></p></div>`;

  app.get('/cabinet/admin/keys', async (request, reply) => {
    const who = await adminOf(request, reply);
    if (!who) return reply;
    return keysPage(who.viewer, null, 200, reply);
  });

  app.post('/cabinet/admin/keys', { preHandler: app.csrfProtection }, async (request, reply) => {
    const who = await adminOf(request, reply);
    if (!who) return reply;
    const form = ZKeyForm.safeParse(request.body);
    if (!form.success) return keysPage(who.viewer, html`<p class="error" role="alert">Не выпущен: форма заполнена неверно.</p>`, 422, reply);
    const f = form.data;
    const spec = { role: f.role, name: f.name ?? f.integrator ?? '', regions: f.region ? [f.region] : [], sectors: f.sector, organizationCode: f.organization ?? null, ...(f.role === 'integrator' && f.integrator ? { integrator: f.integrator } : {}) };
    const problem = !spec.name
      ? 'нужно название ключа'
      : (f.role === 'integrator' ? (f.integrator ? integratorCodeProblem(f.integrator) : 'ключу интегратора нужен код интегратора') : null) ??
        scopeProblem(spec.role, spec) ??
        (await unknownScope(spec.regions, spec.organizationCode));
    if (problem) return keysPage(who.viewer, html`<p class="error" role="alert">Не выпущен: ${problem}</p>`, 422, reply);
    const { id, key } = await createApiKey(db, spec);
    await audit(db, who.actor, 'key.create', `key:${id}`, { role: spec.role, regions: spec.regions, sectors: spec.sectors, organizationCode: spec.organizationCode, integrator: spec.integrator ?? null });
    return keysPage(who.viewer, shownOnce(key, `Ключ «${spec.name}» выпущен.`), 201, reply);
  });

  app.post('/cabinet/admin/keys/:id/rotate', { preHandler: app.csrfProtection }, async (request, reply) => {
    const who = await adminOf(request, reply);
    if (!who) return reply;
    const { id } = request.params as { id: string };
    const rotated = UUID.test(id) ? await rotateApiKey(db, id, { overlapHours: DEFAULT_OVERLAP_HOURS }) : null;
    if (!rotated) return keysPage(who.viewer, html`<p class="error" role="alert">Ключ не заменён: он отозван, истёк или не найден.</p>`, 404, reply);
    await audit(db, who.actor, 'key.rotate', `key:${id}`, { newKey: rotated.id, oldExpiresAt: rotated.oldExpiresAt.toISOString() });
    return keysPage(who.viewer, shownOnce(rotated.key, `Новый ключ выпущен; прежний действует до ${rotated.oldExpiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC.`), 201, reply);
  });

  app.post('/cabinet/admin/keys/:id/revoke', { preHandler: app.csrfProtection }, async (request, reply) => {
    const who = await adminOf(request, reply);
    if (!who) return reply;
    const { id } = request.params as { id: string };
    if (UUID.test(id) && (await revokeApiKey(db, id))) await audit(db, who.actor, 'key.revoke', `key:${id}`, {});
    return reply.redirect('/cabinet/admin/keys', 303);
  });

  // --- scoring runs -------------------------------------------------------------------------

  app.get('/cabinet/admin/scoring', async (request, reply) => {
    const who = await adminOf(request, reply);
    if (!who) return reply;
    const runs = await db.scoringRun.findMany({ orderBy: { startedAt: 'desc' }, take: 100 });
    const finished = lastFinishedPeriod(new Date());
    return ctx.page(reply, 200, adminPage(who.viewer, 'Расчёты показателей', html`
<form method="post" action="/cabinet/admin/scoring" class="filters">
  <input type="hidden" name="_csrf" value="${who.viewer.csrfToken}">
  <div><label for="s-period">Пересчитать окончательные значения квартала</label><input id="s-period" name="period" value="${finished}" pattern="\\d{4}-Q[1-4]" required></div>
  <button type="submit">Пересчитать</button>
</form>
<table id="runs"><caption>Последние расчёты</caption>
<thead><tr><th scope="col">Квартал</th><th scope="col">Вид</th><th scope="col">Причина</th><th scope="col">Состояние</th><th scope="col">Начат</th><th scope="col">Организаций</th><th scope="col">Изменилось</th></tr></thead>
<tbody>${runs.map((r) => html`<tr><th scope="row">${r.period}</th><td>${r.final ? 'окончательный' : 'текущий'}</td><td>${r.trigger}</td><td>${r.status}${r.error ? ': ошибка' : ''}</td><td>${r.startedAt.toISOString().slice(0, 16).replace('T', ' ')}</td><td>${r.organizations ?? ''}</td><td>${r.changed ?? ''}</td></tr>`)}</tbody></table>`));
  });

  app.post('/cabinet/admin/scoring', { preHandler: app.csrfProtection }, async (request, reply) => {
    const who = await adminOf(request, reply);
    if (!who) return reply;
    const period = String((request.body as { period?: unknown } | undefined)?.period ?? '');
    if (!isPeriod(period) || comparePeriods(period, lastFinishedPeriod(new Date())) > 0) {
      return ctx.page(reply, 422, adminPage(who.viewer, 'Расчёты показателей', html`<p class="error" role="alert">Пересчитать можно только завершённый квартал, например ${lastFinishedPeriod(new Date())}.</p><p><a href="/cabinet/admin/scoring">Назад</a></p>`));
    }
    const workflowId = await scoring.recompute(period);
    await audit(db, who.actor, 'scoring.recompute', `period:${period}`, { workflowId });
    return reply.redirect('/cabinet/admin/scoring', 303);
  });

  // --- audit -----------------------------------------------------------------------------

  app.get('/cabinet/admin/audit', async (request, reply) => {
    const who = await adminOf(request, reply);
    if (!who) return reply;
    const events = await listAudit(db, 500);
    return ctx.page(reply, 200, adminPage(who.viewer, 'Журнал действий', html`
<table id="audit"><caption>Последние 500 действий администраторов (время UTC)</caption>
<thead><tr><th scope="col">Когда</th><th scope="col">Кто</th><th scope="col">Что</th><th scope="col">С чем</th><th scope="col">Подробности</th></tr></thead>
<tbody>${events.map((e) => html`<tr><td>${e.at.toISOString().slice(0, 19).replace('T', ' ')}</td><td>${e.actor}</td><th scope="row">${e.action}</th><td>${e.target ?? ''}</td><td><code>${JSON.stringify(e.detail)}</code></td></tr>`)}</tbody></table>`));
  });

  async function unknownScope(regions: string[], organizationCode: string | null): Promise<string | null> {
    if (regions.length > 0 && (await db.region.count({ where: { code: { in: regions } } })) !== regions.length) return 'неизвестный регион';
    if (organizationCode && !(await db.organization.findUnique({ where: { code: organizationCode } }))) return `нет организации с кодом ${organizationCode}`;
    return null;
  }
}

const FOUNDER_NAMES = { federal: 'федеральный', regional: 'региональный', municipal: 'муниципальный' } as const;
const REFUSALS: Record<Refusal['problem'], string> = {
  validation_failed: 'Не сохранено: в данных есть ошибки, ничего не изменено.',
  out_of_scope: 'Не сохранено: это вне регионов, которыми вы управляете.',
  not_found: 'Не найдено.',
};
/** Where an import error is, as a person reads it: `rows.3.type` is row 3, column type. */
function placeOf(path: string): string {
  const row = /^rows\.(\d+)(?:\.(\w+))?$/.exec(path);
  return row ? `строка ${row[1]}${row[2] ? `, столбец ${row[2]}` : ''}` : path;
}

function scopeText(p: { regions: string[]; sectors: string[]; organizationCode: string | null }): string {
  if (p.organizationCode) return `организация ${p.organizationCode}`;
  const parts = [p.regions.length ? `регион ${p.regions.join(', ')}` : '', p.sectors.length ? `сферы ${p.sectors.join(', ')}` : ''].filter(Boolean);
  return parts.length ? parts.join('; ') : 'вся Россия';
}
