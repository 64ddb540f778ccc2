/**
 * Drift guard: the hand-written migrations must produce exactly what prisma/schema.prisma
 * describes. Every model is written with every field set and read back on a freshly
 * migrated database; a model added to the schema without a case here fails the test.
 */
import { Prisma } from '../../src/generated/prisma/client';
import { listMigrations, migrate } from '../../src/db/migrate';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase('schema');
});
afterAll(async () => tdb?.drop());

test('every model round-trips on a freshly migrated database', async () => {
  const db = tdb.db;
  const now = new Date('2026-03-02T10:00:00.000Z');
  const covered: string[] = [];
  const roundTrip = async <T extends object>(model: string, created: T, read: () => Promise<unknown>) => {
    covered.push(model);
    expect(await read()).toMatchObject(created);
  };

  const region = await db.region.create({ data: { code: '99', name: 'Тестовый регион' } });
  await roundTrip('Region', region, () => db.region.findUnique({ where: { code: '99' } }));
  const type = await db.organizationType.create({ data: { code: 'test_type', name: 'тест', sector: 'health' } });
  await roundTrip('OrganizationType', type, () => db.organizationType.findUnique({ where: { code: 'test_type' } }));
  const rot = await db.regionOrganizationType.create({ data: { regionCode: '99', typeCode: 'test_type' } });
  await roundTrip('RegionOrganizationType', rot, () => db.regionOrganizationType.findFirst({ where: { regionCode: '99' } }));
  const org = await db.organization.create({
    data: { code: 'ORG-1', name: 'Организация', typeCode: 'test_type', regionCode: '99', founderLevel: 'municipal' },
  });
  await roundTrip('Organization', org, () => db.organization.findUnique({ where: { id: org.id } }));
  const account = await db.account.create({ data: { snilsHash: 'h1', email: 'a@example.test', confirmed: true } });
  await roundTrip('Account', account, () => db.account.findUnique({ where: { id: account.id } }));
  const integrator = await db.integrator.create({ data: { code: 'mis', createdAt: now } });
  await roundTrip('Integrator', integrator, () => db.integrator.findUnique({ where: { code: 'mis' } }));
  const key = await db.apiKey.create({
    data: {
      name: 'k', role: 'integrator', regions: ['99'], sectors: ['health', 'sport'], organizationCode: 'ORG-1', integratorId: integrator.id,
      keyHash: 'kh', prefix: 'sfk_x', revokedAt: now, expiresAt: now, lastUsedAt: now,
    },
  });
  await roundTrip('ApiKey', key, () => db.apiKey.findUnique({ where: { id: key.id } }));
  const receipt = await db.receipt.create({
    data: {
      integratorId: integrator.id, externalId: 'E1', bodyHash: 'b', organizationId: org.id, serviceKind: 'long',
      serviceDate: new Date('2026-01-01'), serviceEnd: new Date('2026-06-30'), minor: true, late: true,
      status: 'cancelled', receivedAt: now, cancelledAt: now, workflowStartedAt: now,
    },
  });
  await roundTrip('Receipt', receipt, () => db.receipt.findUnique({ where: { id: receipt.id } }));
  const person = await db.receiptPerson.create({ data: { receiptId: receipt.id, position: 0, role: 'representative', snilsHash: 'h1' } });
  await roundTrip('ReceiptPerson', person, () => db.receiptPerson.findFirst({ where: { receiptId: receipt.id } }));
  const invitation = await db.invitation.create({
    data: { receiptId: receipt.id, status: 'closed', round: 2, activatedAt: now, closesAt: now, closedAt: now, closeReason: 'service_ended' },
  });
  await roundTrip('Invitation', invitation, () => db.invitation.findUnique({ where: { id: invitation.id } }));
  const link = await db.invitationLink.create({
    data: { invitationId: invitation.id, accountId: account.id, tokenNonce: 'n', tokenHash: 't', unsubscribedAt: now },
  });
  await roundTrip('InvitationLink', link, () => db.invitationLink.findUnique({ where: { id: link.id } }));
  const round = await db.invitationRound.create({
    data: { invitationId: invitation.id, round: 1, openedAt: now, notifiedAt: now, completedAt: now },
  });
  await roundTrip('InvitationRound', round, () => db.invitationRound.findFirst({ where: { invitationId: invitation.id } }));
  const notification = await db.notification.create({
    data: { invitationId: invitation.id, round: 1, linkId: link.id, status: 'failed', attempts: 3, providerId: 'p', lastError: 'e', sentAt: now, failedAt: now },
  });
  await roundTrip('Notification', notification, () => db.notification.findUnique({ where: { id: notification.id } }));
  const outbox = await db.outboxEmail.create({ data: { notificationId: notification.id, to: 'a@example.test', subject: 's', text: 't', html: 'h' } });
  await roundTrip('OutboxEmail', outbox, () => db.outboxEmail.findUnique({ where: { id: outbox.id } }));

  const response = await db.response.create({
    data: {
      invitationId: invitation.id, round: 1, linkId: link.id, organizationId: org.id, questionnaireVersion: 1,
      info: 5, process: 4, comfort: 3, accessibility: null, courtesy: 2, competence: 1, overall: 5, score: 20 / 6, comment: 'ок', submittedAt: now,
    },
  });
  await roundTrip('Response', response, () => db.response.findUnique({ where: { id: response.id } }));

  const items = Object.fromEntries(
    ['info', 'process', 'comfort', 'accessibility', 'courtesy', 'competence', 'overall'].flatMap((k, i) => [[`${k}Sum`, 10 + i], [`${k}Count`, 3]]),
  );
  const snapshot = await db.indicatorSnapshot.create({
    data: {
      period: '2026-Q1', organizationId: org.id, regionCode: '99', typeCode: 'test_type', sector: 'health', final: true,
      receipts: 9, late: 1, noAccount: 2, activated: 7, notified: 6, completed: 3, scoreSum: 12.5, scoreSumSq: 53.25, ...items,
      computedAt: now, runId: receipt.id,
    },
  });
  await roundTrip('IndicatorSnapshot', snapshot, () => db.indicatorSnapshot.findUnique({ where: { period_organizationId: { period: '2026-Q1', organizationId: org.id } } }));
  const run = await db.scoringRun.create({
    data: { period: '2026-Q1', final: true, trigger: 'admin', status: 'completed', workflowId: 'scoring-2026-Q1', finishedAt: now, organizations: 1, changed: 1, changes: [{ organization: 'ORG-1' }], error: null },
  });
  await roundTrip('ScoringRun', run, () => db.scoringRun.findUnique({ where: { id: run.id } }));
  const participant = await db.participant.create({
    data: { name: 'p', subject: 'sub-1', email: 'head@example.test', role: 'region', regions: ['42'], sectors: [], organizationCode: null, createdAt: now, lastSignInAt: now, deactivatedAt: null },
  });
  await roundTrip('Participant', participant, () => db.participant.findUnique({ where: { subject: 'sub-1' } }));
  const event = await db.auditEvent.create({ data: { at: now, actor: 'participant:x (p)', action: 'participant.create', target: 'participant:y', detail: { role: 'region' } } });
  await roundTrip('AuditEvent', event, () => db.auditEvent.findUnique({ where: { id: event.id } }));

  expect(covered.sort()).toEqual(Object.values(Prisma.ModelName).sort());

  // unique keys the application relies on: an externalId is unique per integrator
  const receiptOf = (integratorId: string) => db.receipt.create({
    data: { integratorId, externalId: 'E1', bodyHash: 'x', organizationId: org.id, serviceKind: 'one_time', serviceDate: now, minor: false, late: false },
  });
  await expect(receiptOf(integrator.id)).rejects.toMatchObject({ code: 'P2002' });
  await expect(receiptOf((await db.integrator.create({ data: { code: 'another mis' } })).id)).resolves.toMatchObject({ externalId: 'E1' });
  await expect(db.integrator.create({ data: { code: 'mis' } })).rejects.toMatchObject({ code: 'P2002' });
  // a participant is found by subject or e-mail (at least one, each unique, e-mail in lower case), never an integrator
  const someone = { name: 'q', regions: [], sectors: [], role: 'federal' as const };
  await expect(db.participant.create({ data: { ...someone, subject: 'sub-1' } })).rejects.toMatchObject({ code: 'P2002' });
  await expect(db.participant.create({ data: someone })).rejects.toThrow(/participant_identified/);
  await expect(db.participant.create({ data: { ...someone, email: 'Head@Example.test' } })).rejects.toThrow(/participant_email_lowercase/);
  await expect(db.participant.create({ data: { ...someone, subject: 'sub-2', role: 'integrator' } })).rejects.toThrow(/participant_not_integrator/);
  // an integrator key has an integrator, no other key has one (CHECK constraint, not in the Prisma schema)
  const keyData = { name: 'k2', regions: [], sectors: [], prefix: 'sfk_y' };
  await expect(db.apiKey.create({ data: { ...keyData, role: 'integrator', keyHash: 'kh2' } })).rejects.toThrow(/api_key_integrator_id_check/);
  await expect(db.apiKey.create({ data: { ...keyData, role: 'admin', integratorId: integrator.id, keyHash: 'kh3' } })).rejects.toThrow(/api_key_integrator_id_check/);
  await expect(db.notification.create({ data: { invitationId: invitation.id, round: 1, linkId: link.id } })).rejects.toMatchObject({ code: 'P2002' });
  await expect(db.response.create({
    data: { invitationId: invitation.id, round: 1, linkId: link.id, organizationId: org.id, questionnaireVersion: 1, score: 5 },
  })).rejects.toMatchObject({ code: 'P2002' });
});

test('migrations are recorded like prisma migrate deploy and applied once', async () => {
  const again = await migrate(tdb.url);
  expect(again.applied).toEqual([]);
  expect(again.alreadyApplied).toEqual(listMigrations().map((m) => m.name));
  const rows = await tdb.db.$queryRaw<{ migration_name: string; finished_at: Date | null; applied_steps_count: number; checksum: string }[]>`
    SELECT migration_name, finished_at, applied_steps_count, checksum FROM "_prisma_migrations" ORDER BY migration_name`;
  expect(rows.map((r) => r.migration_name)).toEqual(listMigrations().map((m) => m.name));
  for (const r of rows) {
    expect(r.finished_at).not.toBeNull();
    expect(r.applied_steps_count).toBe(1);
    expect(r.checksum).toMatch(/^[0-9a-f]{64}$/);
  }
});
