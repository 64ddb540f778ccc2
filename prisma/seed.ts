/**
 * Seeds the reference data: regions, organisation types and their sectors. Idempotent.
 * Which types take part in a region is the region's choice (PUT
 * /v1/regions/{code}/organization-types); a region seeded for the first time starts with
 * every type enabled, and a later seed never overrides a region's choice.
 */
import type { Db } from '../src/db/client';
import { ORGANIZATION_TYPES, PILOT_REGIONS } from './reference-data';

/** Serialises seeds: two `migrate` processes at once (two deploys) must not race on a region. */
const SEED_LOCK = 'feedback:seed-reference-data';

export async function seedReferenceData(db: Db): Promise<{ regions: number; types: number }> {
  await db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${SEED_LOCK}))`;
    for (const t of ORGANIZATION_TYPES) {
      await tx.organizationType.upsert({ where: { code: t.code }, create: t, update: { name: t.name, sector: t.sector } });
    }
    for (const r of PILOT_REGIONS) {
      const existing = await tx.region.findUnique({ where: { code: r.code } });
      if (existing) {
        await tx.region.update({ where: { code: r.code }, data: { name: r.name } });
        continue;
      }
      await tx.region.create({
        data: { ...r, organizationTypes: { create: ORGANIZATION_TYPES.map((t) => ({ typeCode: t.code })) } },
      });
    }
  }, { timeout: 60_000, maxWait: 60_000 });
  return { regions: PILOT_REGIONS.length, types: ORGANIZATION_TYPES.length };
}
