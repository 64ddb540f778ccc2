/**
 * The cabinet's poster routes (Regulation II.7а): `/cabinet/poster.pdf` and `/cabinet/qr.svg`.
 * A head of organisation gets its own; a federal, sector, region or admin participant any
 * organisation in its scope with `?organization=<code>`; anything else is a 403 page.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../domain/scope';
import { html, type SafeHtml } from '../web/html';
import { posterOrganization, posterPdf, publicPageUrl, qrSvg, type PosterOrganization } from './poster';
import { layout, type Viewer } from './views';

type ViewerOf = (request: FastifyRequest, reply: FastifyReply) => Promise<{ principal: Principal; viewer: Viewer } | null>;

/** The links to the poster, the QR code and the public page, for an organisation's page in the cabinet. */
export function posterLinks(code: string, own: boolean): SafeHtml {
  const query = own ? '' : `?organization=${encodeURIComponent(code)}`;
  return html`<section aria-labelledby="poster-heading">
  <h2 id="poster-heading">Информирование граждан</h2>
  <p>Плакат для посетителей рассказывает, как гражданин получит ссылку на анкету, и ведёт QR-кодом на публичную страницу организации (Положение, п. II.7а).</p>
  <p class="exports"><a href="/cabinet/poster.pdf${query}" download>Плакат (PDF, A4)</a> <a href="/cabinet/qr.svg${query}" download>QR-код (SVG)</a> <a href="/o/${code}">Публичная страница</a></p>
</section>`;
}

export function registerPosterRoutes(app: FastifyInstance, viewerOf: ViewerOf): void {
  const { db, config } = app.deps;

  /** The organisation whose poster this participant asked for, or a refusal page already sent. */
  async function target(request: FastifyRequest, reply: FastifyReply): Promise<PosterOrganization | null> {
    const who = await viewerOf(request, reply);
    if (!who) return null;
    const requested = (request.query as { organization?: unknown }).organization;
    const found = await posterOrganization(db, who.principal, typeof requested === 'string' ? requested : undefined);
    if (found.ok) return found.organization;
    const title = found.status === 403 ? 'Нет доступа' : 'Нет такой организации';
    const text = found.status === 403 ? 'Эта организация вне области, доступной вашей учётной записи.' : 'Укажите организацию: ?organization=<код>.';
    await reply.code(found.status).type('text/html; charset=utf-8').send(layout(title, who.viewer, html`<h1>${title}</h1><p>${text}</p><p><a href="/cabinet">К обзору</a></p>`));
    return null;
  }

  app.get('/cabinet/poster.pdf', async (request, reply) => {
    const org = await target(request, reply);
    if (!org) return reply;
    const pdf = await posterPdf(org, publicPageUrl(config.publicBaseUrl, org.code));
    return reply.type('application/pdf').header('content-disposition', `attachment; filename="poster-${org.code}.pdf"`).send(pdf);
  });

  app.get('/cabinet/qr.svg', async (request, reply) => {
    const org = await target(request, reply);
    if (!org) return reply;
    const svg = await qrSvg(publicPageUrl(config.publicBaseUrl, org.code));
    return reply.type('image/svg+xml; charset=utf-8').header('content-disposition', `attachment; filename="qr-${org.code}.svg"`).send(svg);
  });
}
