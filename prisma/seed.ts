/**
 * Seeds the reference data: regions, organisation types and their sectors. Idempotent.
 * Which types take part in a region is the region's choice (PUT
 * /v1/regions/{code}/organization-types); a region seeded for the first time starts with
 * every type enabled, and a later seed never overrides a region's choice.
 */
import type { Db } from '../src/db/client';
import { ORGANIZATION_TYPES, PILOT_REGIONS } from './reference-data';

export async function seedReferenceData(db: Db): Promise<{ regions: number; types: number }> {
  for (const t of ORGANIZATION_TYPES) {
    await db.organizationType.upsert({ where: { code: t.code }, create: t, update: { name: t.name, sector: t.sector } });
  }
  for (const r of PILOT_REGIONS) {
    const existing = await db.region.findUnique({ where: { code: r.code } });
    if (existing) {
      await db.region.update({ where: { code: r.code }, data: { name: r.name } });
      continue;
    }
    await db.region.create({
      data: { ...r, organizationTypes: { create: ORGANIZATION_TYPES.map((t) => ({ typeCode: t.code })) } },
    });
  }
  return { regions: PILOT_REGIONS.length, types: ORGANIZATION_TYPES.length };
}
