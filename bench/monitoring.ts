/**
 * Benchmark, not a test: how long one request to the comments and participation reports
 * takes on a populated database (they read the operational tables live, uncached).
 *
 *   npx tsx bench/monitoring.ts
 *
 * A scratch database (migrated, seeded, dropped at the end) gets BENCH_ORGS organisations
 * (default 5,000) and BENCH_RECEIPTS receipts (default 400,000) spread over 2026-Q1…Q4,
 * inserted set-based: 80 % with an invitation link for one of 100,000 accounts and one
 * notification (70 % sent, 10 % failed, 10 % pending, 10 % skipped; 5 % unsubscribed), 45 %
 * of the sent ones answered, 30 % of the answers with a comment; 5 % withdrawn, 15 % late.
 * The real app (buildApp, production wiring) is driven in-process with `inject`, one request
 * at a time, BENCH_REPEAT times each (default 5); the median and the slowest are printed.
 */
import type { Client as TemporalClient } from '@temporalio/client';
import { buildApp } from '../src/api/app';
import { createServices } from '../src/composition';
import { loadConfig } from '../src/config';
import { REGULATION_POLICY } from '../src/domain/policy';
import { createApiKey } from '../src/keys';
import { OutboxMailer } from '../src/mail/outbox-mailer';
import { fmt, insertOrganizations, median, ms, withScratchDatabase } from './lib/scratch-db';

