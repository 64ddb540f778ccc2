/**
 * Who may do and see what (DESIGN §7). A principal is an API key's role and scope; an
 * empty list of regions or sectors means "not restricted on that axis".
 */
export const ROLES = ['admin', 'integrator', 'federal', 'sector', 'region', 'organization'] as const;
export type RoleName = (typeof ROLES)[number];

export interface Principal {
  keyId: string;
  name: string;
  role: RoleName;
  regions: string[];
  sectors: string[];
  organizationCode: string | null;
}

export interface OrganizationRef {
  code: string;
  regionCode: string;
  sector: string;
}

/** May this principal see (or, for an integrator, post receipts for) the organisation? */
export function inScope(p: Principal, org: OrganizationRef): boolean {
  switch (p.role) {
    case 'admin':
    case 'federal':
      return true;
    case 'organization':
      return p.organizationCode === org.code;
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
    default:
      return null;
  }
}
