/**
 * Bundles the workflow code once, at image build time (`npm run build`), like Temporal's
 * samples-typescript `production/`: the worker then loads it with `workflowBundle: { codePath }`
 * when WORKFLOW_BUNDLE_PATH points at it, instead of running webpack at every start.
 *
 *   tsx scripts/build-workflow-bundle.ts [out]   # default dist/workflow-bundle.js
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { bundleWorkflowCode, type Logger } from '@temporalio/worker';

/** Writes the bundle to `out`; `logger`: the SDK's (webpack's report at INFO), default the console. */
export async function buildWorkflowBundle(out: string, logger?: Logger): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), ...(logger && { logger }) });
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, code);
  return out;
}

if (require.main === module) {
  const out = resolve(process.argv[2] ?? resolve(__dirname, '..', 'dist', 'workflow-bundle.js'));
  buildWorkflowBundle(out).then(
    (path) => process.stdout.write(`workflow bundle written to ${path}\n`),
    (err: unknown) => {
      process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
