/** The citizen JSON API: every status code of API.md, answer validation, one answer per round. */
import { createTestApp, type TestApp } from './app-helper';
import { GOOD_ANSWERS, openLink } from './citizen-helper';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

const view = (token: string) => t.call(null, { method: 'GET', url: `/v1/questionnaires/${token}` });
const answer = (token: string, payload: object) => t.call(null, { method: 'POST', url: `/v1/questionnaires/${token}/responses`, payload });
const signals = async (workflowId: string) =>
  (await t.env.client.workflow.getHandle(workflowId).fetchHistory()).events!
    .filter((e) => e.workflowExecutionSignaledEventAttributes)
    .map((e) => e.workflowExecutionSignaledEventAttributes!.signalName);

test('an open link shows the questionnaire; an answer is stored with its score and version, and the workflow is told', async () => {
  const { token, workflowId, invitationId } = await openLink(t);
  const res = await view(token);
  expect(res.statusCode).toBe(200);
  expect(res.json()).toMatchObject({
    organization: { name: expect.any(String), type: 'healthcare' },
    service: { kind: 'one_time', date: expect.any(String) },
    status: 'open',
    round: 1,
    questionnaire: { version: 1, commentMaxLength: 2000 },
  });
  expect(res.json().questionnaire.items.map((i: { key: string }) => i.key)).toEqual(['info', 'process', 'comfort', 'accessibility', 'courtesy', 'competence', 'overall']);
  expect(res.json().questionnaire.items.filter((i: { allowsNotApplicable: boolean }) => i.allowsNotApplicable).map((i: { key: string }) => i.key)).toEqual(['accessibility']);
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers['referrer-policy']).toBe('no-referrer');

  const created = await answer(token, { answers: GOOD_ANSWERS, comment: '  Спасибо врачам!  ' });
  expect(created.statusCode).toBe(201);
  expect(created.json()).toMatchObject({ round: 1, questionnaireVersion: 1 });
  const stored = await t.tdb.db.response.findUniqueOrThrow({ where: { id: created.json().id }, include: { invitationRound: true } });
  expect(stored).toMatchObject({ ...GOOD_ANSWERS, questionnaireVersion: 1, comment: 'Спасибо врачам!', round: 1, invitationId });
  expect(stored.score).toBeCloseTo((5 + 4 + 4 + 5 + 5 + 4) / 6, 10);
  expect(stored.invitationRound.completedAt).toEqual(stored.submittedAt);
  expect(await signals(workflowId)).toContain('completed');

  expect((await view(token)).json().status).toBe('answered');
  const again = await answer(token, { answers: GOOD_ANSWERS });
  expect(again.statusCode).toBe(409);
  expect(again.headers['content-type']).toContain('application/problem+json');
});

test('simultaneous submissions of one round: exactly one 201, the rest 409, one stored response', async () => {
  const { token, invitationId } = await openLink(t);
  const results = await Promise.all(Array.from({ length: 8 }, (_, i) => answer(token, { answers: { ...GOOD_ANSWERS, overall: (i % 5) + 1 } })));
  const codes = results.map((r) => r.statusCode);
  expect(codes.filter((c) => c === 201)).toHaveLength(1);
  expect(codes.filter((c) => c === 409)).toHaveLength(7);
  expect(await t.tdb.db.response.count({ where: { invitationId } })).toBe(1);
});

test.each([
  ['out of range', { answers: { ...GOOD_ANSWERS, info: 6 } }, ['answers.info']],
  ['zero', { answers: { ...GOOD_ANSWERS, process: 0 } }, ['answers.process']],
  ['not a whole number', { answers: { ...GOOD_ANSWERS, comfort: 4.5 } }, ['answers.comfort']],
  ['a string', { answers: { ...GOOD_ANSWERS, courtesy: '5' } }, ['answers.courtesy']],
  ['a required item missing', { answers: { ...GOOD_ANSWERS, overall: undefined } }, ['answers.overall']],
  ['N/A where not allowed', { answers: { ...GOOD_ANSWERS, competence: null } }, ['answers.competence']],
  ['accessibility missing (N/A must be said)', { answers: { ...GOOD_ANSWERS, accessibility: undefined } }, ['answers.accessibility']],
  ['comment too long', { answers: GOOD_ANSWERS, comment: 'я'.repeat(2001) }, ['comment']],
  ['an unknown item', { answers: { ...GOOD_ANSWERS, parking: 3 } }, ['answers.parking']],
  ['an unknown field', { answers: GOOD_ANSWERS, rating: 5 }, ['rating']],
  ['no answers at all', {}, ['answers']],
])('invalid answers (%s): 422 with the field path, nothing stored', async (_name, payload, paths) => {
  const { token, invitationId } = await openLink(t);
  const res = await answer(token, payload);
  expect(res.statusCode).toBe(422);
  expect(res.json().errors.map((e: { path: string }) => e.path).sort()).toEqual(paths);
  expect(await t.tdb.db.response.count({ where: { invitationId } })).toBe(0);
  expect((await view(token)).json().status).toBe('open');
});

