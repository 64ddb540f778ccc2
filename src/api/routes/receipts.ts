/** Integrators: post, read, cancel and end service receipts. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MAX_BATCH, ZCalendarDate, ZExternalId, ZReceiptInput } from '../../domain/receipt';
import { ZList } from '../../domain/text';
import { receiptOutcome } from '../../metrics';
import type { IngestOutcome } from '../../services/receipts';
import { ZReceiptView, receiptView, RECEIPT_VIEW_INCLUDE } from '../../services/receipt-view';
import { principalOf } from '../plugins/auth';
import type { ProblemCode } from '../../domain/error-codes';
import { BATCH_RESPONSE_EXAMPLE, RECEIPT_INPUT_EXAMPLE, RECEIPT_VIEW_EXAMPLE, receiptInputJsonSchema } from '../examples';
import { BODY_PROBLEMS, HttpProblem, KEY_PROBLEMS, SERVER_PROBLEMS, ZFieldError, problemResponses } from '../problem';

/** The code of a rejected batch item: what a single post of it would have answered. */
const REJECTION_CODE = { invalid: 'validation_failed', forbidden: 'out_of_scope', conflict: 'receipt_conflict' } as const satisfies Record<Rejection['kind'], ProblemCode>;
const REJECTION_CODES = ['validation_failed', 'out_of_scope', 'receipt_conflict'] as const satisfies readonly (typeof REJECTION_CODE)[Rejection['kind']][];
type Rejection = Exclude<IngestOutcome, { kind: 'accepted' | 'duplicate' }>;

const ZIdParams = z.object({ id: z.string().uuid('must be a receipt id') });
const ZBatchItemBase = {
  index: z.number().int().describe('position of the item in the request'),
  externalId: z.string().nullable().describe('the item\'s externalId, or null when that is what was wrong with it'),
};
const ZBatchResult = z.discriminatedUnion('status', [
  z.object({
    ...ZBatchItemBase,
    status: z.enum(['accepted', 'duplicate']).describe('accepted: stored now (as a single post\'s 202); duplicate: the same receipt was already stored (200)'),
    id: z.string().uuid(),
    workflowId: z.string(),
  }),
  z.object({
    ...ZBatchItemBase,
    status: z.literal('rejected'),
    code: z.enum(REJECTION_CODES).describe('what a single post of this item would have answered: 422, 403 or 409'),
    errors: z.array(ZFieldError),
  }),
]).describe('the outcome of one item of a batch');
const ZBatchResponse = z.object({ results: z.array(ZBatchResult).describe('one per item, in the order sent') }).meta({ examples: [BATCH_RESPONSE_EXAMPLE] });
const ZBatchBody = z.object({
  receipts: ZList(z.unknown().meta(receiptInputJsonSchema()))
    .min(1)
    .max(MAX_BATCH)
    .describe('each item is a receipt as POST /v1/receipts takes it, checked on its own: a bad item is rejected in the results, the others are stored'),
}).meta({ examples: [{ receipts: [RECEIPT_INPUT_EXAMPLE] }] });
const ZReceiptBody = ZReceiptInput.meta({ examples: [RECEIPT_INPUT_EXAMPLE] });
const ZReceipt = ZReceiptView.meta({ examples: [RECEIPT_VIEW_EXAMPLE] });
/** Every route here: an integrator key, the database. */
const COMMON = [...KEY_PROBLEMS, ...SERVER_PROBLEMS] as const;

