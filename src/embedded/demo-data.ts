/**
 * Demo data for `npm start` on its embedded (development) database, so that a new user who
 * signs in to the cabinet sees indicators, charts and comments at once: organisations in
 * regions 42, 54 and 16, and for each of the last six quarters receipts, invitations,
 * notified rounds and answers of a plausible spread, then scored as the schedules would.
 *
 * Made once, into an empty database only (no receipt of any integrator yet), by one
 * deterministic set of SQL statements (setseed), under the integrator `demo-data`. It is
 * never made for a DATABASE_URL database: real data is never mixed with made-up data.
 */
import { createScoringActivities } from '../../activities/scoring';
import type { Db } from '../db/client';
import { currentPeriod, periodBounds, shiftPeriod } from '../domain/periods';

const QUARTERS = 6;

/** Organisations of the demo: region, type, quality (mean answer), volume (receipts a quarter). */
const ORGANIZATIONS: { code: string; name: string; type: string; region: string; quality: number; volume: number }[] = [
  { code: '1024200000001', name: 'ГБУЗ «Городская больница № 1»', type: 'healthcare', region: '42', quality: 4.3, volume: 60 },
  { code: '1024200000002', name: 'ГАУЗ «Областная клиническая больница»', type: 'healthcare', region: '42', quality: 4.6, volume: 80 },
  { code: '1024200000003', name: 'ГБУЗ «Детская поликлиника № 5»', type: 'healthcare', region: '42', quality: 3.9, volume: 45 },
  { code: '1024200000011', name: 'МБОУ «Средняя школа № 12»', type: 'general_education', region: '42', quality: 4.4, volume: 40 },
  { code: '1024200000012', name: 'МБОУ «Гимназия № 1»', type: 'general_education', region: '42', quality: 4.7, volume: 35 },
  { code: '1024200000021', name: 'МБДОУ «Детский сад № 44 „Солнышко“»', type: 'preschool_education', region: '42', quality: 4.5, volume: 30 },
  { code: '1024200000031', name: 'ГАУ «Спортивная школа олимпийского резерва»', type: 'sports', region: '42', quality: 4.2, volume: 25 },
  { code: '1024200000041', name: 'Бюро медико-социальной экспертизы № 3', type: 'mse_bureau', region: '42', quality: 3.7, volume: 20 },
  { code: '1025400000001', name: 'ГБУЗ НСО «Городская поликлиника № 2»', type: 'healthcare', region: '54', quality: 4.1, volume: 55 },
  { code: '1025400000011', name: 'МАОУ «Лицей № 9»', type: 'general_education', region: '54', quality: 4.6, volume: 35 },
  { code: '1021600000001', name: 'ГАУЗ «Республиканская клиническая больница»', type: 'healthcare', region: '16', quality: 4.5, volume: 70 },
  { code: '1021600000021', name: 'МБДОУ «Детский сад № 310»', type: 'preschool_education', region: '16', quality: 4.4, volume: 25 },
];

const COMMENTS = [
  'Всё понравилось, спасибо персоналу.',
  'Долго ждали в очереди, больше часа.',
  'Очень вежливый врач, всё объяснил.',
  'Не хватает пандуса у входа.',
  'Спасибо Петровой Марии Ивановне за внимание! Мой телефон +7 913 555-12-34, перезвоните.',
  'Запись через портал работает хорошо.',
  'В помещении было холодно и грязно.',
  'Информацию о приёме найти было трудно.',
];

/** Whether the database has never taken a receipt: the only case in which demo data is made. */
export async function isEmptyDatabase(db: Db): Promise<boolean> {
  return (await db.receipt.count()) === 0;
}

