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
import { HttpProblem, ZProblem } from '../problem';

const ZIdParams = z.object({ id: z.string().uuid('must be a receipt id') });
const ZBatchResult = z.object({
  index: z.number().int(),
  externalId: z.string().nullable(),
  status: z.enum(['accepted', 'duplicate', 'rejected']),
  id: z.string().optional(),
  workflowId: z.string().optional(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
const problems = { 401: ZProblem, 403: ZProblem, 404: ZProblem, 409: ZProblem, 422: ZProblem, 503: ZProblem };
const BATCH_CONCURRENCY = 8;

const routes: FastifyPluginAsyncZod = async (app) => {
  const { db, receipts, invitations } = app.deps;
  /**
   * feedback_receipts_total{outcome}: once per receipt, each item of a batch too. A single
   * receipt refused by the route's schema (422) or as malformed JSON (400) never reaches
   * `ingest`: the route's onResponse counts it as rejected.
   */
  const counted = new WeakSet<object>();
  const ingest = async (request: FastifyRequest, body: unknown): Promise<IngestOutcome> => {
    const outcome = await receipts.ingest(principalOf(request), body);
    app.metrics.receipts.inc({ outcome: receiptOutcome(outcome.kind) });
    counted.add(request);
    return outcome;
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
      summary: 'Post a service receipt; starts its invitation workflow',
      security: [{ apiKey: [] }],
      body: ZReceiptInput,
      response: { 200: ZReceiptView, 202: ZReceiptView, 400: ZProblem, ...problems },
    },
  }, async (request, reply) => {
    const outcome = await ingest(request, request.body);
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
      summary: `Post up to ${MAX_BATCH} receipts; each item succeeds or fails on its own`,
      security: [{ apiKey: [] }],
      body: z.object({ receipts: ZList(z.unknown()).min(1).max(MAX_BATCH) }),
      response: { 200: z.object({ results: z.array(ZBatchResult) }), 400: ZProblem, ...problems },
    },
  }, async (request) => {
    const items = request.body.receipts;
    const results = new Array<z.infer<typeof ZBatchResult>>(items.length);
    let next = 0;
    const worker = async () => {
      for (let index = next++; index < items.length; index = next++) {
        const item = items[index];
        // Echoed only when it is one: an item rejected for its externalId gets null.
        const sent = (item as { externalId?: unknown } | null)?.externalId;
        const externalId = ZExternalId.safeParse(sent).success ? (sent as string) : null;
        const outcome = await ingest(request, item);
        results[index] =
          outcome.kind === 'accepted' || outcome.kind === 'duplicate'
            ? { index, externalId, status: outcome.kind, id: outcome.receipt.id, workflowId: outcome.receipt.workflowId }
            : { index, externalId, status: 'rejected', errors: outcome.errors };
      }
    };
    await Promise.all(Array.from({ length: Math.min(BATCH_CONCURRENCY, items.length) }, worker));
    return { results };
  });

  app.get('/v1/receipts/:id', {
    ...integratorOnly,
    schema: {
      tags: ['receipts'],
      summary: 'A receipt and its invitation (no personal data)',
      security: [{ apiKey: [] }],
      params: ZIdParams,
      response: { 200: ZReceiptView, ...problems },
    },
  }, async (request) => receiptView(await ownReceipt(request.params.id, principalOf(request).integratorId)));

  app.post('/v1/receipts/:id/cancel', {
    ...integratorOnly,
    schema: {
      tags: ['receipts'],
      summary: 'Withdraw a receipt sent in error: its link closes and it leaves the indicators',
      security: [{ apiKey: [] }],
      params: ZIdParams,
      response: { 200: ZReceiptView, ...problems },
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
      summary: 'Report the end of a long service: the link closes at the end of that day (Moscow time)',
      security: [{ apiKey: [] }],
      params: ZIdParams,
      body: z.strictObject({ end: ZCalendarDate }),
      response: { 200: ZReceiptView, ...problems },
    },
  }, async (request) => {
    const receipt = await ownReceipt(request.params.id, principalOf(request).integratorId);
    const { end } = request.body;
    if (receipt.serviceKind !== 'long') throw new HttpProblem(409, 'Only a long service has an end');
    if (receipt.status === 'cancelled') throw new HttpProblem(409, 'The receipt was withdrawn');
    if (end < receipt.serviceDate.toISOString().slice(0, 10)) {
      throw new HttpProblem(422, 'The end is before the start of the service', [{ path: 'end', message: 'must not be before the start of the service' }]);
    }
    await db.receipt.update({ where: { id: receipt.id }, data: { serviceEnd: new Date(end) } });
    await signal(() => invitations.serviceEnded(receipt.id, end));
    return receiptView(await ownReceipt(receipt.id, receipt.integratorId));
  });

  /** Integrators see only their own receipts (through any of their keys); anyone else's is "not found". */
  async function ownReceipt(id: string, integratorId: string | null) {
    const receipt = await db.receipt.findUnique({ where: { id }, include: RECEIPT_VIEW_INCLUDE });
    if (!receipt || !integratorId || receipt.integratorId !== integratorId) throw new HttpProblem(404, 'No such receipt');
    return receipt;
  }
};

/** The change is stored; if the workflow cannot be told now, the caller retries (idempotent). */
async function signal(send: () => Promise<void>): Promise<void> {
  try {
    await send();
  } catch {
    throw new HttpProblem(503, 'Stored, but the workflow could not be reached; repeat the request');
  }
}

function problemFor(outcome: Exclude<IngestOutcome, { kind: 'accepted' | 'duplicate' }>): HttpProblem {
  switch (outcome.kind) {
    case 'conflict':
      return new HttpProblem(409, 'This externalId was already used for a different receipt', outcome.errors);
    case 'forbidden':
      return new HttpProblem(403, 'The organization is outside this key\'s scope', outcome.errors);
    case 'invalid':
      return new HttpProblem(422, 'The receipt is invalid', outcome.errors);
  }
}

export default routes;