const routes: FastifyPluginAsyncZod = async (app) => {
  const { db, receipts, invitations } = app.deps;
  /**
   * feedback_receipts_total{outcome}: once per receipt, each item of a batch too. A single
   * receipt refused by the route's schema (422) or as malformed JSON (400) never reaches
   * `ingest`: the route's onResponse counts it as rejected.
   */
  const counted = new WeakSet<object>();
  const ingest = async (request: FastifyRequest, bodies: readonly unknown[]): Promise<IngestOutcome[]> => {
    const outcomes = await receipts.ingestMany(principalOf(request), bodies);
    for (const outcome of outcomes) app.metrics.receipts.inc({ outcome: receiptOutcome(outcome.kind) });
    counted.add(request);
    return outcomes;
  };
  const countRefused = async (request: FastifyRequest, reply: FastifyReply) => {
    if ((reply.statusCode === 400 || reply.statusCode === 422) && !counted.has(request)) app.metrics.receipts.inc({ outcome: 'rejected' });
  };
  const integratorOnly = { onRequest: app.authorize('integrator') };

  app.post('/v1/receipts', {
    ...integratorOnly,
    onResponse: countRefused,
    schema: {
      tags: ['receipts'],
      operationId: 'postReceipt',
      summary: 'Post a service receipt; starts its invitation workflow',
      description: 'Idempotent by externalId: the same receipt again answers 200 with the stored one; different content under a used externalId is a 409.',
      security: [{ apiKey: [] }],
      body: ZReceiptBody,
      response: {
        200: ZReceipt.describe('duplicate: this receipt was already stored (same externalId, same content)'),
        202: ZReceipt.describe('accepted: stored, its invitation workflow started'),
        ...problemResponses(...COMMON, ...BODY_PROBLEMS, 'validation_failed', 'out_of_scope', 'receipt_conflict'),
      },
    },
  }, async (request, reply) => {
    const [outcome] = await ingest(request, [request.body]);
    switch (outcome.kind) {
      case 'accepted':
        return reply.code(202).send(outcome.receipt);
      case 'duplicate':
        return reply.code(200).send(outcome.receipt);
      default:
        throw problemFor(outcome);
    }
  });

  app.post('/v1/receipts/batch', {
    ...integratorOnly,
    schema: {
      tags: ['receipts'],
      operationId: 'postReceiptBatch',
      summary: `Post up to ${MAX_BATCH} receipts; each item succeeds or fails on its own`,
      security: [{ apiKey: [] }],
      body: ZBatchBody,
      response: { 200: ZBatchResponse, ...problemResponses(...COMMON, ...BODY_PROBLEMS, 'validation_failed') },
    },
  }, async (request) => {
    const items = request.body.receipts;
    const outcomes = await ingest(request, items);
    const results = outcomes.map((outcome, index): z.infer<typeof ZBatchResult> => {
      // Echoed only when it is one: an item rejected for its externalId gets null.
      const sent = (items[index] as { externalId?: unknown } | null)?.externalId;
      const externalId = ZExternalId.safeParse(sent).success ? (sent as string) : null;
      return outcome.kind === 'accepted' || outcome.kind === 'duplicate'
        ? { index, externalId, status: outcome.kind, id: outcome.receipt.id, workflowId: outcome.receipt.workflowId }
        : { index, externalId, status: 'rejected', code: REJECTION_CODE[outcome.kind], errors: outcome.errors };
    });
    return { results };
  });

  app.get('/v1/receipts/:id', {
    ...integratorOnly,
    schema: {
      tags: ['receipts'],
      operationId: 'getReceipt',
      summary: 'A receipt and its invitation (no personal data)',
      security: [{ apiKey: [] }],
      params: ZIdParams,
      response: { 200: ZReceipt, ...problemResponses(...COMMON, 'validation_failed', 'not_found') },
    },
  }, async (request) => receiptView(await ownReceipt(request.params.id, principalOf(request).integratorId)));

  app.post('/v1/receipts/:id/cancel', {
    ...integratorOnly,
    schema: {
      tags: ['receipts'],
      operationId: 'cancelReceipt',
      summary: 'Withdraw a receipt sent in error: its link closes and it leaves the indicators',
      description: 'Idempotent: cancelling a cancelled receipt answers 200 again. On 503 the withdrawal is stored; repeat the request so the workflow hears of it.',
      security: [{ apiKey: [] }],
      params: ZIdParams,
      response: { 200: ZReceipt, ...problemResponses(...COMMON, ...BODY_PROBLEMS, 'validation_failed', 'not_found', 'workflow_unreachable') },
    },
  }, async (request) => {
    const receipt = await ownReceipt(request.params.id, principalOf(request).integratorId);
    if (receipt.status !== 'cancelled') {
      await db.receipt.updateMany({ where: { id: receipt.id, status: 'active' }, data: { status: 'cancelled', cancelledAt: new Date() } });
    }
    await signal(() => invitations.cancel(receipt.id));
    return receiptView(await ownReceipt(receipt.id, receipt.integratorId));
  });

  app.post('/v1/receipts/:id/end', {
    ...integratorOnly,
    schema: {
      tags: ['receipts'],
      operationId: 'endReceiptService',
      summary: 'Report the end of a long service: the link closes at the end of that day (Moscow time)',
      security: [{ apiKey: [] }],
      params: ZIdParams,
      body: z.strictObject({ end: ZCalendarDate }).meta({ examples: [{ end: '2026-11-30' }] }),
      response: {
        200: ZReceipt,
        ...problemResponses(...COMMON, ...BODY_PROBLEMS, 'validation_failed', 'not_found', 'not_long_service', 'receipt_cancelled', 'workflow_unreachable'),
      },
    },
  }, async (request) => {
    const receipt = await ownReceipt(request.params.id, principalOf(request).integratorId);
    const { end } = request.body;
    if (receipt.serviceKind !== 'long') throw new HttpProblem('not_long_service', 'Only a long service has an end');
    if (receipt.status === 'cancelled') throw new HttpProblem('receipt_cancelled', 'The receipt was withdrawn');
    if (end < receipt.serviceDate.toISOString().slice(0, 10)) {
      throw new HttpProblem('validation_failed', 'The end is before the start of the service', [{ path: 'end', code: 'end_before_start', message: 'must not be before the start of the service' }]);
    }
    await db.receipt.update({ where: { id: receipt.id }, data: { serviceEnd: new Date(end) } });
    await signal(() => invitations.serviceEnded(receipt.id, end));
    return receiptView(await ownReceipt(receipt.id, receipt.integratorId));
  });

  /** Integrators see only their own receipts (through any of their keys); anyone else's is "not found". */
  async function ownReceipt(id: string, integratorId: string | null) {
    const receipt = await db.receipt.findUnique({ where: { id }, include: RECEIPT_VIEW_INCLUDE });
    if (!receipt || !integratorId || receipt.integratorId !== integratorId) throw new HttpProblem('not_found', 'No such receipt');
    return receipt;
  }
};

/** The change is stored; if the workflow cannot be told now, the caller retries (idempotent). */
async function signal(send: () => Promise<void>): Promise<void> {
  try {
    await send();
  } catch {
    throw new HttpProblem('workflow_unreachable', 'Stored, but the workflow could not be reached; repeat the request');
  }
}

const REJECTION_DETAIL = {
  conflict: 'This externalId was already used for a different receipt',
  forbidden: 'The organization is outside this key\'s scope',
  invalid: 'The receipt is invalid',
} as const satisfies Record<Rejection['kind'], string>;

function problemFor(outcome: Rejection): HttpProblem {
  return new HttpProblem(REJECTION_CODE[outcome.kind], REJECTION_DETAIL[outcome.kind], outcome.errors);
}

export default routes;
