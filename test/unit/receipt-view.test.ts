/**
 * An integrator's view of a receipt (DESIGN §6, anonymity; docs/receipts.md): it says
 * whether the citizen was notified, never whether or when they answered. Every stored
 * state an answered link can be in is compared with the state the same link would be in
 * had the citizen not answered: the two views must be identical, at every moment.
 */
import { ZReceiptView, receiptView, type ReceiptViewSource } from '../../src/services/receipt-view';

const T0 = new Date('2026-05-04T09:00:00.000Z');
const ACTIVATED = new Date('2026-05-05T09:00:00.000Z');
const NOTIFIED = new Date('2026-05-05T09:00:02.000Z');
const CLOSES = new Date('2026-06-04T09:00:00.000Z');
const ANSWERED = new Date('2026-05-09T14:03:17.512Z');
const CANCELLED = new Date('2026-05-20T08:00:00.000Z');
/** The workflow's timer and activities run a little after the instants they are due. */
const TIMER_FIRED = new Date(CLOSES.getTime() + 1_234);
const WITHDRAWN_BY_WORKFLOW = new Date(CANCELLED.getTime() + 850);

const BEFORE_CLOSE = new Date('2026-05-25T00:00:00.000Z');
const AFTER_CLOSE = new Date('2026-06-10T00:00:00.000Z');

type Invitation = NonNullable<ReceiptViewSource['invitation']>;

function source(invitation: Partial<Invitation>, receipt: Partial<ReceiptViewSource> = {}): ReceiptViewSource {
  return {
    id: '0b7e8a5c-2f3d-4c1e-9a8b-7c6d5e4f3a21',
    externalId: 'MIS-42-1',
    status: 'active',
    cancelledAt: null,
    late: false,
    receivedAt: T0,
    serviceKind: 'one_time',
    serviceDate: new Date('2026-05-04T00:00:00.000Z'),
    serviceEnd: null,
    organization: { code: '1024200000001' },
    ...receipt,
    invitation: {
      status: 'active',
      round: 1,
      activatedAt: ACTIVATED,
      closesAt: CLOSES,
      closedAt: null,
      closeReason: null,
      rounds: [{ notifiedAt: NOTIFIED, completedAt: null }],
      ...invitation,
    },
  };
}
const answered = (receipt: Partial<ReceiptViewSource> = {}) =>
  source({ status: 'closed', closedAt: ANSWERED, closeReason: 'completed', rounds: [{ notifiedAt: NOTIFIED, completedAt: ANSWERED }] }, receipt);

test('while the link is open, an answered one looks exactly like an unanswered one', () => {
  const view = receiptView(answered(), BEFORE_CLOSE);
  expect(view).toEqual(receiptView(source({}), BEFORE_CLOSE));
  expect(view.invitation).toEqual({
    round: 1,
    activatedAt: ACTIVATED.toISOString(),
    closesAt: CLOSES.toISOString(),
    notifiedAt: NOTIFIED.toISOString(),
    status: 'active',
    closedAt: null,
    closeReason: null,
  });
  // Right after the answer too: nothing moves at the answer's instant.
  expect(receiptView(answered(), new Date(ANSWERED.getTime() + 1))).toEqual(receiptView(source({}), new Date(ANSWERED.getTime() + 1)));
});

test('after the scheduled close both are expired at closesAt, whether or not the timer has fired yet', () => {
  const expected = { status: 'closed', closedAt: CLOSES.toISOString(), closeReason: 'expired' };
  const views = [
    receiptView(answered(), AFTER_CLOSE),
    receiptView(source({ status: 'closed', closedAt: TIMER_FIRED, closeReason: 'expired' }), AFTER_CLOSE),
    receiptView(source({}), new Date(CLOSES.getTime() + 1)), // stored still open: the timer is a moment late
    receiptView(answered(), new Date(CLOSES.getTime() + 1)),
  ];
  for (const v of views) expect(v.invitation).toMatchObject(expected);
  expect(new Set(views.map((v) => JSON.stringify(v))).size).toBe(1);
});

test('a cancelled receipt is withdrawn at its cancellation, answered or not, closed by the workflow yet or not', () => {
  const cancelled = { status: 'cancelled' as const, cancelledAt: CANCELLED };
  const views = [
    receiptView(answered(cancelled), AFTER_CLOSE),
    receiptView(source({ status: 'closed', closedAt: WITHDRAWN_BY_WORKFLOW, closeReason: 'withdrawn' }, cancelled), AFTER_CLOSE),
    receiptView(source({}, cancelled), AFTER_CLOSE),
  ];
  for (const v of views) expect(v.invitation).toMatchObject({ status: 'closed', closedAt: CANCELLED.toISOString(), closeReason: 'withdrawn' });
  expect(new Set(views.map((v) => JSON.stringify(v))).size).toBe(1);
  // Cancelled after the scheduled close: it had expired first, answered or not.
  const late = { status: 'cancelled' as const, cancelledAt: AFTER_CLOSE };
  expect(receiptView(answered(late), AFTER_CLOSE)).toEqual(receiptView(source({ status: 'closed', closedAt: TIMER_FIRED, closeReason: 'expired' }, late), AFTER_CLOSE));
});

test('closings that do not depend on an answer are shown as stored', () => {
  const at = new Date('2026-05-15T21:00:00.000Z');
  for (const reason of ['service_ended', 'operator_cancelled', 'workflow_closed'] as const) {
    expect(receiptView(source({ status: 'closed', closedAt: at, closeReason: reason }), AFTER_CLOSE).invitation)
      .toMatchObject({ status: 'closed', closedAt: at.toISOString(), closeReason: reason });
  }
  // A long service's link past a closesAt (its end) is not declared expired by the view.
  const long = source({ closesAt: CLOSES }, { serviceKind: 'long' });
  expect(receiptView(long, AFTER_CLOSE).invitation).toMatchObject({ status: 'active', closedAt: null, closeReason: null });
  expect(receiptView(source({ status: 'pending', activatedAt: null, closesAt: null, rounds: [] }), AFTER_CLOSE).invitation)
    .toMatchObject({ status: 'pending', notifiedAt: null, closedAt: null, closeReason: null });
});

test('no view, in any state, has an answer time or a completed reason, and every one fits the documented schema', () => {
  const states = [
    answered(), answered({ status: 'cancelled', cancelledAt: CANCELLED }), source({}),
    source({ status: 'closed', closedAt: TIMER_FIRED, closeReason: 'expired' }),
    source({ status: 'closed', closedAt: ANSWERED, closeReason: 'completed', closesAt: null }),
  ];
  for (const s of states) {
    for (const now of [BEFORE_CLOSE, AFTER_CLOSE]) {
      const view = receiptView(s, now);
      expect(ZReceiptView.parse(view)).toEqual(view);
      expect(view.invitation).not.toHaveProperty('completedAt');
      expect(view.invitation?.closeReason).not.toBe('completed');
      expect(JSON.stringify(view)).not.toContain(ANSWERED.toISOString());
    }
  }
});
