/**
 * Citizens, HTML: the questionnaire page behind the link in the e-mail, which works without
 * JavaScript (form POST, then a thank-you page), the page that says why a link cannot be
 * used, and unsubscribing (a GET only asks; mail scanners follow links).
 */
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CURRENT_QUESTIONNAIRE, submissionFromForm } from '../../domain/questionnaire';
import type { LinkStatus, LinkView } from '../../services/questionnaires';
import { ASSET_CACHE_CONTROL, ASSETS } from '../../web/assets';
import { linkStatusPage, questionnairePage, thankYouPage, unsubscribePage } from '../../web/pages';
import { TOKEN_PAGE } from '../plugins/citizen-security';

/** Not a `ZText`: anything but a token's shape is an unknown link (404) before any look-up. */
const ZTokenParams = z.object({ token: z.string().max(200) });
/** Any fields: the questionnaire's own rules (`submissionFromForm`) answer with errors next to each field. */
const ZForm = z.record(z.string(), z.union([z.string(), z.array(z.string())]));
const HTML = 'text/html; charset=utf-8';

/**
 * The responses of a citizen page, all Russian HTML (errors too, never problem+json): the
 * statuses of its own outcomes plus what any page can answer (a malformed request, the
 * per-address rate limit, a failure, the database away).
 */
const PAGE_STATUSES = {
  200: 'the page',
  400: 'a malformed request',
  404: 'unknown link',
  409: 'already answered, or not open yet',
  410: 'closed or withdrawn',
  413: 'the form is too large',
  415: 'not a form',
  422: 'the form again, each error next to its field',
  429: 'too many requests from this address (Retry-After)',
  500: 'an error on our side',
  503: 'the database is unavailable (Retry-After)',
} as const;
type PageStatus = keyof typeof PAGE_STATUSES;
const ALWAYS: PageStatus[] = [400, 429, 500, 503];

function pageResponses(...statuses: (PageStatus | 303)[]) {
  return Object.fromEntries([
    ...[...statuses, ...ALWAYS].map((status) =>
      status === 303
        ? [303, z.void().describe('See Other: no body; the Location header names the page to show')]
        : [status, { description: PAGE_STATUSES[status], content: { 'text/html': { schema: z.string() } } }],
    ),
  ]);
}
const FORM_BODY_LIMIT = 32 * 1024;

/** HTTP status of the page for a link that cannot take an answer. */
const STATUS_CODE: Record<Exclude<LinkStatus, 'open'> | 'unknown', number> = {
  unknown: 404,
  closed: 410,
  withdrawn: 410,
  answered: 409,
  not_yet_active: 409,
};

