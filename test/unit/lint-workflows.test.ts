/**
 * The lint guards the workflow sandbox (eslint.config.mjs): workflow code imports no Node
 * built-in and no I/O module, type-only imports of the activities stay allowed, and a
 * floating promise is an error. Snippets are linted with the project's config as if they
 * were files under workflows/, in one run of test/helpers/lint-snippets.ts.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { TSnippet } from '../helpers/lint-snippets';

const TSX = join(__dirname, '..', '..', 'node_modules', '.bin', 'tsx');
const SCRIPT = join(__dirname, '..', 'helpers', 'lint-snippets.ts');

const FORBIDDEN: [string, string][] = [
  ["import { readFileSync } from 'node:fs';", 'a Node built-in, node: form'],
  ["import fs from 'fs';", 'a Node built-in, bare form'],
  ["import { createHash } from 'crypto';", 'node:crypto'],
  ["import { PrismaClient } from '@prisma/client';", 'Prisma'],
  ["import { Client } from '@temporalio/client';", 'the Temporal client'],
  ["import { Context } from '@temporalio/activity';", 'the activity context'],
  ["import Fastify from 'fastify';", 'Fastify'],
  ["import { Resend } from 'resend';", 'Resend'],
  ["import { createActivities } from '../activities';", 'the activities as values'],
  ["import { createDb } from '../src/db/client';", 'the database module'],
  ["import { ReceiptService } from '../src/services/receipts';", 'a service'],
];

const ALLOWED = [
  "import { proxyActivities } from '@temporalio/workflow';",
  "import type { Activities } from '../activities';",
  "import type { ScoringResult } from '../activities/scoring';",
  "import { InvitationSchedule } from '../src/domain/policy';",
  "import { SEARCH_ATTRIBUTES } from '../src/temporal/shared';",
  "import { stateQuery } from './invitation-signals';",
].join('\n');

const FLOATING = [
  'async function step(): Promise<void> {}',
  'export async function workflow(): Promise<void> {',
  '  step();',
  '  await step();',
  '  void step();',
  '}',
].join('\n');

const snippets: Record<string, TSnippet> = {
  ...Object.fromEntries(FORBIDDEN.map(([code]) => [code, { code, filePath: 'workflows/x.ts', typed: false }])),
  allowed: { code: ALLOWED, filePath: 'workflows/x.ts', typed: false },
  domainBuiltin: { code: "import { randomBytes } from 'node:crypto';", filePath: 'src/domain/x.ts', typed: false },
  domainIo: { code: "import type { Db } from '../db/client';\nimport { loadConfig } from '../config';", filePath: 'src/domain/x.ts', typed: false },
  shared: { code: "import { Client } from '@temporalio/client';", filePath: 'src/temporal/shared.ts', typed: false },
  notWorkflow: { code: "import { readFileSync } from 'node:fs';\nimport { Client } from '@temporalio/client';", filePath: 'src/temporal/x.ts', typed: false },
  floating: { code: FLOATING, filePath: 'workflows/x.ts', typed: true },
};

let errors: Record<string, string[]>;
beforeAll(() => {
  const run = spawnSync(TSX, [SCRIPT], { input: JSON.stringify(Object.values(snippets)), encoding: 'utf8', timeout: 90_000 });
  if (run.status !== 0) throw new Error(`lint-snippets failed (${run.status}): ${run.stderr}`);
  const results = JSON.parse(run.stdout) as string[][];
  errors = Object.fromEntries(Object.keys(snippets).map((name, n) => [name, results[n]]));
});

const imports = (name: string) => errors[name].filter((e) => e.endsWith(' no-restricted-imports'));

test.each(FORBIDDEN)('a workflow may not %s (%s)', (code) => {
  expect(imports(code)).toEqual(['1 no-restricted-imports']);
});

test('a workflow may import @temporalio/workflow, pure modules, its own files and the activities as types', () => {
  expect(imports('allowed')).toEqual([]);
});

test('src/domain and src/temporal/shared.ts are workflow code too; the rest of src is not', () => {
  expect(imports('domainBuiltin')).toEqual(['1 no-restricted-imports']);
  expect(imports('domainIo')).toEqual(['2 no-restricted-imports']);
  expect(imports('shared')).toEqual(['1 no-restricted-imports']);
  expect(imports('notWorkflow')).toEqual([]);
});

test('a floating promise is an error; an awaited or voided one is not', () => {
  expect(errors.floating).toEqual(['3 @typescript-eslint/no-floating-promises']);
});
