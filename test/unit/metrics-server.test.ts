/** The worker role's metrics server: the registry at GET /metrics, a bearer token when one is set. */
import { createMetrics, startMetricsServer } from '../../src/metrics';

test('serves the registry in the Prometheus text format at /metrics and nothing else', async () => {
  const metrics = createMetrics();
  metrics.notifications.inc({ status: 'sent', channel: 'email' });
  const server = await startMetricsServer(metrics.registry, 0, { host: '127.0.0.1' });
  try {
    const res = await fetch(server.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(metrics.registry.contentType);
    const text = await res.text();
    expect(text).toMatch(/^feedback_notifications_total\{status="sent",channel="email"\} 1$/m);
    expect(text).toContain('process_cpu_user_seconds_total');
    expect((await fetch(server.url.replace('/metrics', '/other'))).status).toBe(404);
  } finally {
    await server.close();
  }
});

test('with a token, a scrape without it is refused', async () => {
  const metrics = createMetrics({ defaultMetrics: false });
  const token = 'metrics-token-0123456789';
  const server = await startMetricsServer(metrics.registry, 0, { host: '127.0.0.1', token });
  try {
    expect((await fetch(server.url)).status).toBe(401);
    expect((await fetch(server.url, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    expect((await fetch(server.url, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  } finally {
    await server.close();
  }
});
