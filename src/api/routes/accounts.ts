/** The stand-in for the portal's account directory: SNILS kept only as a keyed hash. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { codeParams } from '../../domain/field-errors';
import { parseSnils } from '../../domain/snils';
import { ZList, ZText } from '../../domain/text';
import { BODY_PROBLEMS, KEY_PROBLEMS, SERVER_PROBLEMS, problemResponses } from '../problem';

const ZAccount = z.strictObject({
  snils: ZText.superRefine((value, ctx) => {
    const check = parseSnils(value);
    if (!check.ok) ctx.addIssue({ code: 'custom', message: check.reason, params: codeParams('invalid_snils') });
  }),
  email: ZText.trim().email('must be an e-mail address').max(254),
  confirmed: z.boolean(),
});

const routes: FastifyPluginAsyncZod = async (app) => {
  const { db, secrets } = app.deps;

  app.post('/v1/accounts', {
    onRequest: app.authorize('admin'),
    schema: {
      tags: ['accounts'],
      operationId: 'upsertAccounts',
      summary: 'Upsert portal accounts (admin)',
      security: [{ apiKey: [] }],
      body: z.strictObject({ accounts: ZList(ZAccount).min(1).max(10_000) }),
      response: {
        200: z.object({ created: z.number().int(), updated: z.number().int() }),
        ...problemResponses(...KEY_PROBLEMS, ...SERVER_PROBLEMS, ...BODY_PROBLEMS, 'validation_failed'),
      },
    },
  }, async (request) => {
    const rows = new Map<string, { email: string; confirmed: boolean }>();
    for (const a of request.body.accounts) {
      rows.set(secrets.snilsHash((parseSnils(a.snils) as { snils: string }).snils), { email: a.email, confirmed: a.confirmed });
    }
    const hashes = [...rows.keys()];
    const existing = new Set(
      (await db.account.findMany({ where: { snilsHash: { in: hashes } }, select: { snilsHash: true } })).map((a) => a.snilsHash),
    );
    await db.$transaction(
      hashes.map((snilsHash) => db.account.upsert({ where: { snilsHash }, create: { snilsHash, ...rows.get(snilsHash)! }, update: rows.get(snilsHash)! })),
    );
    return { created: hashes.length - existing.size, updated: existing.size };
  });
};

export default routes;
