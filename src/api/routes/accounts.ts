/** The stand-in for the portal's account directory: SNILS kept only as a keyed hash. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { actorOf, audit } from '../../services/audit';
import { principalOf } from '../plugins/auth';
import { z } from 'zod';
import { codeParams, fieldError, type FieldError } from '../../domain/field-errors';
import { parseSnils } from '../../domain/snils';
import { ZList, ZText } from '../../domain/text';
import { ADMIN_KEY_PROBLEMS, BODY_PROBLEMS, HttpProblem, SERVER_PROBLEMS, problemResponses } from '../problem';

const ZAccount = z.strictObject({
  snils: ZText.superRefine((value, ctx) => {
    const check = parseSnils(value);
    if (!check.ok) ctx.addIssue({ code: 'custom', message: check.reason, params: codeParams('invalid_snils') });
  }),
  email: ZText.trim().email('must be an e-mail address').max(254),
  confirmed: z.boolean(),
  /** The portal's own id of the account (the portal channel names the citizen by it); omitted: left as it is. */
  portalAccountId: ZText.min(1).max(200).optional(),
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
        ...problemResponses(...ADMIN_KEY_PROBLEMS, ...SERVER_PROBLEMS, ...BODY_PROBLEMS, 'validation_failed'),
      },
    },
  }, async (request) => {
    const rows = new Map<string, { email: string; confirmed: boolean; portalAccountId?: string }>();
    const portalIds = new Map<string, string>();
    const duplicates: FieldError[] = [];
    request.body.accounts.forEach((a, i) => {
      const snilsHash = secrets.snilsHash((parseSnils(a.snils) as { snils: string }).snils);
      rows.set(snilsHash, { email: a.email, confirmed: a.confirmed, ...(a.portalAccountId !== undefined && { portalAccountId: a.portalAccountId }) });
      if (a.portalAccountId === undefined) return;
      const holder = portalIds.get(a.portalAccountId);
      if (holder !== undefined && holder !== snilsHash) duplicates.push(fieldError(`accounts.${i}.portalAccountId`, 'duplicate_portal_account', 'is given for another account in this request'));
      portalIds.set(a.portalAccountId, snilsHash);
    });
    if (portalIds.size > 0) {
      const taken = await db.account.findMany({ where: { portalAccountId: { in: [...portalIds.keys()] } }, select: { snilsHash: true, portalAccountId: true } });
      for (const t of taken) {
        if (portalIds.get(t.portalAccountId!) === t.snilsHash) continue;
        const i = request.body.accounts.findIndex((a) => a.portalAccountId === t.portalAccountId);
        duplicates.push(fieldError(`accounts.${i}.portalAccountId`, 'duplicate_portal_account', 'belongs to another account'));
      }
    }
    if (duplicates.length > 0) throw new HttpProblem('validation_failed', 'The accounts are invalid', duplicates);
    const hashes = [...rows.keys()];
    const existing = new Set(
      (await db.account.findMany({ where: { snilsHash: { in: hashes } }, select: { snilsHash: true } })).map((a) => a.snilsHash),
    );
    await db.$transaction(
      hashes.map((snilsHash) => db.account.upsert({ where: { snilsHash }, create: { snilsHash, ...rows.get(snilsHash)! }, update: rows.get(snilsHash)! })),
    );
    // Counts only: the audit never holds a SNILS, an address or a hash of either.
    await audit(db, actorOf(principalOf(request)), 'accounts.upsert', null, { created: hashes.length - existing.size, updated: existing.size });
    return { created: hashes.length - existing.size, updated: existing.size };
  });
};

export default routes;
