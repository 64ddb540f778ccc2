/**
 * The portal notification channel on the time-skipping server, with the real activities and
 * a fake portal over real HTTP beside the fake Resend: each round's notice goes to the
 * portal as well as by e-mail, retried until the same 4-day deadline as the e-mail with one
 * Idempotency-Key; its outcome is recorded on its own row; the
 * round counts as notified once, by whichever channel reached the citizen first. Off without
 * a notifier, and never for an account without the portal's account id. (The portal's
 * Retry-After is proved on the dev server, test/e2e/portal-retry-after.test.ts: the
 * time-skipping server does not implement an activity's own next-retry delay.)
 */
import './quiet-worker-logs';
import { PortalNotifier } from '../../src/portal/notify';
import { startFakePortal, type FakePortal } from '../helpers/fake-portal';
import { activationAt, daysAgo, invitationOf, makePerson, receivedAt, sleepUntil, useHarness, withoutEmail } from './harness';

const DAY = 86_400_000;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const h = useHarness();
let portal: FakePortal;
beforeAll(async () => {
  portal = await startFakePortal();
});
afterAll(() => portal?.stop());
beforeEach(() => portal.reset());

const notifier = () => new PortalNotifier({ url: portal.url, secret: portal.secret });
let accounts = 0;

/** A citizen with a confirmed account (a portal account id unless `null`) and a receipt just posted. */
async function postCitizen(portalAccountId: string | null = `esia-wf-${Date.now()}-${++accounts}`) {
  const citizen = makePerson('1962-02-02');
  await h.account(citizen, true, portalAccountId ?? undefined);
  const posted = await h.post({ service: { kind: 'one_time', date: await daysAgo(h.env, 0) }, recipient: withoutEmail(citizen) });
  return { ...posted, citizen, portalAccountId, t0: await receivedAt(h, posted.id), act: await activationAt(h, posted.id) };
}

const byChannel = async (id: string) => {
  const inv = await invitationOf(h, id);
  return { inv, email: inv.notifications.filter((n) => n.channel === 'email'), portal: inv.notifications.filter((n) => n.channel === 'portal') };
};

test('the portal is told beside the e-mail: one signed notice naming the portal account; the round notified once', async () => {
  const worker = await h.worker({ portal: notifier() });
  await worker.runUntil(async () => {
    const { id, act, portalAccountId, citizen } = await postCitizen();
    await sleepUntil(h.env, act + 10 * MINUTE);
    const { inv, email, portal: notices } = await byChannel(id);
    expect(email).toEqual([expect.objectContaining({ status: 'sent', attempts: 1 })]);
    expect(notices).toEqual([expect.objectContaining({ status: 'sent', attempts: 1, linkId: email[0].linkId })]);
    expect(portal.shown).toEqual([{ idempotencyKey: `notification-${notices[0].id}`, body: expect.objectContaining({ portalAccountId, round: 1 }) }]);
    expect(portal.requests.every((r) => r.verified)).toBe(true);
    expect(portal.requests[0].raw).not.toContain(citizen.email);
    const first = Math.min(email[0].sentAt!.getTime(), notices[0].sentAt!.getTime());
    expect(inv.rounds[0].notifiedAt!.getTime()).toBe(first);
  });
});

test('a portal down until the deadline: retried with one Idempotency-Key, then recorded failed; the e-mail went, the round is notified', async () => {
  portal.failAlways(503);
  const worker = await h.worker({ portal: notifier() });
  await worker.runUntil(async () => {
    const { id, t0, act } = await postCitizen();
    await sleepUntil(h.env, t0 + 3 * DAY);
    expect((await byChannel(id)).portal[0].status).toBe('pending');

    await sleepUntil(h.env, t0 + 4 * DAY + MINUTE);
    const { inv, email, portal: [notice] } = await byChannel(id);
    expect(notice.status).toBe('failed');
    expect(notice.failedAt!.getTime()).toBeLessThanOrEqual(t0 + 4 * DAY + MINUTE);
    expect(notice.failedAt!.getTime()).toBeGreaterThan(t0 + 4 * DAY - HOUR - MINUTE);
    expect(notice.attempts).toBeGreaterThan(10);
    expect(notice.attempts).toBe(portal.requests.length);
    expect(new Set(portal.requests.map((r) => r.idempotencyKey))).toEqual(new Set([`notification-${notice.id}`]));
    expect(notice.lastError).toMatch(/TransientPortalError: Portal error \(HTTP 503\)$/);
    expect(email[0].status).toBe('sent');
    expect(inv.rounds[0].notifiedAt!.getTime()).toBe(email[0].sentAt!.getTime());
    expect(inv.rounds[0].notifiedAt!.getTime()).toBeLessThan(act + MINUTE);
    expect(inv.status).toBe('active');
  });
});

test('an e-mail that never goes, a portal notice that does: the round is notified by the portal', async () => {
  h.fake.failNext(100_000, 500);
  const worker = await h.worker({ portal: notifier() });
  await worker.runUntil(async () => {
    const { id, t0 } = await postCitizen();
    await sleepUntil(h.env, t0 + 4 * DAY + MINUTE);
    const { inv, email, portal: notices } = await byChannel(id);
    expect(email[0].status).toBe('failed');
    expect(notices[0].status).toBe('sent');
    expect(inv.rounds[0].notifiedAt!.getTime()).toBe(notices[0].sentAt!.getTime());
  });
});

test('off without a notifier (PORTAL_NOTIFY_URL unset), and never for an account without a portal id: e-mail only', async () => {
  for (const [options, portalAccountId] of [[{}, 'esia-off-1'], [{ portal: notifier() }, null]] as const) {
    const worker = await h.worker(options);
    await worker.runUntil(async () => {
      const { id, act } = await postCitizen(portalAccountId);
      await sleepUntil(h.env, act + 10 * MINUTE);
      const { inv, email, portal: notices } = await byChannel(id);
      expect(email).toEqual([expect.objectContaining({ status: 'sent' })]);
      expect(notices).toEqual([]);
      expect(inv.rounds[0].notifiedAt!.getTime()).toBe(email[0].sentAt!.getTime());
    });
  }
  expect(portal.requests).toEqual([]);
});
