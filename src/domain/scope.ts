/**
 * Who may do and see what (DESIGN §7). A principal is an API key's role and scope; an
 * empty list of regions or sectors means "not restricted on that axis".
 */
export const ROLES = ['admin', 'integrator', 'federal', 'sector', 'region', 'organization', 'portal'] as const;
export type RoleName = (typeof ROLES)[number];

export interface Principal {
  keyId: string;
  /** The key's label; says nothing about whose receipts are whose (that is integratorId). */
  name: string;
  role: RoleName;
  /** The integrator an integrator key belongs to, which owns the receipts it posts; null for other roles. */
  integratorId: string | null;
  regions: string[];
  sectors: string[];
  organizationCode: string | null;
}

export interface OrganizationRef {
  code: string;
  regionCode: string;
  sector: string;
}

/**
 * The regions an administrator manages: null for a national administrator (an `admin`
 * without regions, who manages everything), otherwise the regions of a region's
 * administrator (`--region 42`), who registers, updates and deactivates the organisations
 * of its regions and chooses their participating types, and reads reports of those regions
 * only (the levels and filters of a region key). Null for every other role: they administer nothing.
 */
export function adminRegions(p: Principal): string[] | null {
  return p.role === 'admin' && p.regions.length > 0 ? p.regions : null;
}

/** May this principal register, change or deactivate organisations of this region (and choose its types)? */
export function managesRegion(p: Principal, regionCode: string): boolean {
  if (p.role !== 'admin') return false;
  const regions = adminRegions(p);
  return regions === null || regions.includes(regionCode);
}

/** May this principal see (or, for an integrator, post receipts for) the organisation? */
export function inScope(p: Principal, org: OrganizationRef): boolean {
  switch (p.role) {
    case 'admin':
      return managesRegion(p, org.regionCode);
    case 'federal':
      return true;
    case 'organization':
      return p.organizationCode === org.code;
    case 'portal':
      return false; // the portal reads a citizen's own links, nothing of any organisation
    case 'integrator':
    case 'sector':
    case 'region':
      return (
        (p.regions.length === 0 || p.regions.includes(org.regionCode)) &&
        (p.sectors.length === 0 || p.sectors.includes(org.sector))
      );
  }
}

/** The scope a key of this role must carry; returns what is missing, if anything. */
export function scopeProblem(role: RoleName, scope: { regions: string[]; sectors: string[]; organizationCode: string | null }): string | null {
  switch (role) {
    case 'region':
      return scope.regions.length === 1 ? null : 'a region key needs exactly one --region';
    case 'sector':
      return scope.sectors.length > 0 ? null : 'a sector key needs at least one --sector';
    case 'organization':
      return scope.organizationCode ? null : 'an organization key needs --organization';
    case 'integrator':
      return scope.regions.length + scope.sectors.length > 0 ? null : 'an integrator key needs --region and/or --sector';
    case 'admin':
      // National without --region; a region's administrator with it. No sector-wide administrator.
      return scope.sectors.length === 0 && !scope.organizationCode ? null : 'an admin key takes --region (a region\'s administrator) or nothing (national), never --sector or --organization';
    default:
      return null;
  }
}

/** How reports can be grouped (DESIGN §6 levels). */
export const GROUP_BY = ['federation', 'region', 'sector', 'organizationType', 'organization'] as const;
export type GroupBy = (typeof GROUP_BY)[number];

/** A report request's filters, resolved: the sector of a type, and where an organisation is. */
export interface ReportFilters {
  region?: string;
  sector?: string;
  organizationType?: { code: string; sector: string };
  organization?: OrganizationRef;
}

/** The part of the data a principal may read, as the report queries clip to it. */
export interface ReportClip {
  regions: string[] | null;
  sectors: string[] | null;
  organizationCode: string | null;
}

/**
 * Who may ask for which report (DESIGN §7): federal bodies everything; sector bodies their
 * sectors; a region its region; a head of organisation that organisation only; integrators
 * no reports. A national administrator sees everything; a region's administrator the
 * levels and filters a region key of its regions may ask for. A filter outside the scope is
 * refused (403), never silently emptied.
 */
export function reportAccess(p: Principal, groupBy: GroupBy, f: ReportFilters): { ok: true; clip: ReportClip } | { ok: false; reason: string } {
  const deny = (reason: string) => ({ ok: false as const, reason });
  const outside = (what: string) => deny(`${what} is outside this key's scope`);
  switch (p.role) {
    case 'admin':
      if (adminRegions(p)) return reportAccess({ ...p, role: 'region' }, groupBy, f);
      return { ok: true, clip: { regions: null, sectors: null, organizationCode: null } };
    case 'federal':
      return { ok: true, clip: { regions: null, sectors: null, organizationCode: null } };
    case 'integrator':
      return deny('integrator keys have no access to reports');
    case 'portal':
      return deny('portal keys have no access to reports');
    case 'sector':
    case 'region': {
      // A sector key is clipped to its sectors and a region key to its region; either may
      // carry the other axis too (a regional health ministry: --region 42 --sector health),
      // which clips as well, as in inScope.
      const regions = p.role === 'region' || p.regions.length > 0 ? p.regions : null;
      const sectors = p.role === 'sector' || p.sectors.length > 0 ? p.sectors : null;
      const foreign = (allowed: string[] | null, value: string | undefined) => Boolean(allowed && value && !allowed.includes(value));
      if (foreign(regions, f.region)) return outside(`region ${f.region}`);
      const sector = [f.sector, f.organizationType?.sector].find((s) => foreign(sectors, s));
      if (sector) return outside(`sector ${sector}`);
      // Named by its code only: the refusal does not tell where a foreign organisation is.
      const org = f.organization;
      if (org && (foreign(regions, org.regionCode) || foreign(sectors, org.sector))) return outside(`organization ${org.code}`);
      if (p.role === 'region' && groupBy === 'federation') return deny('a region key reports by region, sector, type or organisation');
      return { ok: true, clip: { regions, sectors, organizationCode: null } };
    }
    case 'organization': {
      if (!p.organizationCode) return deny('an organisation key without an organisation sees nothing');
      if (groupBy !== 'organization') return deny('an organisation key reports on its organisation only (groupBy=organization)');
      if (f.organization && f.organization.code !== p.organizationCode) return outside(`organization ${f.organization.code}`);
      if (f.region || f.sector || f.organizationType) return deny('an organisation key takes no region, sector or type filter');
      return { ok: true, clip: { regions: null, sectors: null, organizationCode: p.organizationCode } };
    }
  }
}