const routes: FastifyPluginAsyncZod = async (app) => {
  const { questionnaires } = app.deps;
  const pageSchema = (operationId: string, summary: string, ...statuses: (PageStatus | 303)[]) => ({
    tags: ['citizens'], operationId, summary, params: ZTokenParams, produces: ['text/html'], response: pageResponses(...statuses),
  });

  app.get('/assets/:file', {
    schema: {
      tags: ['citizens'],
      operationId: 'getAsset',
      summary: 'Stylesheet and script of the citizen pages',
      params: z.object({ file: z.string() }),
      produces: ['text/css', 'text/javascript'],
      response: {
        200: { description: 'the file (cached; ETag)', content: { 'text/css': { schema: z.string() }, 'text/javascript': { schema: z.string() } } },
        304: z.void().describe('Not Modified: the ETag sent in If-None-Match is current'),
        404: { description: 'no such file', content: { 'text/plain': { schema: z.string() } } },
      },
    },
  }, async (request, reply) => {
    const asset = ASSETS[`/assets/${request.params.file}`];
    if (!asset) return reply.code(404).type('text/plain; charset=utf-8').send('Not found');
    reply.header('cache-control', ASSET_CACHE_CONTROL).header('etag', asset.etag);
    if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
    return reply.type(asset.contentType).send(asset.body);
  });

  app.get('/q/:token', { config: TOKEN_PAGE, schema: pageSchema('questionnairePage', 'The questionnaire page (Russian, accessible, works without JavaScript)', 200, 404, 409, 410) }, async (request, reply) => {
    const view = await questionnaires.view(request.params.token);
    if (view?.status !== 'open') return reply.code(STATUS_CODE[view?.status ?? 'unknown']).type(HTML).send(statusPage(view));
    return reply.type(HTML).send(formPage(request.url, view));
  });

  app.post('/q/:token', {
    config: TOKEN_PAGE,
    bodyLimit: FORM_BODY_LIMIT,
    schema: { ...pageSchema('answerQuestionnairePage', 'Answer the questionnaire from the page (form post); redirects to the thank-you page', 303, 404, 409, 410, 413, 415, 422), body: ZForm },
  }, async (request, reply) => {
    const { token } = request.params;
    // Browsers send line breaks as CRLF but count them as one character against maxlength.
    const form = { ...request.body, comment: [request.body.comment].flat()[0]?.replace(/\r\n?/g, '\n') ?? '' };
    const parsed = submissionFromForm(CURRENT_QUESTIONNAIRE, form);
    if (!parsed.ok) {
      const view = await questionnaires.view(token);
      if (view?.status !== 'open') return reply.code(STATUS_CODE[view?.status ?? 'unknown']).type(HTML).send(statusPage(view));
      return reply.code(422).type(HTML).send(formPage(request.url, view, parsed.values, parsed.errors));
    }
    const outcome = await questionnaires.submit(token, parsed.value);
    if (outcome.kind === 'created') return reply.code(303).header('location', `${request.url}/thanks`).send();
    const view = await questionnaires.view(token);
    return reply.code(STATUS_CODE[outcome.kind === 'unknown' ? 'unknown' : outcome.status]).type(HTML).send(statusPage(view));
  });

  app.get('/q/:token/thanks', { config: TOKEN_PAGE, schema: pageSchema('thankYouPage', 'Thank-you page after an answer', 200, 303, 404) }, async (request, reply) => {
    const view = await questionnaires.view(request.params.token);
    if (!view) return reply.code(404).type(HTML).send(linkStatusPage('unknown'));
    if (view.status !== 'answered') return reply.code(303).header('location', request.url.replace(/\/thanks$/, '')).send();
    return reply.type(HTML).send(thankYouPage({ organizationName: view.organization.name, longService: view.service.kind === 'long' }));
  });

  app.get('/u/:token', { config: TOKEN_PAGE, schema: pageSchema('unsubscribePage', 'Asks to confirm unsubscribing (changes nothing)', 200, 404) }, async (request, reply) => {
    const view = await questionnaires.view(request.params.token);
    if (!view) return reply.code(404).type(HTML).send(unsubscribePage('unknown'));
    return reply.type(HTML).send(unsubscribePage('confirm', { actionUrl: request.url, organizationName: view.organization.name }));
  });

  // Also the one-click target of the e-mail's List-Unsubscribe (RFC 8058): mail clients POST
  // `List-Unsubscribe=One-Click` as a form, urlencoded or (preferred by the RFC) multipart.
  // The body says nothing we need, so the multipart one is read (within the limit) and dropped.
  await app.register(async (unsubscribe) => {
    unsubscribe.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit: FORM_BODY_LIMIT }, (_request, _body, done) => done(null, {}));
    unsubscribe.withTypeProvider<ZodTypeProvider>().post('/u/:token', {
      config: TOKEN_PAGE,
      bodyLimit: FORM_BODY_LIMIT,
      schema: pageSchema(
        'unsubscribeFromPage',
        'Unsubscribe from further e-mails about this invitation (the confirmation form, and the one-click POST of List-Unsubscribe-Post)',
        200, 404, 413, 415,
      ),
    }, async (request, reply) => {
      const view = await questionnaires.view(request.params.token);
      if (!view || (await questionnaires.unsubscribe(request.params.token)) === 'unknown') {
        return reply.code(404).type(HTML).send(unsubscribePage('unknown'));
      }
      return reply.type(HTML).send(unsubscribePage('done', { organizationName: view.organization.name }));
    });
  });
};

function formPage(url: string, view: LinkView, values?: Record<string, string>, errors?: { path: string; message: string }[]): string {
  const path = url.split('?')[0];
  return questionnairePage({
    actionUrl: path,
    organization: view.organization,
    service: view.service,
    questionnaire: CURRENT_QUESTIONNAIRE,
    round: view.round,
    closesAt: view.closesAt,
    unsubscribeUrl: path.replace(/^\/q\//, '/u/'),
    values,
    errors,
  });
}

function statusPage(view: LinkView | null): string {
  if (!view) return linkStatusPage('unknown');
  return linkStatusPage(view.status === 'open' ? 'not_yet_active' : view.status, { organizationName: view.organization.name });
}

export default routes;
