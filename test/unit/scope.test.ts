/** Who may see, or post receipts for, which organisation (DESIGN §7), and what scope each key needs. */
import { ROLES, adminRegions, inScope, managesRegion, reportAccess, scopeProblem, type OrganizationRef, type Principal, type RoleName } from '../../src/domain/scope';

const HOSPITAL_42: OrganizationRef = { code: '1024200000001', regionCode: '42', sector: 'health' };
const SCHOOL_42: OrganizationRef = { code: '1024200000002', regionCode: '42', sector: 'education' };
const HOSPITAL_54: OrganizationRef = { code: '1025400000001', regionCode: '54', sector: 'health' };
const GYM_16: OrganizationRef = { code: '1021600000001', regionCode: '16', sector: 'sport' };
const ALL = { HOSPITAL_42, SCHOOL_42, HOSPITAL_54, GYM_16 };
type OrgName = keyof typeof ALL;

function principal(role: RoleName, scope: Partial<Pick<Principal, 'regions' | 'sectors' | 'organizationCode'>> = {}): Principal {
  return { keyId: 'k', name: `${role}-key`, role, integratorId: null, regions: [], sectors: [], organizationCode: null, ...scope };
}

describe('inScope', () => {
  test.each<[string, Principal, OrgName[]]>([
    ['admin', principal('admin'), ['HOSPITAL_42', 'SCHOOL_42', 'HOSPITAL_54', 'GYM_16']],
    ['admin of region 42 (a region\'s administrator)', principal('admin', { regions: ['42'] }), ['HOSPITAL_42', 'SCHOOL_42']],
    ['admin of regions 42 and 16', principal('admin', { regions: ['42', '16'] }), ['HOSPITAL_42', 'SCHOOL_42', 'GYM_16']],
    ['federal', principal('federal'), ['HOSPITAL_42', 'SCHOOL_42', 'HOSPITAL_54', 'GYM_16']],
    ['federal with a stray region (ignored)', principal('federal', { regions: ['42'] }), ['HOSPITAL_42', 'SCHOOL_42', 'HOSPITAL_54', 'GYM_16']],
    ['sector: health', principal('sector', { sectors: ['health'] }), ['HOSPITAL_42', 'HOSPITAL_54']],
    ['sector: health and sport', principal('sector', { sectors: ['health', 'sport'] }), ['HOSPITAL_42', 'HOSPITAL_54', 'GYM_16']],
    ['region 42', principal('region', { regions: ['42'] }), ['HOSPITAL_42', 'SCHOOL_42']],
    ['region 54', principal('region', { regions: ['54'] }), ['HOSPITAL_54']],
    ['organization 1024200000001', principal('organization', { organizationCode: '1024200000001' }), ['HOSPITAL_42']],
    ['organization without a code', principal('organization'), []],
    ['organization of a region-54 code, even with region 42', principal('organization', { organizationCode: '1025400000001', regions: ['42'] }), ['HOSPITAL_54']],
    ['integrator of region 42', principal('integrator', { regions: ['42'] }), ['HOSPITAL_42', 'SCHOOL_42']],
    ['integrator of regions 42 and 54', principal('integrator', { regions: ['42', '54'] }), ['HOSPITAL_42', 'SCHOOL_42', 'HOSPITAL_54']],
    ['integrator of the health sector (a federal MIS)', principal('integrator', { sectors: ['health'] }), ['HOSPITAL_42', 'HOSPITAL_54']],
    ['integrator of health in region 42', principal('integrator', { regions: ['42'], sectors: ['health'] }), ['HOSPITAL_42']],
    ['integrator of education in region 54', principal('integrator', { regions: ['54'], sectors: ['education'] }), []],
  ])('%s sees %j', (_name, p, visible) => {
    for (const [name, org] of Object.entries(ALL)) {
      expect([name, inScope(p, org)]).toEqual([name, visible.includes(name as OrgName)]);
    }
  });
});

describe('scopeProblem: the scope a key of each role must carry', () => {
  const none = { regions: [] as string[], sectors: [] as string[], organizationCode: null as string | null };

  test.each<[RoleName, Partial<typeof none>, RegExp | null]>([
    ['admin', {}, null],
    ['admin', { regions: ['42'] }, null],
    ['admin', { sectors: ['health'] }, /never --sector or --organization/],
    ['admin', { organizationCode: '1024200000001' }, /never --sector or --organization/],
    ['federal', {}, null],
    ['region', { regions: ['42'] }, null],
    ['region', {}, /exactly one --region/],
    ['region', { regions: ['42', '54'] }, /exactly one --region/],
    ['region', { sectors: ['health'] }, /exactly one --region/],
    ['sector', { sectors: ['health'] }, null],
    ['sector', { sectors: ['health', 'sport'] }, null],
    ['sector', {}, /--sector/],
    ['sector', { regions: ['42'] }, /--sector/],
    ['organization', { organizationCode: '1024200000001' }, null],
    ['organization', {}, /--organization/],
    ['organization', { organizationCode: '' }, /--organization/],
    ['integrator', { regions: ['42'] }, null],
    ['integrator', { sectors: ['health'] }, null],
    ['integrator', { regions: ['42'], sectors: ['health'] }, null],
    ['integrator', {}, /--region and\/or --sector/],
    ['integrator', { organizationCode: '1024200000001' }, /--region and\/or --sector/],
  ])('%s with %j → %s', (role, scope, problem) => {
    const result = scopeProblem(role, { ...none, ...scope });
    if (problem === null) expect(result).toBeNull();
    else expect(result).toMatch(problem);
  });

  test('every role is covered', () => {
    expect([...ROLES].sort()).toEqual(['admin', 'federal', 'integrator', 'organization', 'portal', 'region', 'sector']);
  });

  test('a portal key reaches no organisation and no report', () => {
    const portal = principal('portal');
    expect(scopeProblem('portal', portal)).toBeNull();
    expect(Object.values(ALL).some((org) => inScope(portal, org))).toBe(false);
    expect(reportAccess(portal, 'federation', {})).toEqual({ ok: false, reason: 'portal keys have no access to reports' });
  });

  test('a key that passes scopeProblem never sees everything unless its role does', () => {
    const keys: Principal[] = [
      principal('region', { regions: ['42'] }),
      principal('sector', { sectors: ['sport'] }),
      principal('organization', { organizationCode: '1024200000001' }),
      principal('integrator', { regions: ['54'] }),
    ];
    for (const p of keys) {
      expect(scopeProblem(p.role, p)).toBeNull();
      expect(Object.values(ALL).every((org) => inScope(p, org))).toBe(false);
    }
  });
});

describe('managesRegion: who may register, change and deactivate the organisations of a region', () => {
  test.each<[string, Principal, string[] | null, string[]]>([
    ['a national admin: every region', principal('admin'), null, ['16', '42', '54']],
    ['a region\'s admin: its region only', principal('admin', { regions: ['42'] }), ['42'], ['42']],
    ['a region key: none (it reads, it does not administer)', principal('region', { regions: ['42'] }), null, []],
    ['a federal key: none', principal('federal'), null, []],
  ])('%s', (_name, p, regions, manages) => {
    expect(adminRegions(p)).toEqual(regions);
    expect(['16', '42', '54'].filter((r) => managesRegion(p, r))).toEqual(manages);
  });
});
