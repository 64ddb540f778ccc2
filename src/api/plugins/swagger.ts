/**
 * OpenAPI generated from the routes' zod schemas; UI at /docs, document at /docs/json.
 * Every route is in it, the citizen pages and /metrics included; only the Swagger UI's
 * own routes (/docs/…) are left out, deliberately.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

export default fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Citizen feedback on social-sphere organisations',
          description:
            'Service receipts, invitation workflows, questionnaires and quarterly indicators. Errors are application/problem+json (RFC 9457) '
            + 'with a stable machine `code` (and `errors[].code` per field); docs/integrators.md lists every code. The citizen pages (/q, /u) answer Russian HTML, errors included.',
          version: '1.0.0',
        },
        components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
        tags: [
          { name: 'receipts', description: 'Integrators post service receipts' },
          { name: 'reference', description: 'Organisations, regions, types' },
          { name: 'accounts', description: 'Stand-in for the portal account directory' },
          { name: 'citizens', description: 'The questionnaire behind a personalised link (the token is the credential)' },
          { name: 'reports', description: 'Quarterly indicators for participants, clipped to the caller\'s scope' },
          { name: 'scoring', description: 'Final values of a quarter and their recomputation' },
          { name: 'operations', description: 'Health and development aids' },
        ],
      },
      transform: jsonSchemaTransform,
      transformObject,
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
  },
  { name: 'swagger' },
);

/**
 * Schemas with an id (`Problem`) become components, referenced from every error response.
 * Components no operation refers to are left out.
 * A report that also answers CSV (`produces: text/csv`) is given its JSON schema and example
 * under text/csv too; there it is text: the same rows, one line each, a header first.
 */
const transformObject: NonNullable<FastifyDynamicSwaggerOptions['transformObject']> = (document) => {
  const openapi = jsonSchemaTransformObject(document) as { paths?: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, unknown> } };
  for (const methods of Object.values(openapi.paths ?? {})) {
    for (const operation of Object.values(methods)) {
      for (const response of Object.values(operation.responses ?? {})) {
        if (response.content?.['text/csv']) {
          response.content['text/csv'] = { schema: { type: 'string', description: 'the same rows as CSV (RFC 4180), a header line first' } };
        }
      }
    }
  }
  // Each registered schema comes as an output and an input component; keep the ones in use.
  const used = JSON.stringify(openapi.paths);
  const schemas = openapi.components?.schemas ?? {};
  for (const name of Object.keys(schemas)) if (!used.includes(`"#/components/schemas/${name}"`)) delete schemas[name];
  return openapi as ReturnType<typeof jsonSchemaTransformObject>;
};

interface Operation {
  responses?: Record<string, { content?: Record<string, unknown> }>;
}
