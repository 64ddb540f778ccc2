/**
 * The public page of an organisation (`/o/<code>`), which the poster's QR code opens
 * (Regulation II.7а, informing citizens): how an invited citizen gets the link to the
 * questionnaire, and the organisation's latest FINAL quarter figures. Published figures
 * follow the small-numbers rule as a head of organisation's own view does (DESIGN §6: "in
 * anything published"): below REPORT_MIN_RESPONSES responses nothing is shown. A quarter
 * still being counted is never shown, nor comments, nor anything about a person.
 * No sign-in; rate limited per address and under the citizen pages' CSP, like them.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { COVERAGE_TARGET, SATISFACTION_TARGET } from '../../domain/indicators';
import { currentPeriod, type Period } from '../../domain/periods';
import type { Principal } from '../../domain/scope';
import { number, periodLabel } from '../../cabinet/views';
import { html, page, type SafeHtml } from '../../web/html';

const HTML = 'text/html; charset=utf-8';
/** The citizen pages' headers (CSP, no caching), rate limit, and Russian error pages. */
const PUBLIC_PAGE = { citizen: true, page: true, rateLimit: {} } as const;

const RESPONSES = Object.fromEntries(
  Object.entries({
    200: 'the page',
    400: 'a malformed request',
    404: 'no such organisation',
    429: 'too many requests from this address (Retry-After)',
    500: 'an error on our side',
    503: 'the database is unavailable (Retry-After)',
  }).map(([status, description]) => [status, { description, content: { 'text/html': { schema: z.string() } } }]),
);

/** Published figures: one organisation's final quarter, as its principal would see them (suppressed below the threshold). */
export interface PublishedFigures {
  period: Period;
  responses: number;
  coverage: number | null;
  satisfaction: number | null;
  ci: [number, number] | null;
  /** Fewer responses than the threshold: nothing is published. */
  suppressed: boolean;
}

/**
 * The principal the public page reads reports as: the organisation's own scope and role,
 * so small numbers are suppressed (`seesLowResponses` is false for it) and only whole
 * released blocks of an unfinished quarter would show (the page asks for final ones only).
 */
function publicReader(code: string): Principal {
  return { keyId: `public-page:${code}`, name: 'public page', role: 'organization', integratorId: null, regions: [], sectors: [], organizationCode: code };
}

const routes: FastifyPluginAsyncZod = async (app) => {
  const { db, reports, config } = app.deps;

  app.get('/o/:code', {
    config: PUBLIC_PAGE,
    schema: {
      tags: ['citizens'],
      operationId: 'organizationPublicPage',
      summary: 'The public page of an organisation (the poster\'s QR code): how to get the questionnaire, and its latest final figures when not suppressed',
      params: z.object({ code: z.string().max(200) }),
      produces: ['text/html'],
      response: RESPONSES,
    },
  }, async (request, reply) => {
    const { code } = request.params;
    const org = /^[\w-]{1,64}$/.test(code)
      ? await db.organization.findUnique({ where: { code }, include: { type: true, region: true } })
      : null;
    if (!org) return reply.code(404).type(HTML).send(unknownPage());
    const latest = await db.indicatorSnapshot.findFirst({
      where: { organizationId: org.id, final: true, period: { lt: currentPeriod(new Date()) } },
      orderBy: { period: 'desc' },
      select: { period: true },
    });
    let figures: PublishedFigures | null = null;
    if (latest) {
      const report = await reports.indicators(publicReader(org.code), { period: latest.period, groupBy: 'organization', filters: { organization: org.code } });
      const row = report.rows[0];
      if (report.final && row) {
        figures = { period: latest.period, responses: row.responses, coverage: row.coverage, satisfaction: row.satisfaction, ci: row.ci, suppressed: row.suppressed };
      }
    }
    return reply.type(HTML).send(organizationPage({ name: org.name, typeName: org.type.name, regionName: org.region.name }, figures, config.reportMinResponses));
  });
};

export function organizationPage(org: { name: string; typeName: string; regionName: string }, figures: PublishedFigures | null, minResponses: number): string {
  return page({
    title: org.name,
    body: html`<h1>${org.name}</h1>
<p>${org.typeName}, ${org.regionName}</p>
<section class="card" aria-labelledby="how">
<h2 id="how">Как оценить качество услуг</h2>
<p>Организация участвует в оценке качества услуг на портале «Госуслуги». После того как вы получили услугу, организация передаёт сведения о ней на портал, и вам приходит персональная ссылка на анкету:</p>
<ul>
<li>письмом на адрес электронной почты, указанный в личном кабинете портала «Госуслуги», — в течение четырёх дней;</li>
<li>в личном кабинете портала «Госуслуги» (где портал подключён) — не позднее трёх дней.</li>
</ul>
<p>Ссылка действует один месяц после получения услуги. Если услуга длительная, ссылка действует всё время её получения, а приглашение приходит не реже раза в полугодие.</p>
<p>Анкета короткая и анонимная: семь вопросов с оценкой от 1 до 5 и комментарий по желанию. Организация не узнает, кто именно ответил. Участие добровольное.</p>
<p>Оценить услугу можно, если у вас подтверждённая учётная запись портала «Госуслуги». За ребёнка до 18 лет отвечает родитель или законный представитель. Ответить можно только по персональной ссылке: на этой странице анкеты нет.</p>
</section>
<section class="card" aria-labelledby="results">
<h2 id="results">Итоги оценки</h2>
${figuresBlock(figures, minResponses)}
<p class="hint">Итоги квартала подводятся после его окончания; показатели текущего квартала здесь не публикуются.</p>
</section>`,
  });
}

function figuresBlock(figures: PublishedFigures | null, minResponses: number): SafeHtml {
  if (!figures) return html`<p>Итоги ещё не подведены: показатели публикуются после окончания квартала, в котором были ответы.</p>`;
  if (figures.suppressed) {
    return html`<p>За ${periodLabel(figures.period)} г. показатели пока не публикуются: ответов меньше ${minResponses}, а по столь немногим ответам нельзя показать итоги, не раскрыв, кто как ответил.</p>`;
  }
  return html`<p>${periodLabel(figures.period)} г., окончательные значения:</p>
<dl class="facts" id="figures">
<dt>Удовлетворённость качеством услуг</dt>
<dd>${number(figures.satisfaction)} из 5 <span class="org-type">целевое значение ${number(SATISFACTION_TARGET, 1)}${figures.ci && html`; с вероятностью 95 % — от ${number(figures.ci[0])} до ${number(figures.ci[1])}`}</span></dd>
<dt>Охват оценкой</dt>
<dd>${number(figures.coverage, 1)} % <span class="org-type">целевое значение ${COVERAGE_TARGET} %; доля заполненных анкет среди направленных приглашений</span></dd>
<dt>Число ответов</dt>
<dd>${figures.responses}</dd>
</dl>`;
}

function unknownPage(): string {
  return page({
    title: 'Организация не найдена',
    body: html`<h1>Организация не найдена</h1>
<p>Такой организации нет среди участников оценки. Проверьте адрес или отсканируйте QR-код на плакате ещё раз.</p>`,
  });
}

export default routes;
