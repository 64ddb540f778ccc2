/**
 * The OpenAPI document at /docs/json, as a client generator reads it: an operationId on
 * every operation, errors as application/problem+json with their machine code, real
 * schemas for the items of a batch, and examples (valid against their own schemas) for
 * receipts and reports. That every status the suite's requests got is declared is checked
 * by test/api/app-helper.ts when each test file closes its app.
 */
import Ajv2020 from 'ajv/dist/2020';
import { PROBLEM_CODES } from '../../src/domain/error-codes';
import { undeclaredStatuses } from '../helpers/declared-statuses';
import { createTestApp, type TestApp } from './app-helper';

interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  enum?: unknown[];
  examples?: unknown[];
  required?: string[];
  [key: string]: unknown;
}
interface Media {
  schema: Schema;
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
}
interface Operation {
  operationId?: string;
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, { description?: string; content?: Record<string, Media> }>;
}
type Doc = { paths: Record<string, Record<string, Operation>>; components?: unknown };

let t: TestApp;
let doc: Doc;
let operations: { method: string; path: string; op: Operation }[];
beforeAll(async () => {
  t = await createTestApp();
  const res = await t.app.inject({ method: 'GET', url: '/docs/json' });
  expect(res.statusCode).toBe(200);
  doc = res.json();
  operations = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ method, path, op })));
});
afterAll(async () => t?.close());

/** A `$ref` into components, followed. */
const resolve = (schema: Schema | undefined): Schema | undefined => {
  const ref = schema?.$ref as string | undefined;
  if (!ref) return schema;
  return (doc.components as { schemas: Record<string, Schema> }).schemas[ref.replace('#/components/schemas/', '')];
};

const byId = (id: string) => {
  const found = operations.find((o) => o.op.operationId === id);
  if (!found) throw new Error(`no operation ${id}`);
  return found.op;
};

test('every operation has an operationId, and no two share one', () => {
  expect(operations.length).toBeGreaterThan(20);
  expect(operations.filter((o) => !o.op.operationId).map((o) => `${o.method} ${o.path}`)).toEqual([]);
  const ids = operations.map((o) => o.op.operationId);
  expect(new Set(ids).size).toBe(ids.length);
});

test('the JSON API declares its errors as application/problem+json carrying a code from the catalogue', () => {
  const wrong: string[] = [];
  let problems = 0;
  for (const { method, path, op } of operations) {
    const html = Object.values(op.responses).some((r) => r.content && ('text/html' in r.content || 'text/css' in r.content));
    for (const [status, response] of Object.entries(op.responses)) {
      if (Number(status) < 400) continue;
      // Readiness answers its own JSON (which dependency is down); the citizen pages answer Russian HTML.
      if ((path === '/ready' && status === '503') || html) continue;
      const schema = resolve(response.content?.['application/problem+json']?.schema);
      if (!schema || Object.keys(response.content ?? {}).length !== 1) {
        wrong.push(`${method} ${path} ${status}`);
        continue;
      }
      problems++;
      expect(schema.required).toEqual(expect.arrayContaining(['type', 'title', 'status', 'code']));
      expect(schema.properties?.code.enum).toEqual(Object.keys(PROBLEM_CODES));
      expect(schema.properties?.errors?.items?.properties?.code.enum).toContain('invalid_snils');
      // The description names the codes this status carries on this route, each from the catalogue.
      const named = [...(response.description ?? '').matchAll(/`([a-z_]+)`/g)].map((m) => m[1]);
      expect(named.length).toBeGreaterThan(0);
      for (const code of named) expect(PROBLEM_CODES).toHaveProperty(code);
    }
  }
  expect(wrong).toEqual([]);
  expect(problems).toBeGreaterThan(50);
});

test('a report that also answers CSV declares text under text/csv, and every component is in use', () => {
  const indicators = byId('getIndicators').responses['200'].content!;
  expect(indicators['text/csv']).toEqual({ schema: expect.objectContaining({ type: 'string' }) });
  expect(indicators['application/json'].schema.properties?.rows).toBeDefined();
  const components = Object.keys((doc.components as { schemas: Record<string, unknown> }).schemas);
  expect(components).toEqual(['Problem']);
});

