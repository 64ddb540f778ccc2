/**
 * The portal webhook over real HTTP against the fake portal: the signature scheme exactly
 * as docs/portal.md gives it (a receiver's check accepts it, a wrong secret, a changed body
 * or a stale timestamp does not), the Idempotency-Key sent as given, and how each answer
 * is classified (2xx sent; 4xx but 408/429 permanent; 408, 429, 5xx, a refused connection
 * transient, with the portal's Retry-After). No error repeats the portal's reply.
 */
import { createHmac } from 'node:crypto';
import {
  PermanentPortalError,
  PortalNotifier,
  portalSignature,
  TransientPortalError,
  verifyPortalSignature,
  type PortalNotice,
} from '../../src/portal/notify';
import { startFakePortal, type FakePortal } from '../helpers/fake-portal';

const notice: PortalNotice = {
  type: 'questionnaire.invitation',
  notificationId: '7f1d3f0e-0000-4000-8000-000000000001',
  portalAccountId: 'esia-1000123',
  organization: { code: '1024200000001', name: 'ГБУЗ «Городская больница № 1»', type: 'healthcare', typeName: 'организации здравоохранения' },
  round: 1,
  reminder: false,
  until: '2026-12-21T09:00:00.000Z',
  url: 'https://feedback.example/q/abc',
};

let portal: FakePortal;
beforeAll(async () => {
  portal = await startFakePortal();
});
afterAll(() => portal?.stop());
beforeEach(() => portal.reset());

const notifier = () => new PortalNotifier({ url: portal.url, secret: portal.secret });

describe('the signature', () => {
  test('is t=<unix>,v1=<hex HMAC-SHA256 of "t.body">, as a receiver recomputes it by hand', () => {
    const body = JSON.stringify(notice);
    const header = portalSignature('s3cret', 1_765_000_000, body);
    const hex = createHmac('sha256', 's3cret').update(`1765000000.${body}`).digest('hex');
    expect(header).toBe(`t=1765000000,v1=${hex}`);
    expect(verifyPortalSignature('s3cret', header, body, 1_765_000_100)).toBe(true);
  });

  test('a wrong secret, a changed body, a stale or future timestamp, or garbage do not verify', () => {
    const body = JSON.stringify(notice);
    const header = portalSignature('s3cret', 1_765_000_000, body);
    expect(verifyPortalSignature('other', header, body, 1_765_000_000)).toBe(false);
    expect(verifyPortalSignature('s3cret', header, body.replace('esia-1000123', 'esia-1000124'), 1_765_000_000)).toBe(false);
    expect(verifyPortalSignature('s3cret', header, body, 1_765_000_301)).toBe(false);
    expect(verifyPortalSignature('s3cret', header, body, 1_764_999_699)).toBe(false);
    expect(verifyPortalSignature('s3cret', 'v1=abc', body, 1_765_000_000)).toBe(false);
    expect(verifyPortalSignature('s3cret', null, body, 1_765_000_000)).toBe(false);
  });
});

describe('a send', () => {
  test('arrives signed, with the Idempotency-Key given and the notice as JSON; a repeat is shown once', async () => {
    await notifier().send(notice, 'notification-1');
    await notifier().send(notice, 'notification-1');
    expect(portal.requests).toHaveLength(2);
    for (const r of portal.requests) {
      expect(r).toMatchObject({ idempotencyKey: 'notification-1', verified: true, status: 200, body: notice });
      expect(r.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    }
    expect(portal.shown).toEqual([{ idempotencyKey: 'notification-1', body: notice }]);
  });

  test('signed with another secret, the portal refuses it (401): a permanent failure', async () => {
    const wrong = new PortalNotifier({ url: portal.url, secret: 'not-the-shared-secret' });
    await expect(wrong.send(notice, 'notification-2')).rejects.toThrow(PermanentPortalError);
    expect(portal.requests[0]).toMatchObject({ verified: false, status: 401 });
    expect(portal.shown).toEqual([]);
  });

  test.each([400, 403, 404, 409, 410, 422])('HTTP %i is permanent', async (status) => {
    portal.failNext(1, status);
    const err = await notifier().send(notice, 'k').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentPortalError);
    expect((err as Error).message).toBe(`Portal error (HTTP ${status})`);
  });

  test.each([408, 429, 500, 502, 503, 504])('HTTP %i is transient', async (status) => {
    portal.failNext(1, status);
    const err = await notifier().send(notice, 'k').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientPortalError);
    expect((err as TransientPortalError).retryAfterMs).toBeUndefined();
  });

  test('the portal\'s Retry-After is kept for the next attempt', async () => {
    portal.failNext(1, 429, 120);
    const err = (await notifier().send(notice, 'k').catch((e: unknown) => e)) as TransientPortalError;
    expect(err).toBeInstanceOf(TransientPortalError);
    expect(err.retryAfterMs).toBe(120_000);
  });

  test('the fake portal can refuse one account only (the replay recording\'s portal-failure)', async () => {
    portal.failFor('esia-1000123', 503);
    await expect(notifier().send(notice, 'k1')).rejects.toThrow(TransientPortalError);
    await notifier().send({ ...notice, portalAccountId: 'esia-2000456' }, 'k2');
    expect(portal.requests.map((r) => r.status)).toEqual([503, 200]);
  });

  test('nobody listening is transient, and the error names the network code only', async () => {
    const closed = await startFakePortal();
    const url = closed.url;
    await closed.stop();
    const err = (await new PortalNotifier({ url, secret: 'x' }).send(notice, 'k').catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(TransientPortalError);
    expect(err.message).toBe('Portal request failed: ECONNREFUSED');
  });
});
