/**
 * Examples in the OpenAPI document (`/docs`). test/api/openapi.test.ts checks each one
 * against the schema it illustrates, so they stay true. The people are invented; the
 * SNILS are the textbook examples with a valid control number.
 */
import { z } from 'zod';
import { ZReceiptInput } from '../domain/receipt';

export const RECEIPT_INPUT_EXAMPLE = {
  externalId: 'mis-42/visit/000123',
  organization: '1024200000001',
  service: { kind: 'one_time', date: '2026-11-20' },
  recipient: { lastName: 'Иванова', firstName: 'Мария', middleName: 'Петровна', birthDate: '1961-04-12', snils: '112-233-445 95' },
  representatives: [],
};

export const RECEIPT_VIEW_EXAMPLE = {
  id: '7b0f3c52-1d4e-4f7a-9a53-2f6b1c9e8d10',
  externalId: 'mis-42/visit/000123',
  organization: '1024200000001',
  status: 'active',
  late: false,
  workflowId: 'receipt-7b0f3c52-1d4e-4f7a-9a53-2f6b1c9e8d10',
  receivedAt: '2026-11-20T09:15:02.000Z',
  service: { kind: 'one_time', date: '2026-11-20' },
  invitation: {
    status: 'active',
    round: 1,
    activatedAt: '2026-11-20T09:15:03.000Z',
    closesAt: '2026-12-20T20:59:59.999Z',
    notifiedAt: '2026-11-20T09:15:04.000Z',
    closedAt: null,
    closeReason: null,
  },
};

export const BATCH_RESPONSE_EXAMPLE = {
  results: [
    { index: 0, externalId: 'mis-42/visit/000123', status: 'accepted', id: RECEIPT_VIEW_EXAMPLE.id, workflowId: RECEIPT_VIEW_EXAMPLE.workflowId },
    {
      index: 1,
      externalId: 'mis-42/visit/000124',
      status: 'rejected',
      code: 'validation_failed',
      errors: [{ path: 'recipient.snils', code: 'invalid_snils', message: 'SNILS control number does not match' }],
    },
  ],
};

const ROW_STATUS = { period: '2026-Q3', final: true, computedAt: '2026-10-01T00:05:12.000Z' };

export const INDICATORS_EXAMPLE = {
  ...ROW_STATUS,
  rows: [
    {
      key: { region: '42' },
      name: 'Кемеровская область — Кузбасс',
      notified: 1840,
      completed: 412,
      coverage: 22.39,
      responses: 412,
      satisfaction: 4.31,
      ci: [4.24, 4.38],
      suppressed: false,
      lowResponses: false,
      items: { info: 4.4, process: 3.9, comfort: 4.2, accessibility: 4.5, courtesy: 4.6, competence: 4.5, overall: 4.3 },
      previous: { satisfaction: 4.22, delta: 0.09 },
      yearAgo: { satisfaction: null, delta: null },
      targets: { coverage: false, satisfaction: false, growth: null },
      growth: { quarterly: 'not_met', yearly: 'no_base' },
    },
  ],
};

export const FUNNEL_EXAMPLE = {
  ...ROW_STATUS,
  rows: [{ key: { region: '42' }, name: 'Кемеровская область — Кузбасс', receipts: 2310, late: 41, noAccount: 470, activated: 1840, notified: 1840, completed: 412 }],
};

export const RANKINGS_EXAMPLE = {
  ...ROW_STATUS,
  region: '42',
  organizationType: 'healthcare',
  ranked: 2,
  best: [{ rank: 1, code: '1024200000001', name: 'ГБУЗ «Кемеровская областная больница»', satisfaction: 4.52, responses: 160, ci: [4.41, 4.63] }],
  worst: [{ rank: 2, code: '1024200000002', name: 'ГБУЗ «Городская поликлиника № 5»', satisfaction: 3.71, responses: 95, ci: [3.52, 3.9] }],
  unranked: [{ code: '1024200000003', name: 'ГБУЗ «Районная больница»', responses: 3, suppressed: true }],
};

export const HISTORY_EXAMPLE = {
  from: '2026-Q2',
  to: '2026-Q3',
  series: [
    {
      key: { region: '42' },
      name: 'Кемеровская область — Кузбасс',
      points: [
        { period: '2026-Q2', final: true, notified: 1702, completed: 371, coverage: 21.8, responses: 371, satisfaction: 4.22, ci: [4.14, 4.3], suppressed: false, lowResponses: false },
        { period: '2026-Q3', final: true, notified: 1840, completed: 412, coverage: 22.39, responses: 412, satisfaction: 4.31, ci: [4.24, 4.38], suppressed: false, lowResponses: false },
      ],
    },
  ],
};

/**
 * The JSON Schema of a receipt, for the items of a batch: the route takes any item (each is
 * checked on its own and rejected in the results), but the document shows what to send.
 */
export function receiptInputJsonSchema(): Record<string, unknown> {
  const { $schema: _s, ...schema } = z.toJSONSchema(ZReceiptInput, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return schema;
}
