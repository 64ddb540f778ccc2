/** Citizens, JSON: the questionnaire behind a link, answering it, unsubscribing. The token is the credential. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CURRENT_QUESTIONNAIRE, ZSubmissionV1 } from '../../domain/questionnaire';
import { BODY_PROBLEMS, HttpProblem, SERVER_PROBLEMS, problemResponses } from '../problem';
import { TOKEN_ROUTE } from '../plugins/citizen-security';

/** Not a `ZText`: a token is never stored, and anything but a token's shape is an unknown link (404) before any look-up. */
const ZTokenParams = z.object({ token: z.string().max(200) });
const ZQuestionnaireView = z.object({
  organization: z.object({ name: z.string(), type: z.string() }),
  service: z.union([z.object({ kind: z.literal('one_time'), date: z.string() }), z.object({ kind: z.literal('long'), start: z.string() })]),
  status: z.enum(['open', 'not_yet_active', 'answered', 'closed', 'withdrawn']).describe('only "open" takes an answer'),
  round: z.number().int(),
  closesAt: z.string().nullable(),
  questionnaire: z.object({
    version: z.number().int(),
    items: z.array(z.object({ key: z.string(), text: z.string(), allowsNotApplicable: z.boolean() })),
    scale: z.array(z.string()),
    commentMaxLength: z.number().int(),
  }),
});

/** What each refusal means for the JSON API: answered (409), closed or withdrawn (410). */
const REFUSALS = {
  answered: ['already_answered', 'This round of the questionnaire has already been answered'],
  not_yet_active: ['link_not_active', 'The link is not active yet'],
  closed: ['link_closed', 'The link is closed'],
  withdrawn: ['link_withdrawn', 'The link was withdrawn'],
} as const;

const routes: FastifyPluginAsyncZod = async (app) => {
  const { questionnaires } = app.deps;

  app.get('/v1/questionnaires/:token', {
    config: TOKEN_ROUTE,
    schema: {
      tags: ['citizens'],
      operationId: 'getQuestionnaire',
      summary: 'The questionnaire behind a personalised link, and whether it can be answered now',
      params: ZTokenParams,
      response: { 200: ZQuestionnaireView, ...problemResponses(...SERVER_PROBLEMS, 'validation_failed', 'unknown_link', 'rate_limited') },
    },
  }, async (request) => {
    const view = await questionnaires.view(request.params.token);
    if (!view) throw new HttpProblem('unknown_link', 'Unknown link');
    const { version, items, scale, commentMaxLength } = CURRENT_QUESTIONNAIRE;
    return {
      organization: { name: view.organization.name, type: view.organization.type },
      service: view.service.kind === 'one_time' ? { kind: 'one_time' as const, date: view.service.date } : { kind: 'long' as const, start: view.service.date },
      status: view.status,
      round: view.round,
      closesAt: view.closesAt?.toISOString() ?? null,
      questionnaire: { version, items, scale, commentMaxLength },
    };
  });

  app.post('/v1/questionnaires/:token/responses', {
    config: TOKEN_ROUTE,
    schema: {
      tags: ['citizens'],
      operationId: 'postQuestionnaireResponse',
      summary: 'Answer the questionnaire (once per round)',
      params: ZTokenParams,
      body: ZSubmissionV1,
      response: {
        201: z.object({ id: z.string().uuid(), round: z.number().int(), questionnaireVersion: z.number().int() }),
        ...problemResponses(
          ...SERVER_PROBLEMS, ...BODY_PROBLEMS, 'validation_failed', 'unknown_link', 'rate_limited',
          'already_answered', 'link_not_active', 'link_closed', 'link_withdrawn',
        ),
      },
    },
  }, async (request, reply) => {
    const outcome = await questionnaires.submit(request.params.token, request.body);
    if (outcome.kind === 'unknown') throw new HttpProblem('unknown_link', 'Unknown link');
    if (outcome.kind === 'refused') {
      const [code, detail] = REFUSALS[outcome.status];
      throw new HttpProblem(code, detail);
    }
    return reply.code(201).send({ id: outcome.id, round: outcome.round, questionnaireVersion: CURRENT_QUESTIONNAIRE.version });
  });

  app.post('/v1/unsubscribe/:token', {
    config: TOKEN_ROUTE,
    schema: {
      tags: ['citizens'],
      operationId: 'unsubscribe',
      summary: 'Stop further e-mails for this invitation (the link keeps working while open)',
      params: ZTokenParams,
      response: { 200: z.object({ status: z.literal('unsubscribed') }), ...problemResponses(...SERVER_PROBLEMS, ...BODY_PROBLEMS, 'validation_failed', 'unknown_link', 'rate_limited') },
    },
  }, async (request) => {
    if ((await questionnaires.unsubscribe(request.params.token)) === 'unknown') throw new HttpProblem('unknown_link', 'Unknown link');
    return { status: 'unsubscribed' as const };
  });
};

export default routes;
