/** Comments for the principals entitled to the organisation (DESIGN §6 "Comments"; docs/reports.md). */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ZPeriod } from '../../domain/period-schema';
import { ZText } from '../../domain/text';
import { principalOf } from '../plugins/auth';
import { KEY_PROBLEMS, SERVER_PROBLEMS, problemResponses } from '../problem';
import { ZFilters, ZFormat, sendCsv, sendJson, wantsCsv } from './reports';

const PARTICIPANTS = ['admin', 'federal', 'sector', 'region', 'organization', 'integrator'] as const;
export const MAX_COMMENTS_PAGE = 500;

const ZComment = z.object({
  organization: z.string(),
  organizationName: z.string(),
  region: z.string(),
  organizationType: z.string(),
  period: z.string().describe('the quarter the comment was written in; never a time'),
  text: z.string().describe('personal data masked: [ФИО], [телефон], [e-mail], [СНИЛС], [номер карты], [паспорт], [дата], [номер]'),
});

const EXAMPLE = {
  period: '2026-Q2',
  minResponses: 5,
  comments: [{
    organization: '1024200000001', organizationName: 'ГБУЗ «Кемеровская областная больница»', region: '42', organizationType: 'healthcare',
    period: '2026-Q2', text: 'Спасибо врачу [ФИО], мой телефон [телефон]',
  }],
  nextCursor: 'WyIxMDI0MjAwMDAwMDAxIiwiOWQ0YzQ1MjBjYzQ0ZTM1ZGUyZDFkNDQzYjU2M2JkYTUiXQ',
};

const routes: FastifyPluginAsyncZod = async (app) => {
  const { comments } = app.deps;

  app.get('/v1/reports/comments', {
    onRequest: app.authorize(...PARTICIPANTS),
    schema: {
      tags: ['reports'],
      operationId: 'getComments',
      summary: 'Comments of a quarter, masked, by organisation in an order that says nothing about arrival; none of an organisation-quarter below the small-numbers threshold',
      security: [{ apiKey: [] }],
      querystring: z.object({
        period: ZPeriod.optional(),
        ...ZFilters,
        limit: z.coerce.number().int().min(1).max(MAX_COMMENTS_PAGE).default(100),
        cursor: ZText.max(200).optional().describe('nextCursor of the previous page (also the X-Next-Cursor header of a CSV page)'),
        format: ZFormat,
      }),
      response: {
        200: z.object({
          period: z.string(),
          minResponses: z.number().int().describe('organisation-quarters with fewer responses show no comments'),
          comments: z.array(ZComment),
          nextCursor: z.string().nullable(),
        }).meta({ examples: [EXAMPLE] }),
        ...problemResponses(...KEY_PROBLEMS, ...SERVER_PROBLEMS, 'out_of_scope', 'validation_failed'),
      },
      produces: ['application/json', 'text/csv'],
    },
  }, async (request, reply) => {
    const { period, limit, cursor, format, ...filters } = request.query;
    const page = await comments.page(principalOf(request), { period, limit, cursor, filters });
    if (wantsCsv(request, format)) {
      if (page.nextCursor) reply.header('x-next-cursor', page.nextCursor);
      return sendCsv(reply, `comments-${page.period}.csv`, page.comments.map((c) => ({
        organization: c.organization, organization_name: c.organizationName, region: c.region, organization_type: c.organizationType, period: c.period, text: c.text,
      })));
    }
    return sendJson(reply, page);
  });
};

export default routes;
