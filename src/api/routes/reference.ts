/**
 * Reference data: organisations and which organisation types take part in each region. The
 * changes are admin routes that a region's administrator may use for its own regions; the
 * rules and the audit live in src/services/organizations.ts.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Prisma } from '../../generated/prisma/client';
import { adminRegions, type Principal } from '../../domain/scope';
import { decodeUtf8, ZList, ZText } from '../../domain/text';
import {
  actorOf, FOUNDER_LEVELS, IMPORT_COLUMNS, IMPORT_MAX_ROWS, importOrganizations, organizationView, saveOrganization, setOrganizationActive, setRegionTypes,
  ZOrganizationCode, ZOrganizationInput, type Refusal,
} from '../../services/organizations';
import { principalOf } from '../plugins/auth';
import { BODY_PROBLEMS, HttpProblem, KEY_PROBLEMS, SERVER_PROBLEMS, problemResponses } from '../problem';

const ZOrganization = z.object({
  code: z.string(),
  name: z.string(),
  type: z.string(),
  sector: z.string(),
  region: z.string(),
  founderLevel: z.enum(FOUNDER_LEVELS),
  deactivatedAt: z.string().nullable().describe('when it stopped taking new receipts (its history and indicators stay); null while it takes part'),
});
const ZCode = ZText.max(64, 'must be at most 64 characters');
const COMMON = [...KEY_PROBLEMS, ...SERVER_PROBLEMS] as const;

/** A service's refusal as the problem the API answers. */
function problem(refusal: Refusal): HttpProblem {
  return new HttpProblem(refusal.problem, refusal.detail, refusal.errors);
}

const routes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.deps;
  // Admin routes a region's administrator may use too: the service keeps it to its own regions.
  const admin = { onRequest: app.authorize('admin'), config: { regionalAdmin: true } };

  // The import's body: CSV text, decoded like every other body (bytes that are not UTF-8 reach the check as such).
  app.addContentTypeParser('text/csv', { parseAs: 'buffer' }, (_request, body: Buffer, done) => done(null, decodeUtf8(body)));

  app.put('/v1/organizations/:code', {
    ...admin,
    schema: {
      tags: ['reference'],
      operationId: 'putOrganization',
      summary: 'Create or update an organisation (admin; a region\'s administrator in its regions)',
      security: [{ apiKey: [] }],
      params: z.object({ code: ZOrganizationCode }),
      body: ZOrganizationInput,
      response: { 200: ZOrganization, 201: ZOrganization, ...problemResponses(...COMMON, ...BODY_PROBLEMS, 'validation_failed', 'out_of_scope') },
    },
  }, async (request, reply) => {
    const principal = principalOf(request);
    const result = await saveOrganization(db, actorOf(principal), principal, { ...request.body, code: request.params.code });
    if (!result.ok) throw problem(result);
    return reply.code(result.created ? 201 : 200).send(result.organization);
  });

  for (const [verb, active] of [['deactivate', false], ['reactivate', true]] as const) {
    app.post(`/v1/organizations/:code/${verb}`, {
      ...admin,
      schema: {
        tags: ['reference'],
        operationId: `${verb}Organization`,
        summary: active
          ? 'Let a deactivated organisation take receipts again (admin; a region\'s administrator in its regions)'
          : 'Deactivate an organisation: no new receipts from now on; its receipts, responses and indicators stay (admin; a region\'s administrator in its regions)',
        security: [{ apiKey: [] }],
        params: z.object({ code: ZOrganizationCode }),
        response: { 200: ZOrganization, ...problemResponses(...COMMON, 'validation_failed', 'out_of_scope', 'not_found') },
      },
    }, async (request) => {
      const principal = principalOf(request);
      const result = await setOrganizationActive(db, actorOf(principal), principal, { code: request.params.code, active });
      if (!result.ok) throw problem(result);
      return result.organization;
    });
  }

  app.post('/v1/organizations/import', {
    ...admin,
    bodyLimit: 8 * 1024 * 1024,
    schema: {
      tags: ['reference'],
      operationId: 'importOrganizations',
      summary: 'Create or update organisations from a CSV file, all or nothing (admin; a region\'s administrator in its regions)',
      description:
        `text/csv, UTF-8 (a BOM is ignored), a header row naming the columns ${IMPORT_COLUMNS.join(', ')} in any order, ` +
        `fields separated by "," or ";" (as the header has them), quoted as RFC 4180 says; at most ${IMPORT_MAX_ROWS} rows. ` +
        'Every row is checked first; any error answers 422 with each error at `rows.<row>.<column>` (the header is row 1) and stores nothing.',
      security: [{ apiKey: [] }],
      consumes: ['text/csv'],
      body: z.string().describe('the CSV file'),
      response: {
        200: z.object({ created: z.number().int(), updated: z.number().int() }),
        ...problemResponses(...COMMON, ...BODY_PROBLEMS, 'validation_failed'),
      },
    },
  }, async (request) => {
    const principal = principalOf(request);
    const result = await importOrganizations(db, actorOf(principal), principal, request.body);
    if (!result.ok) throw problem(result);
    return { created: result.created, updated: result.updated };
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
    return { organizations: rows.map(organizationView) };
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
    ...admin,
    schema: {
      tags: ['reference'],
      operationId: 'putRegionOrganizationTypes',
      summary: 'Set which organisation types take part in a region (admin; a region\'s administrator for its own)',
      security: [{ apiKey: [] }],
      params: z.object({ code: ZCode }),
      body: z.strictObject({ types: ZList(ZCode).max(20) }),
      response: { 200: z.object({ region: z.string(), types: z.array(z.string()) }), ...problemResponses(...COMMON, ...BODY_PROBLEMS, 'validation_failed', 'not_found', 'out_of_scope') },
    },
  }, async (request) => {
    const principal = principalOf(request);
    const result = await setRegionTypes(db, actorOf(principal), principal, { region: request.params.code, types: request.body.types });
    if (!result.ok) throw problem(result);
    return { region: result.region, types: result.types };
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
    case 'admin': {
      const regions = adminRegions(p);
      return regions ? { regionCode: { in: regions } } : {};
    }
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

export default routes;
