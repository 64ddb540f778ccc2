/**
 * The scoring activity (up to an hour) heartbeats while its SQL runs, so a killed worker
 * is noticed within the heartbeat timeout, not after the hour. Run in the SDK's activity
 * test environment, which records heartbeats as the worker would send them.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { heartbeatWhile } from '../../activities/scoring';

const sleep = (ms: number) => new Promise<string>((resolve) => setTimeout(() => resolve('done'), ms));

test('heartbeats at once and then every interval while the work runs, and stops after it', async () => {
  const env = new MockActivityEnvironment();
  let beats = 0;
  env.on('heartbeat', () => beats++);
  await expect(env.run(() => heartbeatWhile(sleep(230), 50))).resolves.toBe('done');
  expect(beats).toBeGreaterThanOrEqual(4);
  const after = beats;
  await sleep(150);
  expect(beats).toBe(after);
});

test('outside an activity (a benchmark calling it directly) it just awaits the work', async () => {
  await expect(heartbeatWhile(sleep(10), 5)).resolves.toBe('done');
});

test('a failure of the work propagates and stops the heartbeats', async () => {
  const env = new MockActivityEnvironment();
  let beats = 0;
  env.on('heartbeat', () => beats++);
  await expect(env.run(() => heartbeatWhile(Promise.reject(new Error('query failed')), 10))).rejects.toThrow('query failed');
  const after = beats;
  await sleep(50);
  expect(beats).toBe(after);
});
