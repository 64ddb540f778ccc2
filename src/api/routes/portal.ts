/**
 * The portal's side of the citizen's personal account (Regulation II.6): which links a
 * citizen can answer now. The SNILS travels in the body, never in a URL, and is never
 * logged or echoed; an unknown citizen gets an empty list, not a 404, so the answer says
 * nothing about who has ever been invited. Rate limited per key.
 */
import { createHash } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { codeParams } from '../../domain/field-errors';
import { parseSnils } from '../../domain/snils';
import { ZText } from '../../domain/text';
import { BODY_PROBLEMS, KEY_PROBLEMS, SERVER_PROBLEMS, problemResponses } from '../problem';

const ZPortalLink = z.object({
  organization: z.object({ code: z.string(), name: z.string(), type: z.string(), typeName: z.string() }),
  service: z.union([
    z.object({ kind: z.literal('one_time'), date: z.string() }),
    z.object({ kind: z.literal('long'), start: z.string(), end: z.string().nullable() }),
  ]),
  round: z.number().int().describe('1 for a one-time service; the half-year round of a long one'),
  until: z.string().describe('when the link closes'),
  url: z.string().describe('the personalised questionnaire link, as in the e-mail'),
  status: z.enum(['open', 'answered']).describe('answered: this round is done; the link stays until the round ends'),
});

const routes: FastifyPluginAsyncZod = async (app) => {
  const { portal, config } = app.deps;

  app.post('/v1/portal/questionnaires/lookup', {
    onRequest: app.authorize('portal'),
    config: {
      rateLimit: {
        max: config.portalRateLimitPerMinute,
        timeWindow: 60_000,
        // Per key: the portal's servers share addresses; the header is hashed, never kept.
        keyGenerator: (request) => createHash('sha256').update(request.headers.authorization ?? request.ip).digest('hex'),
      },
    },
    schema: {
      tags: ['citizens'],
      operationId: 'lookupCitizenQuestionnaires',
      summary: 'The questionnaire links a citizen can answer now, for the portal\'s personal account (portal keys)',
      description: 'The SNILS is in the body (never in a URL). An unknown citizen, or one with nothing to answer, gets an empty list.',
      security: [{ apiKey: [] }],
      body: z.strictObject({
        snils: ZText.superRefine((value, ctx) => {
          const check = parseSnils(value);
          if (!check.ok) ctx.addIssue({ code: 'custom', message: check.reason, params: codeParams('invalid_snils') });
        }),
      }),
      response: {
        200: z.object({ links: z.array(ZPortalLink) }),
        ...problemResponses(...KEY_PROBLEMS, ...SERVER_PROBLEMS, ...BODY_PROBLEMS, 'validation_failed', 'rate_limited'),
      },
    },
  }, async (request) => {
    const { snils } = parseSnils(request.body.snils) as { snils: string };
    return { links: await portal.answerableLinks(snils) };
  });
};

export default routes;
