/** How often the embedded PostgreSQL is restarted: at most `max` times within a sliding window. */
import { DEFAULT_RESTART_POLICY, RestartBudget } from '../../src/embedded/postgres';

const MINUTE = 60_000;

test('the default: three restarts within ten minutes, the fourth death is given up on', () => {
  const budget = new RestartBudget(DEFAULT_RESTART_POLICY.maxRestarts, DEFAULT_RESTART_POLICY.windowMs);
  expect([0, 1, 2, 3].map((minute) => budget.take(minute * MINUTE))).toEqual([1, 2, 3, null]);
});

test('restarts older than the window no longer count', () => {
  const budget = new RestartBudget(3, 10 * MINUTE);
  expect(budget.take(0)).toBe(1);
  expect(budget.take(5 * MINUTE)).toBe(2);
  expect(budget.take(9 * MINUTE)).toBe(3);
  expect(budget.take(10 * MINUTE)).toBe(3); // the one at 0 left the window
  expect(budget.take(10 * MINUTE + 1)).toBeNull();
  expect(budget.take(15 * MINUTE)).toBe(3); // the one at 5 left
});

test('a death once a day is always restarted', () => {
  const budget = new RestartBudget(3, 10 * MINUTE);
  for (let day = 0; day < 30; day++) expect(budget.take(day * 24 * 60 * MINUTE)).toBe(1);
});
