/**
 * Lints code snippets with the project's ESLint config as if each were the file it names,
 * for test/unit/lint-workflows.test.ts. Its own process, because ESLint loads
 * eslint.config.mjs with a dynamic import(), which jest's module sandbox refuses.
 *
 * stdin: `[{ code, filePath, typed }]`; stdout: per snippet, its errors as `"<line> <rule>"`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

export interface TSnippet {
  code: string;
  /** Relative to the repository root; need not exist. */
  filePath: string;
  /** With type information (for the type-aware rules); slower: it builds a program. */
  typed: boolean;
}

const root = path.resolve(__dirname, '../..');

// Import rules need no types: the project's config without type information.
const untyped = new ESLint({ cwd: root, overrideConfig: tseslint.configs.disableTypeChecked });

// Type-aware rules for files that do not exist: the project service gives each a default
// project of its own, rooted in the file's directory so that it does not first load the
// whole tsconfig's program, and with the ES library only (no DOM, no @types/*): a snippet
// that imports nothing is checked in a second instead of ten.
const scratch = mkdtempSync(path.join(tmpdir(), 'lint-snippets-'));
const defaultProject = path.join(scratch, 'tsconfig.json');
// (Only its compiler options are used; TypeScript refuses a config without an input file.)
writeFileSync(path.join(scratch, 'empty.ts'), 'export {};\n');
writeFileSync(defaultProject, JSON.stringify({ compilerOptions: { strict: true, target: 'ES2022', lib: ['ES2022'], types: [] }, files: ['empty.ts'] }));

function typed(filePath: string): ESLint {
  return new ESLint({
    cwd: root,
    overrideConfig: {
      files: [filePath],
      languageOptions: {
        parserOptions: {
          tsconfigRootDir: path.join(root, path.dirname(filePath)),
          projectService: { allowDefaultProject: [path.basename(filePath)], defaultProject },
        },
      },
    },
  });
}

async function lint(snippet: TSnippet): Promise<string[]> {
  const eslint = snippet.typed ? typed(snippet.filePath) : untyped;
  const [result] = await eslint.lintText(snippet.code, { filePath: snippet.filePath });
  const fatal = result.messages.filter((m) => m.fatal);
  if (fatal.length > 0) throw new Error(`${snippet.filePath}: ${fatal.map((m) => m.message).join('; ')}`);
  return result.messages.filter((m) => m.severity === 2).map((m) => `${m.line} ${m.ruleId}`);
}

async function main(): Promise<void> {
  const snippets = JSON.parse(readFileSync(0, 'utf8')) as TSnippet[];
  const results: string[][] = [];
  for (const snippet of snippets) results.push(await lint(snippet));
  process.stdout.write(JSON.stringify(results));
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => rmSync(scratch, { recursive: true, force: true }));
