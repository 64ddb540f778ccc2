/** OpenAPI generated from the routes' zod schemas; UI at /docs, document at /docs/json. */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';
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
      // Schemas with an id (`Problem`) become components, referenced from every error response.
      transformObject: jsonSchemaTransformObject,
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
  },
  { name: 'swagger' },
);
