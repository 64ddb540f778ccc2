/** Reference data: organisations and which organisation types take part in each region. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Prisma } from '../../generated/prisma/client';
import type { Principal } from '../../domain/scope';
import { ZList, ZText } from '../../domain/text';
import { principalOf } from '../plugins/auth';
import { BODY_PROBLEMS, HttpProblem, KEY_PROBLEMS, SERVER_PROBLEMS, problemResponses } from '../problem';

const ZOrganization = z.object({
  code: z.string(),
  name: z.string(),
  type: z.string(),
  sector: z.string(),
  region: z.string(),
  founderLevel: z.enum(['federal', 'regional', 'municipal']),
});
const ZCode = ZText.max(64, 'must be at most 64 characters');
const ZOrganizationBody = z.strictObject({
  name: ZText.trim().min(1).max(500),
  type: ZCode,
  region: ZText.regex(/^\d{2}$/, 'must be a two-digit region code'),
  founderLevel: z.enum(['federal', 'regional', 'municipal']),
});
const COMMON = [...KEY_PROBLEMS, ...SERVER_PROBLEMS] as const;

const routes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.deps;

  app.put('/v1/organizations/:code', {
    onRequest: app.authorize('admin'),
    schema: {
      tags: ['reference'],
      operationId: 'putOrganization',
      summary: 'Create or update an organisation (admin)',
      security: [{ apiKey: [] }],
      params: z.object({ code: ZText.trim().min(1).max(64).regex(/^[\w.-]+$/, 'letters, digits, ".", "-" and "_" only') }),
      body: ZOrganizationBody,
      response: { 200: ZOrganization, 201: ZOrganization, ...problemResponses(...COMMON, ...BODY_PROBLEMS, 'validation_failed') },
    },
  }, async (request, reply) => {
    const { code } = request.params;
    const { name, type, region, founderLevel } = request.body;
    const [typeRow, regionRow] = await Promise.all([
      db.organizationType.findUnique({ where: { code: type } }),
      db.region.findUnique({ where: { code: region } }),
    ]);
    const errors = [
      ...(typeRow ? [] : [{ path: 'type', code: 'unknown_organization_type' as const, message: 'unknown organization type' }]),
      ...(regionRow ? [] : [{ path: 'region', code: 'unknown_region' as const, message: 'unknown region' }]),
    ];
    if (errors.length > 0) throw new HttpProblem('validation_failed', 'The organization is invalid', errors);
    const existed = await db.organization.findUnique({ where: { code } });
    const data = { name, typeCode: type, regionCode: region, founderLevel };
    const org = await db.organization.upsert({ where: { code }, create: { code, ...data }, update: data, include: { type: true } });
    return reply.code(existed ? 200 : 201).send(view(org));
  });

  app.get('/v1/organizations', {
    onRequest: app.authorize(),
    schema: {
      tags: ['reference'],
      operationId: 'listOrganizations',
      summary: 'Organisations within the caller\'s scope',
      security: [{ apiKey: [] }],
      querystring: z.object({
        region: ZCode.optional(),
        type: ZCode.optional(),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
        offset: z.coerce.number().int().min(0).default(0),
      }),
      response: { 200: z.object({ organizations: z.array(ZOrganization) }), ...problemResponses(...COMMON, 'validation_failed', 'out_of_scope') },
    },
  }, async (request) => {
    const { region, type, limit, offset } = request.query;
    const principal = principalOf(request);
    await assertFilterInScope(principal, region, type);
    const where: Prisma.OrganizationWhereInput = {
      AND: [scopeFilter(principal), region ? { regionCode: region } : {}, type ? { typeCode: type } : {}],
    };
    const rows = await db.organization.findMany({ where, include: { type: true }, orderBy: { code: 'asc' }, take: limit, skip: offset });
    return { organizations: rows.map(view) };
  });

  app.get('/v1/regions', {
    onRequest: app.authorize(),
    schema: {
      tags: ['reference'],
      operationId: 'listRegions',
      summary: 'Regions and the organisation types that take part in each',
      security: [{ apiKey: [] }],
      response: { 200: z.object({ regions: z.array(z.object({ code: z.string(), name: z.string(), types: z.array(z.string()) })) }), ...problemResponses(...COMMON) },
    },
  }, async () => {
    const rows = await db.region.findMany({ include: { organizationTypes: true }, orderBy: { code: 'asc' } });
    return { regions: rows.map((r) => ({ code: r.code, name: r.name, types: r.organizationTypes.map((t) => t.typeCode).sort() })) };
  });

  app.put('/v1/regions/:code/organization-types', {
    onRequest: app.authorize('admin'),
    schema: {
      tags: ['reference'],
      operationId: 'putRegionOrganizationTypes',
      summary: 'Set which organisation types take part in a region (admin)',
      security: [{ apiKey: [] }],
      params: z.object({ code: ZCode }),
      body: z.strictObject({ types: ZList(ZCode).max(20) }),
      response: { 200: z.object({ region: z.string(), types: z.array(z.string()) }), ...problemResponses(...COMMON, ...BODY_PROBLEMS, 'validation_failed', 'not_found') },
    },
  }, async (request) => {
    const { code } = request.params;
    const types = [...new Set(request.body.types)].sort();
    if (!(await db.region.findUnique({ where: { code } }))) throw new HttpProblem('not_found', 'No such region');
    const known = new Set((await db.organizationType.findMany()).map((t) => t.code));
    const errors = request.body.types.flatMap((t, i) => (known.has(t) ? [] : [{ path: `types.${i}`, code: 'unknown_organization_type' as const, message: 'unknown organization type' }]));
    if (errors.length > 0) throw new HttpProblem('validation_failed', 'Unknown organization types', errors);
    await db.$transaction([
      db.regionOrganizationType.deleteMany({ where: { regionCode: code, typeCode: { notIn: types } } }),
      db.regionOrganizationType.createMany({ data: types.map((typeCode) => ({ regionCode: code, typeCode })), skipDuplicates: true }),
    ]);
    return { region: code, types };
  });

  /** Asking for a region or a sector outside the caller's scope is a 403, not an empty list. */
  async function assertFilterInScope(p: Principal, region: string | undefined, type: string | undefined): Promise<void> {
    if (p.role === 'organization') return;
    if (region && p.regions.length > 0 && !p.regions.includes(region)) throw new HttpProblem('out_of_scope', `Region ${region} is outside this key's scope`);
    if (type && p.sectors.length > 0) {
      const row = await db.organizationType.findUnique({ where: { code: type } });
      if (row && !p.sectors.includes(row.sector)) throw new HttpProblem('out_of_scope', `Type ${type} is outside this key's scope`);
    }
  }
};

function scopeFilter(p: Principal): Prisma.OrganizationWhereInput {
  switch (p.role) {
    case 'admin':
    case 'federal':
      return {};
    case 'organization':
      return { code: p.organizationCode ?? '' };
    default:
      return {
        ...(p.regions.length > 0 ? { regionCode: { in: p.regions } } : {}),
        ...(p.sectors.length > 0 ? { type: { sector: { in: p.sectors } } } : {}),
      };
  }
}

function view(o: { code: string; name: string; typeCode: string; regionCode: string; founderLevel: 'federal' | 'regional' | 'municipal'; type: { sector: string } }) {
  return { code: o.code, name: o.name, type: o.typeCode, sector: o.type.sector, region: o.regionCode, founderLevel: o.founderLevel };
}

export default routes;
