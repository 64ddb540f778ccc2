/**
 * Both mailers against real dependencies: ResendMailer drives the real Resend SDK against
 * the local fake over HTTP; OutboxMailer writes to a freshly migrated scratch database.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/db/client';
import type { EmailMessage } from '../../src/mail/mailer';
import { PermanentMailError, TransientMailError } from '../../src/mail/mailer';
import { OutboxMailer } from '../../src/mail/outbox-mailer';
import { ResendMailer, mailErrorFromResend } from '../../src/mail/resend-mailer';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { type FakeResend, startFakeResend } from '../helpers/fake-resend';

const API_KEY = 're_test_key';
const FROM = 'Оценка качества услуг <feedback@example.test>';

function message(overrides: Partial<EmailMessage> = {}): EmailMessage {
  const notificationId = randomUUID();
  return {
    to: `citizen.${notificationId.slice(0, 8)}@example.test`,
    subject: 'Оцените качество полученной услуги',
    text: 'Текст письма со ссылкой https://feedback.example.test/q/secret-token',
    html: '<p>Текст письма со ссылкой</p>',
    idempotencyKey: `notification/${notificationId}`,
    notificationId,
    ...overrides,
  };
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the send to fail');
}

function expectNoPersonalData(err: Error, m: EmailMessage): void {
  for (const secret of [m.to, m.subject, m.text, m.html, 'citizen.']) expect(err.message).not.toContain(secret);
}

describe('ResendMailer with the real SDK against the fake Resend', () => {
  let fake: FakeResend;
  let mailer: ResendMailer;
  const previousBaseUrl = process.env.RESEND_BASE_URL;

  beforeAll(async () => {
    fake = await startFakeResend({ apiKey: API_KEY });
    process.env.RESEND_BASE_URL = fake.url; // read by the SDK when the client is built
    mailer = new ResendMailer(API_KEY, FROM);
  });
  afterAll(async () => {
    await fake.stop();
    if (previousBaseUrl === undefined) delete process.env.RESEND_BASE_URL;
    else process.env.RESEND_BASE_URL = previousBaseUrl;
  });
  beforeEach(() => fake.reset());

  it('delivers the e-mail once and returns the provider id', async () => {
    const m = message();
    const { providerId } = await mailer.send(m);
    expect(fake.delivered).toEqual([
      { id: providerId, to: [m.to], from: FROM, subject: m.subject, text: m.text, html: m.html, idempotencyKey: m.idempotencyKey },
    ]);
    expect(fake.requests).toMatchObject([{ method: 'POST', path: '/emails', idempotencyKey: m.idempotencyKey, status: 200 }]);
  });

  it('sends again with the same idempotency key without delivering twice', async () => {
    const m = message();
    const first = await mailer.send(m);
    const second = await mailer.send(m);
    expect(second).toEqual(first);
    expect(fake.delivered).toHaveLength(1);
    expect(fake.requests.map((r) => r.replay)).toEqual([false, true]);
  });

  it('delivers before a held response arrives, and a retry meanwhile gets the same id', async () => {
    const m = message();
    fake.delayNext(300);
    const slow = mailer.send(m);
    await waitFor(() => fake.delivered.length === 1);
    const retry = await mailer.send(m);
    expect(await slow).toEqual(retry);
    expect(fake.delivered).toHaveLength(1);
  });

  it.each([
    [500, 'application_error'],
    [503, 'application_error'],
    [429, 'rate_limit_exceeded'],
  ])('turns HTTP %i into a TransientMailError, and the retry delivers once', async (status, name) => {
    const m = message();
    fake.failNext(1, status);
    const err = await failure(mailer.send(m));
    expect(err).toBeInstanceOf(TransientMailError);
    expect(err.message).toBe(`Resend error ${name} (HTTP ${status})`);
    await mailer.send(m);
    expect(fake.delivered).toHaveLength(1);
  });

  it('turns a 422 into a PermanentMailError without the provider message', async () => {
    const m = message();
    fake.failNext(1, 422, { message: `Invalid \`to\` field: ${m.to}; body: ${m.text}` });
    const err = await failure(mailer.send(m));
    expect(err).toBeInstanceOf(PermanentMailError);
    expect(err.message).toBe('Resend error validation_error (HTTP 422)');
    expectNoPersonalData(err, m);
  });

  it('treats an address the provider rejects as permanent and keeps it out of the error', async () => {
    const m = message({ to: 'not-an-address' });
    const err = await failure(mailer.send(m));
    expect(err).toBeInstanceOf(PermanentMailError);
    expect(err.message).not.toContain('not-an-address');
    expect(fake.delivered).toHaveLength(0);
  });

  it('treats a reused idempotency key with another body as permanent', async () => {
    const m = message();
    await mailer.send(m);
    const err = await failure(mailer.send({ ...m, subject: 'Другая тема' }));
    expect(err).toBeInstanceOf(PermanentMailError);
    expect(err.message).toBe('Resend error invalid_idempotent_request (HTTP 409)');
  });

  it('treats a rejected API key as transient: an operator can fix it before the deadline', async () => {
    const err = await failure(new ResendMailer('re_wrong', FROM).send(message()));
    expect(err).toBeInstanceOf(TransientMailError);
    expect(err.message).toBe('Resend error invalid_api_key (HTTP 403)');
  });

  it('treats an unreachable provider as transient', async () => {
    const gone = await startFakeResend();
    process.env.RESEND_BASE_URL = gone.url;
    await gone.stop();
    const m = message();
    const err = await failure(new ResendMailer(API_KEY, FROM).send(m));
    process.env.RESEND_BASE_URL = fake.url;
    expect(err).toBeInstanceOf(TransientMailError);
    expect(err.message).toBe('Resend error application_error (no HTTP status)');
    expectNoPersonalData(err, m);
  });
});

describe('mailErrorFromResend', () => {
  it.each([
    ['validation_error', 403, PermanentMailError],
    ['missing_required_field', 422, PermanentMailError],
    ['invalid_from_address', 422, PermanentMailError],
    ['invalid_idempotency_key', 400, PermanentMailError],
    ['application_error', 400, PermanentMailError],
    ['concurrent_idempotent_requests', 409, TransientMailError],
    ['daily_quota_exceeded', 429, TransientMailError],
    ['internal_server_error', 500, TransientMailError],
    ['missing_api_key', 401, TransientMailError],
    ['application_error', null, TransientMailError],
  ] as const)('%s (%s) → %p', (name, statusCode, expected) => {
    expect(mailErrorFromResend({ name, statusCode })).toBeInstanceOf(expected);
  });

  it('keeps an unexpected error name out of the message', () => {
    const err = mailErrorFromResend({ name: 'Bad <citizen@example.test>' as never, statusCode: 502 });
    expect(err).toBeInstanceOf(TransientMailError);
    expect(err.message).toBe('Resend error unknown_error (HTTP 502)');
  });
});

describe('OutboxMailer on a freshly migrated database', () => {
  let tdb: TestDatabase;
  let db: Db;
  let lines: { obj: object; msg: string }[];
  let mailer: OutboxMailer;

  beforeAll(async () => {
    tdb = await createTestDatabase('mail');
    db = tdb.db;
  });
  afterAll(async () => tdb?.drop());
  beforeEach(() => {
    lines = [];
    mailer = new OutboxMailer(db, { info: (obj, msg) => lines.push({ obj, msg }) });
  });

  it('writes one row per notification; a second send is a no-op with the same id', async () => {
    const m = message({ notificationId: await createNotification(db) });
    const first = await mailer.send(m);
    const second = await mailer.send({ ...m, subject: 'Изменённая тема' });
    expect(second).toEqual(first);
    const rows = await db.outboxEmail.findMany({ where: { notificationId: m.notificationId } });
    expect(rows).toHaveLength(1);
    expect(first.providerId).toBe(`outbox:${rows[0].id}`);
    expect(rows[0]).toMatchObject({ to: m.to, subject: m.subject, text: m.text, html: m.html });
  });

  it('keeps one row when the same notification is sent concurrently', async () => {
    const m = message({ notificationId: await createNotification(db) });
    const results = await Promise.all([mailer.send(m), mailer.send(m), mailer.send(m)]);
    expect(new Set(results.map((r) => r.providerId)).size).toBe(1);
    expect(await db.outboxEmail.count({ where: { notificationId: m.notificationId } })).toBe(1);
  });

  it('gives each notification its own row', async () => {
    const a = await mailer.send(message({ notificationId: await createNotification(db) }));
    const b = await mailer.send(message({ notificationId: await createNotification(db) }));
    expect(a.providerId).not.toBe(b.providerId);
  });

  it('logs ids only: no address, subject or body', async () => {
    const m = message({ notificationId: await createNotification(db) });
    const { providerId } = await mailer.send(m);
    expect(lines).toEqual([
      { obj: { notificationId: m.notificationId, outboxId: providerId.slice('outbox:'.length) }, msg: 'e-mail written to the outbox' },
    ]);
    const logged = JSON.stringify(lines);
    for (const secret of [m.to, m.subject, m.text, m.html]) expect(logged).not.toContain(secret);
  });
});

/** The minimal chain an outbox row needs: organisation, integrator → receipt → invitation → link → notification. */
async function createNotification(db: Db): Promise<string> {
  const unique = randomUUID();
  const organization = await db.organization.create({
    data: { code: `org-${unique}`, name: 'ГБУ «Центр»', typeCode: 'healthcare', regionCode: '42', founderLevel: 'regional' },
  });
  const account = await db.account.create({
    data: { snilsHash: `hash-${unique}`, email: `citizen.${unique}@example.test`, confirmed: true },
  });
  const integrator = await db.integrator.create({ data: { code: `mis-${unique}` } });
  const receipt = await db.receipt.create({
    data: {
      integratorId: integrator.id, externalId: unique, bodyHash: unique, organizationId: organization.id,
      serviceKind: 'one_time', serviceDate: new Date('2026-11-23'), minor: false, late: false,
      invitation: { create: { status: 'active', round: 1, rounds: { create: { round: 1, openedAt: new Date() } } } },
    },
    include: { invitation: true },
  });
  const invitationId = receipt.invitation!.id;
  const link = await db.invitationLink.create({
    data: { invitationId, accountId: account.id, tokenNonce: unique, tokenHash: `token-${unique}` },
  });
  const notification = await db.notification.create({ data: { invitationId, round: 1, linkId: link.id } });
  return notification.id;
}

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
