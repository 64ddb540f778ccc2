/**
 * Compares what requests got with what the OpenAPI document declares: every (method,
 * route pattern, status) the app answered, from its own request metric
 * (`feedback_http_request_duration_seconds`, labelled by route pattern, method and status),
 * must be a response the document lists for that operation, and every problem's code
 * (`feedback_http_problems_total`) one that response's description names. test/api/app-helper.ts
 * runs it when a test file closes its app, so the whole API suite checks the document.
 */
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../../src/metrics';

interface OpenApiDocument {
  paths?: Record<string, Record<string, { responses?: Record<string, { description?: string }> }>>;
}

/** Routes that are deliberately not in the document: the Swagger UI's own. */
const UNDOCUMENTED = /^\/docs(\/|$)/;

export async function undeclaredStatuses(app: FastifyInstance, metrics: Metrics): Promise<string[]> {
  const doc = (app as unknown as { swagger(): OpenApiDocument }).swagger();
  const { values } = await metrics.httpRequestDuration.get();
  const problems = new Set<string>();
  for (const { labels, value, metricName } of values) {
    if (metricName !== 'feedback_http_request_duration_seconds_count' || value === 0) continue;
    const route = String(labels.route);
    const status = String(labels.status);
    // No route matched (the not-found handler, a URL Fastify refused): no operation to check.
    if (route === 'unmatched' || UNDOCUMENTED.test(route)) continue;
    // Fastify answers HEAD for every GET route; the document lists the GET.
    const method = labels.method === 'HEAD' ? 'get' : String(labels.method).toLowerCase();
    const operation = doc.paths?.[openApiPath(route)]?.[method];
    if (!operation) problems.add(`${labels.method} ${route}: not in the OpenAPI document`);
    else if (!declares(operation.responses ?? {}, status)) problems.add(`${labels.method} ${route} answered ${status}, which its OpenAPI responses do not declare`);
  }
  for (const { labels, value } of (await metrics.httpProblems.get()).values) {
    const route = String(labels.route);
    if (value === 0 || route === 'unmatched' || UNDOCUMENTED.test(route)) continue;
    const method = labels.method === 'HEAD' ? 'get' : String(labels.method).toLowerCase();
    const response = doc.paths?.[openApiPath(route)]?.[method]?.responses?.[String(labels.status)];
    if (response && !(response.description ?? '').includes(`\`${labels.code}\``)) {
      problems.add(`${labels.method} ${route} answered ${labels.status} ${labels.code}, a code its OpenAPI response does not name`);
    }
  }
  return [...problems].sort();
}

function declares(responses: Record<string, { description?: string }>, status: string): boolean {
  return status in responses || `${status[0]}XX` in responses || 'default' in responses;
}

/** `/v1/receipts/:id` → `/v1/receipts/{id}`. */
export function openApiPath(route: string): string {
  return route.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}
