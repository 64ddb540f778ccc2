/**
 * The load generator of bench/reports.ts, run as a child process (forked, so that it does
 * not share the server's event loop): N concurrent clients, each one request at a time over
 * keep-alive HTTP/1.1 connections to 127.0.0.1, for a warm-up then a measured window. It gets
 * its plan over IPC and sends back each measured request's latency, by scenario.
 */
import http from 'node:http';
import { mulberry32 as prng } from '../../test/helpers/prng';

export interface Scenario {
  name: string;
  weight: number;
  key: string;
  /** Query strings to pick from at random, e.g. `groupBy=region&period=2026-Q2`. */
  queries: string[];
}

export interface LoadPlan {
  origin: string;
  path: string;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  scenarios: Scenario[];
  seed: number;
}

export interface ScenarioResult {
  name: string;
  latenciesMs: number[];
  errors: number;
  bytes: number;
}

export interface LoadResult {
  type: 'result';
  measuredMs: number;
  /** CPU time of this load generator in the measured window. */
  clientCpuMs: number;
  warmupRequests: number;
  scenarios: ScenarioResult[];
  errorSamples: string[];
}


async function run(plan: LoadPlan): Promise<LoadResult> {
  const url = new URL(plan.origin);
  const agent = new http.Agent({ keepAlive: true, maxSockets: plan.concurrency, maxFreeSockets: plan.concurrency });
  const totalWeight = plan.scenarios.reduce((s, x) => s + x.weight, 0);
  const results: ScenarioResult[] = plan.scenarios.map((s) => ({ name: s.name, latenciesMs: [], errors: 0, bytes: 0 }));
  const errorSamples: string[] = [];
  let warmupRequests = 0;

  const get = (path: string, key: string) =>
    new Promise<{ status: number; bytes: number }>((resolve, reject) => {
      const req = http.request(
        { host: url.hostname, port: url.port, path, method: 'GET', agent, headers: { authorization: `Bearer ${key}`, accept: 'application/json' } },
        (res) => {
          let bytes = 0;
          res.on('data', (chunk: Buffer) => (bytes += chunk.length));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });

  const started = performance.now();
  const measureFrom = started + plan.warmupMs;
  const stopAt = measureFrom + plan.durationMs;
  // Tells the parent when the measured window starts, so that it can sample CPU times.
  let cpuAtStart = process.cpuUsage();
  const marker = setTimeout(() => {
    cpuAtStart = process.cpuUsage();
    process.send!({ type: 'measuring' });
  }, plan.warmupMs);

  async function client(id: number): Promise<void> {
    const random = prng(plan.seed + id * 7919);
    while (performance.now() < stopAt) {
      let r = random() * totalWeight;
      let i = 0;
      while (r >= plan.scenarios[i].weight && i < plan.scenarios.length - 1) r -= plan.scenarios[i++].weight;
      const scenario = plan.scenarios[i];
      const query = scenario.queries[Math.floor(random() * scenario.queries.length)];
      const t0 = performance.now();
      const measured = t0 >= measureFrom;
      try {
        const { status, bytes } = await get(`${plan.path}?${query}`, scenario.key);
        const took = performance.now() - t0;
        if (!measured) {
          warmupRequests++;
          continue;
        }
        results[i].latenciesMs.push(took);
        results[i].bytes += bytes;
        if (status !== 200) {
          results[i].errors++;
          if (errorSamples.length < 5) errorSamples.push(`${scenario.name}: HTTP ${status} for ?${query}`);
        }
      } catch (err) {
        if (!measured) continue;
        results[i].latenciesMs.push(performance.now() - t0);
        results[i].errors++;
        if (errorSamples.length < 5) errorSamples.push(`${scenario.name}: ${(err as Error).message}`);
      }
    }
  }

  await Promise.all(Array.from({ length: plan.concurrency }, (_, i) => client(i)));
  // Requests started inside the window may end a little after it: the window is measured to the last one.
  const measuredMs = Math.max(plan.durationMs, performance.now() - measureFrom);
  clearTimeout(marker);
  const cpu = process.cpuUsage(cpuAtStart);
  agent.destroy();
  return { type: 'result', measuredMs, clientCpuMs: (cpu.user + cpu.system) / 1000, warmupRequests, scenarios: results, errorSamples };
}

process.once('message', (plan: LoadPlan) => {
  run(plan).then(
    (result) => process.send!(result, () => process.exit(0)),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
});