test('a comment of exactly 2000 characters is accepted', async () => {
  const { token } = await openLink(t);
  expect((await answer(token, { answers: GOOD_ANSWERS, comment: 'ж'.repeat(2000) })).statusCode).toBe(201);
});

test('unknown and malformed tokens are 404', async () => {
  // Fastify rejects path parameters over 100 characters before routing.
  expect((await view('x'.repeat(150))).statusCode).toBe(414);
  for (const token of ['A'.repeat(43), 'short', '%00%00', 'x'.repeat(99)]) {
    expect((await view(token)).statusCode).toBe(404);
    expect((await answer(token, { answers: GOOD_ANSWERS })).statusCode).toBe(404);
    expect((await t.call(null, { method: 'POST', url: `/v1/unsubscribe/${token}` })).statusCode).toBe(404);
  }
});

test('a closed or withdrawn link is 410; a link closed by its answer is 409; a link not active yet is 409', async () => {
  const expired = await openLink(t);
  await t.tdb.db.invitation.update({ where: { id: expired.invitationId }, data: { status: 'closed', closeReason: 'expired', closedAt: new Date() } });
  expect((await view(expired.token)).json().status).toBe('closed');
  expect((await answer(expired.token, { answers: GOOD_ANSWERS })).statusCode).toBe(410);

  const ended = await openLink(t);
  await t.tdb.db.invitation.update({ where: { id: ended.invitationId }, data: { status: 'closed', closeReason: 'service_ended', closedAt: new Date() } });
  expect((await answer(ended.token, { answers: GOOD_ANSWERS })).statusCode).toBe(410);

  const withdrawn = await openLink(t);
  expect((await t.call(t.keys.integrator, { method: 'POST', url: `/v1/receipts/${withdrawn.receiptId}/cancel` })).statusCode).toBe(200);
  expect((await view(withdrawn.token)).json().status).toBe('withdrawn');
  expect((await answer(withdrawn.token, { answers: GOOD_ANSWERS })).statusCode).toBe(410);

  const completed = await openLink(t);
  await t.tdb.db.invitation.update({ where: { id: completed.invitationId }, data: { status: 'closed', closeReason: 'completed', closedAt: new Date() } });
  expect((await answer(completed.token, { answers: GOOD_ANSWERS })).statusCode).toBe(409);

  const early = await openLink(t);
  await t.tdb.db.invitation.update({ where: { id: early.invitationId }, data: { status: 'pending' } });
  expect((await view(early.token)).json().status).toBe('not_yet_active');
  expect((await answer(early.token, { answers: GOOD_ANSWERS })).statusCode).toBe(409);
});

test('a long service: an answered round is 409 until the next round opens, then the same link takes a new answer', async () => {
  const { token, invitationId } = await openLink(t, { service: { kind: 'long', start: '2026-09-01', end: null } });
  expect((await answer(token, { answers: GOOD_ANSWERS })).statusCode).toBe(201);
  expect((await answer(token, { answers: GOOD_ANSWERS })).statusCode).toBe(409);
  const inv = await t.tdb.db.invitation.findUniqueOrThrow({ where: { id: invitationId }, include: { receipt: true } });
  expect(inv.status).toBe('active');
  // The workflow opens round 2 half a year later (here: directly, as its activity does).
  await t.tdb.db.$transaction([
    t.tdb.db.invitationRound.create({ data: { invitationId, round: 2, openedAt: new Date() } }),
    t.tdb.db.invitation.update({ where: { id: invitationId }, data: { round: 2 } }),
  ]);
  const second = await answer(token, { answers: { ...GOOD_ANSWERS, overall: 2 } });
  expect(second.statusCode).toBe(201);
  expect(second.json().round).toBe(2);
  expect(await t.tdb.db.response.count({ where: { invitationId } })).toBe(2);
});

test('unsubscribe stops e-mails for that addressee and tells the workflow; repeating it is harmless', async () => {
  const { token, workflowId, invitationId } = await openLink(t);
  const res = await t.call(null, { method: 'POST', url: `/v1/unsubscribe/${token}` });
  expect(res.statusCode).toBe(200);
  expect(res.json()).toEqual({ status: 'unsubscribed' });
  const link = await t.tdb.db.invitationLink.findFirstOrThrow({ where: { invitationId } });
  expect(link.unsubscribedAt).not.toBeNull();
  expect((await t.call(null, { method: 'POST', url: `/v1/unsubscribe/${token}` })).statusCode).toBe(200);
  expect((await t.tdb.db.invitationLink.findFirstOrThrow({ where: { invitationId } })).unsubscribedAt).toEqual(link.unsubscribedAt);
  expect(await signals(workflowId)).toContain('unsubscribed');
  // The link itself still works.
  expect((await view(token)).json().status).toBe('open');
});