test('the citizen pages declare HTML for every outcome, errors included', () => {
  const page = operations.find((o) => o.path === '/q/{token}' && o.method === 'post')!.op;
  expect(Object.keys(page.responses).sort()).toEqual(['303', '400', '404', '409', '410', '413', '415', '422', '429', '500', '503']);
  for (const [status, response] of Object.entries(page.responses)) {
    if (status !== '303') expect(Object.keys(response.content ?? {})).toEqual(['text/html']);
  }
});

test('a batch declares real item schemas: receipts in, one outcome per item out', () => {
  const batch = byId('postReceiptBatch');
  const item = batch.requestBody!.content['application/json'].schema.properties!.receipts.items!;
  expect(item.type).toBe('object');
  expect(item.required).toEqual(expect.arrayContaining(['externalId', 'organization', 'service', 'recipient']));
  expect(item.properties?.recipient.properties?.snils).toBeDefined();
  const result = batch.responses['200'].content!['application/json'].schema.properties!.results.items!;
  const variants = result.oneOf ?? result.anyOf ?? [];
  expect(variants).toHaveLength(2);
  const rejected = variants.find((v) => v.properties?.status.const === 'rejected' || v.properties?.status.enum?.includes('rejected'))!;
  expect(rejected.required).toEqual(expect.arrayContaining(['index', 'externalId', 'status', 'code', 'errors']));
  expect(rejected.properties?.errors.items?.required).toEqual(expect.arrayContaining(['path', 'code', 'message']));
});

test('receipts and reports have examples, and each example is valid against its own schema', () => {
  const media = (op: Operation, where: 'request' | string) => {
    const content = where === 'request' ? op.requestBody!.content : op.responses[where].content!;
    return content['application/json'];
  };
  const wanted: [string, string][] = [
    ['postReceipt', 'request'], ['postReceipt', '202'], ['postReceipt', '200'], ['getReceipt', '200'], ['cancelReceipt', '200'],
    ['postReceiptBatch', 'request'], ['postReceiptBatch', '200'], ['endReceiptService', 'request'],
    ['getIndicators', '200'], ['getIndicatorHistory', '200'], ['getRankings', '200'], ['getFunnel', '200'],
  ];
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false, logger: false });
  for (const [id, where] of wanted) {
    const { schema, example, examples: named } = media(byId(id), where);
    const examples = [...(example === undefined ? [] : [example]), ...Object.values(named ?? {}).map((e) => e.value)];
    expect({ id, where, examples: examples.length > 0 }).toEqual({ id, where, examples: true });
    const validate = ajv.compile({ ...schema, components: doc.components });
    for (const example of examples) {
      const ok = validate(example);
      expect({ id, where, errors: ok ? null : validate.errors }).toEqual({ id, where, errors: null });
    }
  }
});

test('the suite-wide check names a status the document does not declare for its route', async () => {
  const labels = { route: '/v1/receipts/:id', method: 'GET', status: '418' };
  t.metrics.httpRequestDuration.observe(labels, 0.001);
  t.metrics.httpRequestDuration.observe({ ...labels, status: '404' }, 0.001);
  try {
    expect(await undeclaredStatuses(t.app, t.metrics)).toEqual(['GET /v1/receipts/:id answered 418, which its OpenAPI responses do not declare']);
  } finally {
    t.metrics.httpRequestDuration.remove(labels);
  }
  expect(await undeclaredStatuses(t.app, t.metrics)).toEqual([]);
});

test('the suite-wide check names a problem code the declared status does not list', async () => {
  const labels = { route: '/v1/receipts/:id', method: 'GET', status: '404', code: 'unknown_link' };
  t.metrics.httpProblems.inc(labels);
  t.metrics.httpProblems.inc({ ...labels, code: 'not_found' });
  try {
    expect(await undeclaredStatuses(t.app, t.metrics)).toEqual(['GET /v1/receipts/:id answered 404 unknown_link, a code its OpenAPI response does not name']);
  } finally {
    t.metrics.httpProblems.remove(labels);
  }
});
