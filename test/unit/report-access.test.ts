/**
 * `reportAccess` (DESIGN §7) as a table: which principal may ask for which level with which
 * filters, the clip its query gets, and why a request is refused. A filter outside the
 * scope is a refusal, never a silently emptied report.
 * Then who sees figures below the small-numbers threshold, and who sees a quarter still
 * being counted only in released blocks of answers.
 */
import { GROUP_BY, reportAccess, type GroupBy, type OrganizationRef, type Principal, type ReportClip, type ReportFilters, type RoleName } from '../../src/domain/scope';
import { seesLowResponses, seesReleasedBlocksOnly } from '../../src/services/reports';

const HOSPITAL_42: OrganizationRef = { code: '1024200000001', regionCode: '42', sector: 'health' };
const SCHOOL_42: OrganizationRef = { code: '1024200000002', regionCode: '42', sector: 'education' };
const HOSPITAL_54: OrganizationRef = { code: '1025400000001', regionCode: '54', sector: 'health' };
const GYM_54: OrganizationRef = { code: '1025400000002', regionCode: '54', sector: 'sport' };
const HEALTHCARE = { code: 'healthcare', sector: 'health' };
const PRESCHOOL = { code: 'preschool_education', sector: 'education' };
const SPORTS = { code: 'sports', sector: 'sport' };

function principal(role: RoleName, scope: Partial<Pick<Principal, 'regions' | 'sectors' | 'organizationCode'>> = {}): Principal {
  return { keyId: 'k', name: `${role}-key`, role, integratorId: null, regions: [], sectors: [], organizationCode: null, ...scope };
}

const ADMIN = principal('admin');
const ADMIN_42 = principal('admin', { regions: ['42'] });
const FEDERAL = principal('federal');
const FEDERAL_WITH_STRAY_REGION = principal('federal', { regions: ['42'] });
const SECTOR_HEALTH = principal('sector', { sectors: ['health'] });
const SECTOR_HEALTH_EDUCATION = principal('sector', { sectors: ['health', 'education'] });
const SECTOR_SPORT_54 = principal('sector', { sectors: ['sport'], regions: ['54'] });
const REGION_42 = principal('region', { regions: ['42'] });
const REGION_42_HEALTH = principal('region', { regions: ['42'], sectors: ['health'] });
const ORGANIZATION = principal('organization', { organizationCode: HOSPITAL_42.code });
const ORGANIZATION_WITHOUT_CODE = principal('organization');
const INTEGRATOR = principal('integrator', { regions: ['42'] });

const EVERYTHING: ReportClip = { regions: null, sectors: null, organizationCode: null };
const clip = (c: Partial<ReportClip>): ReportClip => ({ ...EVERYTHING, ...c });

describe('allowed: the clip the query gets', () => {
  test.each<[string, Principal, GroupBy, ReportFilters, ReportClip]>([
    ['admin, no filter', ADMIN, 'federation', {}, EVERYTHING],
    ['national admin: any region', ADMIN, 'organization', { region: '54', organization: HOSPITAL_54 }, EVERYTHING],
    ['region\'s admin: clipped to its region like a region key', ADMIN_42, 'sector', {}, clip({ regions: ['42'] })],
    ['region\'s admin: an organisation of its region', ADMIN_42, 'organization', { organization: SCHOOL_42 }, clip({ regions: ['42'] })],
    ['federal, any filter', FEDERAL, 'organization', { region: '54', sector: 'sport', organization: GYM_54 }, EVERYTHING],
    ['federal with a stray region (ignored)', FEDERAL_WITH_STRAY_REGION, 'region', { region: '54' }, EVERYTHING],
    ['sector: its sector in any region', SECTOR_HEALTH, 'region', { region: '54', sector: 'health' }, clip({ sectors: ['health'] })],
    ['sector: a type of its sector', SECTOR_HEALTH, 'organization', { organizationType: HEALTHCARE }, clip({ sectors: ['health'] })],
    ['sector: an organisation of its sector', SECTOR_HEALTH, 'organization', { organization: HOSPITAL_54 }, clip({ sectors: ['health'] })],
    ['sector: the nation-wide total of its sectors', SECTOR_HEALTH, 'federation', {}, clip({ sectors: ['health'] })],
    ['two sectors: a type of the second', SECTOR_HEALTH_EDUCATION, 'organizationType', { organizationType: PRESCHOOL }, clip({ sectors: ['health', 'education'] })],
    ['sector limited to a region: in that region', SECTOR_SPORT_54, 'organization', { region: '54', organization: GYM_54 }, clip({ regions: ['54'], sectors: ['sport'] })],
    ['region: by sector', REGION_42, 'sector', {}, clip({ regions: ['42'] })],
    ['region: any sector or type of its region', REGION_42, 'organization', { region: '42', sector: 'education', organizationType: PRESCHOOL }, clip({ regions: ['42'] })],
    ['region: its own organisation', REGION_42, 'organization', { organization: SCHOOL_42 }, clip({ regions: ['42'] })],
    ['region limited to a sector: that sector', REGION_42_HEALTH, 'organizationType', { organizationType: HEALTHCARE }, clip({ regions: ['42'], sectors: ['health'] })],
    ['organisation: itself', ORGANIZATION, 'organization', {}, clip({ organizationCode: HOSPITAL_42.code })],
    ['organisation: itself, named', ORGANIZATION, 'organization', { organization: HOSPITAL_42 }, clip({ organizationCode: HOSPITAL_42.code })],
  ])('%s', (_name, p, groupBy, filters, expected) => {
    expect(reportAccess(p, groupBy, filters)).toEqual({ ok: true, clip: expected });
  });
});

