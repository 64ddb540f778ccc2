/**
 * Checks a report body against the 200 schema the OpenAPI document (/docs/json) declares
 * for its operation, and the schema's own examples: routes that send pre-serialised JSON
 * skip the serializer's validation, so the document's truth is checked here.
 */
import Ajv2020 from 'ajv/dist/2020';
import type { FastifyInstance } from 'fastify';

type Schema = Record<string, unknown> & { examples?: unknown[] };
interface Media { schema: Schema; example?: unknown; examples?: Record<string, { value: unknown }> }

export async function documentedSchema(app: FastifyInstance, operationId: string) {
  const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
  const op = Object.values(doc.paths as Record<string, Record<string, { operationId?: string; responses: Record<string, { content: Record<string, Media> }> }>>)
    .flatMap((methods) => Object.values(methods))
    .find((o) => o.operationId === operationId);
  if (!op) throw new Error(`no operation ${operationId}`);
  const media = op.responses['200'].content['application/json'];
  const { schema } = media;
  const validate = new Ajv2020({ strict: false, allErrors: true, validateFormats: false, logger: false }).compile({ ...schema, components: doc.components });
  return {
    examples: [...(media.example === undefined ? [] : [media.example]), ...Object.values(media.examples ?? {}).map((e) => e.value), ...(schema.examples ?? [])],
    errors(body: unknown) {
      return validate(body) ? null : validate.errors;
    },
  };
}
