/**
 * What the workflow bundle carries. A worker evaluates the bundle's modules once, but every
 * workflow it runs holds its own copy of their module state: a package in the bundle costs
 * memory per sleeping workflow, evicted or not (zod in it once tripled a sleeping
 * workflow's native memory, bench/README.md). Workflow code may import only the Temporal
 * workflow packages and what they bring; a schema belongs in the API (src/domain/period-schema.ts).
 */
import { workflowBundle } from '../helpers/temporal';

const ALLOWED = new Set(['@temporalio/common', '@temporalio/workflow', 'long', 'ms', 'nexus-rpc']);

test('the workflow bundle holds our workflow code and the Temporal workflow packages, nothing else', async () => {
  const { code } = await workflowBundle();
  const packages = new Set(
    [...code.matchAll(/^\/\*\*\*\/ "\.\/node_modules\/((?:@[^/"]+\/)?[^/"]+)\//gm)].map((m) => m[1]),
  );
  expect([...packages].filter((p) => !ALLOWED.has(p))).toEqual([]);
  expect(packages.has('@temporalio/workflow')).toBe(true); // the pattern does find the bundle's modules
  const ours = [...code.matchAll(/^\/\*\*\*\/ "\.\/((?:src|workflows)\/[^"]+)"/gm)].map((m) => m[1]);
  expect(ours).toContain('workflows/invitation.ts');
  expect(ours.filter((p) => p.startsWith('src/') && !p.startsWith('src/domain/') && p !== 'src/temporal/shared.ts')).toEqual([]);
}, 60_000);