const num = (name: string, fallback: number) => {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} must be a positive whole number`);
  return v;
};
const ORGS = num('BENCH_ORGS', 5_000);
const RECEIPTS = num('BENCH_RECEIPTS', 400_000);
const REPEAT = num('BENCH_REPEAT', 5);
const silent = { info() {}, warn() {}, error() {} };
const noTemporal = new Proxy({}, {
  get(_target, prop) {
    if (prop === 'then' || typeof prop === 'symbol') return undefined;
    throw new Error(`bench/monitoring has no Temporal client (${String(prop)} was used)`);
  },
}) as TemporalClient;

/** One statement per table, each row derived from the receipt's number n (deterministic shape, random draws). */
const DATA = [
  `INSERT INTO integrator (id, code) SELECT gen_random_uuid(), 'his-' || r.code FROM region r`,
  `INSERT INTO account (id, snils_hash, email, confirmed, updated_at)
   SELECT gen_random_uuid(), 'bench-' || n, 'c' || n || '@example.test', true, now() FROM generate_series(1, 100000) n`,
  `CREATE TEMP TABLE numbered AS SELECT id, region_code, (row_number() OVER (ORDER BY code) - 1)::int AS k FROM organization`,
  `CREATE TEMP TABLE story AS
   SELECT n, gen_random_uuid() AS receipt_id, gen_random_uuid() AS invitation_id, gen_random_uuid() AS link_id, gen_random_uuid() AS response_id,
          o.id AS organization_id, o.region_code,
          timestamptz '2025-12-31 21:00:00+00' + (random() * 330) * interval '1 day' AS received_at,
          random() AS u, random() AS v, random() AS w, 1 + floor(random() * 100000)::int AS account_no
   FROM generate_series(1, $1::int) n JOIN numbered o ON o.k = (n::bigint * 7919) % $2::int`,
  `INSERT INTO receipt (id, integrator_id, external_id, body_hash, organization_id, service_kind, service_date, minor, late, status, received_at, cancelled_at)
   SELECT s.receipt_id, i.id, s.receipt_id::text, md5(s.receipt_id::text), s.organization_id, 'one_time', (s.received_at - interval '20 hours')::date, false,
          s.u < 0.15, CASE WHEN s.v < 0.05 THEN 'cancelled' ELSE 'active' END::receipt_status, s.received_at,
          CASE WHEN s.v < 0.05 THEN s.received_at + interval '2 days' END
   FROM story s JOIN integrator i ON i.code = 'his-' || s.region_code`,
  `INSERT INTO invitation (id, receipt_id, status, round, activated_at, updated_at)
   SELECT invitation_id, receipt_id, 'active', 1, received_at + interval '1 day', now() FROM story WHERE w < 0.8`,
  `INSERT INTO invitation_link (id, invitation_id, account_id, token_nonce, token_hash, unsubscribed_at, created_at)
   SELECT s.link_id, s.invitation_id, a.id, s.link_id::text, md5(s.link_id::text), CASE WHEN s.u > 0.95 THEN s.received_at + interval '5 days' END, s.received_at + interval '1 day'
   FROM story s JOIN account a ON a.snils_hash = 'bench-' || s.account_no WHERE s.w < 0.8`,
  `INSERT INTO invitation_round (invitation_id, round, opened_at, notified_at, completed_at)
   SELECT invitation_id, 1, received_at + interval '1 day', CASE WHEN w < 0.56 THEN received_at + interval '2 days' END,
          CASE WHEN w < 0.56 AND v > 0.55 THEN received_at + interval '9 days' END
   FROM story WHERE w < 0.8`,
  `INSERT INTO notification (id, invitation_id, round, link_id, status, attempts, created_at, sent_at, failed_at)
   SELECT gen_random_uuid(), invitation_id, 1, link_id,
          (CASE WHEN w < 0.56 THEN 'sent' WHEN w < 0.64 THEN 'failed' WHEN w < 0.72 THEN 'pending' ELSE 'skipped' END)::notification_status, 1,
          received_at + interval '1 day', CASE WHEN w < 0.56 THEN received_at + interval '2 days' END, CASE WHEN w >= 0.56 AND w < 0.64 THEN received_at + interval '5 days' END
   FROM story WHERE w < 0.8`,
  `INSERT INTO response (id, invitation_id, round, link_id, organization_id, questionnaire_version, overall, score, comment, submitted_at)
   SELECT response_id, invitation_id, 1, link_id, organization_id, 1, 1 + floor(u * 5)::int, 1 + floor(u * 5),
          CASE WHEN u < 0.3 THEN 'Спасибо врачу Петровой Анне Сергеевне, звоните +7 912 345-67-89, отзыв ' || n END,
          received_at + interval '9 days'
   FROM story WHERE w < 0.56 AND v > 0.55`,
  `ANALYZE`,
];

async function main() {
  await withScratchDatabase('bench_monitoring', 10, async ({ url, db, sql }) => {
    let t0 = process.hrtime.bigint();
    await insertOrganizations(sql, ORGS);
    for (const statement of DATA) await sql.query(statement, statement.includes('$1') ? [RECEIPTS, ORGS] : []);
    const counts = (await sql.query(`SELECT (SELECT count(*) FROM receipt) AS receipts, (SELECT count(*) FROM notification) AS notifications,
      (SELECT count(*) FROM response) AS responses, (SELECT count(*) FROM response WHERE comment IS NOT NULL) AS comments`)).rows[0];
    console.log(`data: ${ORGS} organisations, ${JSON.stringify(counts)} in ${fmt(ms(t0) / 1000)} s`);

    const config = loadConfig({
      ...process.env,
      LOG_LEVEL: 'silent',
      DATABASE_URL: url,
      MAIL_TRANSPORT: 'outbox',
      PII_HASH_KEY: process.env.PII_HASH_KEY ?? 'bench-pii-hash-key-0123456789abcdef0123456789',
    });
    const services = createServices(config, { db, client: noTemporal, log: silent }, { policy: REGULATION_POLICY, searchAttributes: false, mailer: new OutboxMailer(db, silent) });
    const app = await buildApp({ ...services, temporalHealthy: async () => true });
    const federal = (await createApiKey(db, { role: 'federal', name: 'bench-federal' })).key;
    const region = (await createApiKey(db, { role: 'region', name: 'bench-region', regions: ['42'] })).key;
    const someOrg = (await sql.query(`SELECT o.code FROM organization o JOIN response r ON r.organization_id = o.id GROUP BY o.code ORDER BY count(*) DESC LIMIT 1`)).rows[0].code as string;
    const head = (await createApiKey(db, { role: 'organization', name: 'bench-org', organizationCode: someOrg })).key;

    const cases: [string, string, string][] = [
      ['participation federal groupBy=region period', federal, '/v1/reports/participation?period=2026-Q2&groupBy=region'],
      ['participation federal groupBy=organization since=start', federal, '/v1/reports/participation?since=start&groupBy=organization'],
      ['participation federal since=start CSV silent', federal, '/v1/reports/participation?since=start&format=csv&table=silent'],
      ['participation region 42 groupBy=organization period', region, '/v1/reports/participation?period=2026-Q2&groupBy=organization'],
      ['participation organisation', head, '/v1/reports/participation?period=2026-Q2&groupBy=organization'],
      ['comments federal first page (100)', federal, '/v1/reports/comments?period=2026-Q2&limit=100'],
      ['comments federal page 500, CSV', federal, '/v1/reports/comments?period=2026-Q2&limit=500&format=csv'],
      ['comments region 42 first page', region, '/v1/reports/comments?period=2026-Q2&limit=100'],
      ['comments organisation', head, '/v1/reports/comments?period=2026-Q2&limit=100'],
    ];
    for (const [name, key, url] of cases) {
      const times: number[] = [];
      for (let i = 0; i < REPEAT; i++) {
        t0 = process.hrtime.bigint();
        const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });
        times.push(ms(t0));
        if (res.statusCode !== 200) throw new Error(`${name}: ${res.statusCode} ${res.body.slice(0, 200)}`);
      }
      console.log(`${name.padEnd(58)} median ${fmt(median(times))} ms, slowest ${fmt(Math.max(...times))} ms`);
    }
    await app.close();
  });
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