describe('refused (403), with the reason', () => {
  test.each<[string, Principal, GroupBy, ReportFilters, RegExp]>([
    ['integrator', INTEGRATOR, 'region', {}, /integrator keys have no access/],
    ['integrator, even within its region', INTEGRATOR, 'organization', { region: '42' }, /integrator keys have no access/],
    ['sector: another sector', SECTOR_HEALTH, 'region', { sector: 'education' }, /sector education is outside/],
    ['sector: a type of another sector', SECTOR_HEALTH, 'region', { organizationType: SPORTS }, /sector sport is outside/],
    ['sector: an organisation of another sector', SECTOR_HEALTH, 'organization', { organization: SCHOOL_42 }, /^organization 1024200000002 is outside/],
    ['two sectors: a third', SECTOR_HEALTH_EDUCATION, 'region', { organizationType: SPORTS }, /sector sport is outside/],
    ['sector limited to a region: another region', SECTOR_SPORT_54, 'region', { region: '42' }, /region 42 is outside/],
    ['sector limited to a region: an organisation elsewhere', SECTOR_SPORT_54, 'organization', { organization: HOSPITAL_42 }, /^organization 1024200000001 is outside/],
    ['region: another region', REGION_42, 'region', { region: '54' }, /region 54 is outside/],
    ['region: an organisation of another region', REGION_42, 'organization', { organization: HOSPITAL_54 }, /^organization 1025400000001 is outside/],
    ['region: the federation level', REGION_42, 'federation', {}, /a region key reports by region/],
    ['region\'s admin: another region', ADMIN_42, 'region', { region: '54' }, /region 54 is outside/],
    ['region\'s admin: an organisation of another region', ADMIN_42, 'organization', { organization: HOSPITAL_54 }, /^organization 1025400000001 is outside/],
    ['region\'s admin: the federation level', ADMIN_42, 'federation', {}, /reports by region/],
    ['region limited to a sector: another sector', REGION_42_HEALTH, 'sector', { sector: 'education' }, /sector education is outside/],
    ['region limited to a sector: a type of another sector', REGION_42_HEALTH, 'organization', { organizationType: PRESCHOOL }, /sector education is outside/],
    ['region limited to a sector: another organisation of its region', REGION_42_HEALTH, 'organization', { organization: SCHOOL_42 }, /^organization 1024200000002 is outside/],
    ['organisation: another level', ORGANIZATION, 'region', {}, /groupBy=organization/],
    ['organisation: another organisation', ORGANIZATION, 'organization', { organization: SCHOOL_42 }, /organization 1024200000002 is outside/],
    ['organisation: its own region as a filter', ORGANIZATION, 'organization', { region: '42' }, /takes no region, sector or type filter/],
    ['organisation: its own type as a filter', ORGANIZATION, 'organization', { organizationType: HEALTHCARE }, /takes no region, sector or type filter/],
    ['organisation key without an organisation', ORGANIZATION_WITHOUT_CODE, 'organization', {}, /without an organisation sees nothing/],
  ])('%s', (_name, p, groupBy, filters, reason) => {
    const access = reportAccess(p, groupBy, filters);
    expect(access.ok).toBe(false);
    if (!access.ok) expect(access.reason).toMatch(reason);
    // A refused organisation is named by the caller's code only, never by where it is.
    if (!access.ok && filters.organization && !filters.region && !filters.sector) expect(access.reason).not.toMatch(/(region|sector) \w+ is outside/);
  });
});

describe('at every level', () => {
  test.each(GROUP_BY)('%s: an integrator never, a federal body always, a region key only below the federation', (groupBy) => {
    expect(reportAccess(INTEGRATOR, groupBy, {}).ok).toBe(false);
    expect(reportAccess(FEDERAL, groupBy, {})).toEqual({ ok: true, clip: EVERYTHING });
    expect(reportAccess(REGION_42, groupBy, {}).ok).toBe(groupBy !== 'federation');
    expect(reportAccess(ORGANIZATION, groupBy, {}).ok).toBe(groupBy === 'organization');
  });

  test.each(GROUP_BY)('%s: a region or sector key is clipped to every axis it carries, as inScope is', (groupBy) => {
    for (const p of [SECTOR_HEALTH, SECTOR_HEALTH_EDUCATION, SECTOR_SPORT_54, REGION_42, REGION_42_HEALTH]) {
      const access = reportAccess(p, groupBy, {});
      if (p.role === 'region' && groupBy === 'federation') continue;
      expect([p, access]).toEqual([p, { ok: true, clip: { regions: p.regions.length > 0 ? p.regions : null, sectors: p.sectors.length > 0 ? p.sectors : null, organizationCode: null } }]);
    }
  });
});

describe('small numbers and released blocks, by role (DESIGN §6)', () => {
  test.each<[string, Principal, boolean, boolean]>([
    ['federal: every organisation, below the threshold too (II.12а)', FEDERAL, true, false],
    ['sector: likewise within its sectors (II.12б)', SECTOR_HEALTH, true, false],
    ['sector with a region', SECTOR_SPORT_54, true, false],
    ['region: likewise within its region (II.12в)', REGION_42, true, false],
    ['region with a sector', REGION_42_HEALTH, true, false],
    ['organisation: suppressed below the threshold, current quarter in released blocks', ORGANIZATION, false, true],
    ['admin: not named in II.12, suppressed', ADMIN, false, false],
    ['region\'s admin: an administrator, suppressed too', ADMIN_42, false, false],
    ['integrator: no reports at all, and nothing low if it had', INTEGRATOR, false, false],
  ])('%s', (_name, p, low, blocks) => {
    expect([seesLowResponses(p), seesReleasedBlocksOnly(p)]).toEqual([low, blocks]);
  });
});