/** Makes the demo data set and scores its quarters; returns how many receipts it made. */
export async function seedDemoData(db: Db, now = new Date()): Promise<number> {
  const current = currentPeriod(now);
  const periods = Array.from({ length: QUARTERS }, (_, i) => shiftPeriod(current, i - (QUARTERS - 1)));
  const made = await db.$transaction(async (tx) => {
    await tx.$executeRawUnsafe('SELECT setseed(0.42)');
    for (const o of ORGANIZATIONS) {
      await tx.organization.upsert({
        where: { code: o.code },
        create: { code: o.code, name: o.name, typeCode: o.type, regionCode: o.region, founderLevel: 'regional' },
        update: {},
      });
    }
    const integrator = await tx.integrator.upsert({ where: { code: 'demo-data' }, create: { code: 'demo-data' }, update: {} });
    await tx.$executeRawUnsafe(`CREATE TEMP TABLE demo_r ON COMMIT DROP AS
      SELECT gen_random_uuid() AS receipt_id, gen_random_uuid() AS invitation_id, gen_random_uuid() AS link_id, gen_random_uuid() AS account_id,
             gen_random_uuid() AS response_id, o.id AS org_id, d.quality,
             q.start + random() * (least(q.stop, $1::timestamptz - interval '2 days') - q.start) AS received_at,
             random() < 0.92 AS notified, random() < 0.25 + (d.quality - 3.5) * 0.12 AS answered, random() AS r
      FROM unnest($2::text[], $3::float8[], $4::int[]) AS d(code, quality, volume)
      JOIN organization o ON o.code = d.code
      CROSS JOIN unnest($5::timestamptz[], $6::timestamptz[], $7::float8[]) AS q(start, stop, share)
      CROSS JOIN LATERAL generate_series(1, greatest(1, round(d.volume * q.share * (0.8 + random() * 0.4))::int)) AS g
      WHERE q.start < $1::timestamptz - interval '2 days'`,
      now.toISOString(),
      ORGANIZATIONS.map((o) => o.code), ORGANIZATIONS.map((o) => o.quality), ORGANIZATIONS.map((o) => o.volume),
      periods.map((p) => periodBounds(p).start.toISOString()), periods.map((p) => periodBounds(p).end.toISOString()),
      // The current quarter has as many receipts as the part of it that has passed.
      periods.map((p) => (p === current ? Math.min(1, (now.getTime() - periodBounds(p).start.getTime()) / (periodBounds(p).end.getTime() - periodBounds(p).start.getTime())) : 1)),
    );
    await tx.$executeRawUnsafe(`INSERT INTO account (id, snils_hash, email, confirmed, updated_at)
      SELECT account_id, 'demo-' || account_id, 'citizen-' || left(account_id::text, 8) || '@demo.test', true, now() FROM demo_r`);
    const receipts = await tx.$executeRawUnsafe(`INSERT INTO receipt (id, integrator_id, external_id, body_hash, organization_id, service_kind, service_date, minor, late, status, received_at, workflow_started_at)
      SELECT receipt_id, $1::uuid, 'DEMO-' || receipt_id, 'demo', org_id, 'one_time', (received_at AT TIME ZONE 'Europe/Moscow')::date - (r < 0.1)::int * 2,
             false, r < 0.1, 'active', received_at, received_at FROM demo_r`, integrator.id);
    await tx.$executeRawUnsafe(`INSERT INTO invitation (id, receipt_id, status, round, activated_at, closes_at, closed_at, close_reason, updated_at)
      SELECT invitation_id, receipt_id,
             CASE WHEN received_at + interval '1 day 1 month' < $1::timestamptz THEN 'closed' ELSE 'active' END::invitation_status, 1,
             received_at + interval '1 day', received_at + interval '1 day 1 month',
             CASE WHEN received_at + interval '1 day 1 month' < $1::timestamptz THEN received_at + interval '1 day 1 month' END,
             CASE WHEN received_at + interval '1 day 1 month' < $1::timestamptz THEN 'expired' END::close_reason, now()
      FROM demo_r`, now.toISOString());
    await tx.$executeRawUnsafe(`INSERT INTO invitation_link (id, invitation_id, account_id, token_nonce, token_hash)
      SELECT link_id, invitation_id, account_id, 'demo-' || link_id, 'demo-' || link_id FROM demo_r`);
    await tx.$executeRawUnsafe(`INSERT INTO invitation_round (invitation_id, round, opened_at, notified_at, completed_at)
      SELECT invitation_id, 1, received_at + interval '1 day', CASE WHEN notified THEN received_at + interval '1 day 2 hours' END,
             CASE WHEN notified AND answered THEN received_at + interval '3 days' END FROM demo_r`);
    await tx.$executeRawUnsafe(`INSERT INTO notification (id, invitation_id, round, link_id, status, attempts, sent_at)
      SELECT gen_random_uuid(), invitation_id, 1, link_id, 'sent', 1, received_at + interval '1 day 2 hours' FROM demo_r WHERE notified`);
    await tx.$executeRawUnsafe(`INSERT INTO response (id, invitation_id, round, link_id, organization_id, questionnaire_version,
        info, process, comfort, accessibility, courtesy, competence, overall, score, comment, submitted_at)
      SELECT response_id, invitation_id, 1, link_id, org_id, 1, a[1], a[2], a[3], a[4], a[5], a[6], a[7],
             (a[1] + a[2] + a[3] + a[4] + a[5] + a[6] + a[7])::float8 / 7,
             CASE WHEN r < 0.35 THEN ($2::text[])[1 + floor(r * 100)::int % cardinality($2::text[])] END,
             received_at + interval '3 days'
      FROM demo_r, LATERAL (SELECT array_agg(greatest(1, least(5, round(quality + (random() - 0.5) * 2.2 - (i = 4)::int * 0.4)))::smallint ORDER BY i) AS a
                            FROM generate_series(1, 7) AS i) AS answers
      WHERE notified AND answered AND received_at + interval '3 days' < $1::timestamptz`, now.toISOString(), COMMENTS);
    return receipts;
  }, { timeout: 120_000 });
  const scoring = createScoringActivities({ db, clock: () => now });
  for (const period of periods) {
    await scoring.computeSnapshots({ period, final: period !== current, trigger: period === current ? 'provisional' : 'backfill' });
  }
  return made;
}
