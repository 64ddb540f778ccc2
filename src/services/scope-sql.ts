/**
 * The WHERE conditions that clip a report query to the caller's scope and filters
 * (src/domain/scope.ts `reportAccess`), over an organisation aliased `o` joined with its
 * type aliased `t`. Every value travels as a bind parameter; only fixed SQL is built here.
 */
import type { GroupBy, ReportClip } from '../domain/scope';
import type { FilterCodes } from './reports';

export class SqlParams {
  readonly values: unknown[] = [];

  /** Adds a value and returns its placeholder (`$3`). */
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

export function scopeConditions(params: SqlParams, clip: ReportClip, codes: FilterCodes): string[] {
  const where: string[] = [];
  if (clip.regions) where.push(`o.region_code = ANY(${params.add(clip.regions)})`);
  if (clip.sectors) where.push(`t.sector = ANY(${params.add(clip.sectors)})`);
  if (clip.organizationCode) where.push(`o.code = ${params.add(clip.organizationCode)}`);
  if (codes.region) where.push(`o.region_code = ${params.add(codes.region)}`);
  if (codes.sector) where.push(`t.sector = ${params.add(codes.sector)}`);
  if (codes.organizationType) where.push(`o.type_code = ${params.add(codes.organizationType)}`);
  if (codes.organization) where.push(`o.code = ${params.add(codes.organization)}`);
  return where;
}

/** The column a level groups by (NULL: one row for the whole scope). */
export const GROUP_KEY_SQL: Record<GroupBy, string> = {
  federation: 'NULL::text',
  region: 'o.region_code',
  sector: 't.sector',
  organizationType: 'o.type_code',
  organization: 'o.code',
};
