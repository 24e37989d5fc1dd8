// Lint as a design tool: small functions (complexity, depth, parameters), no floating
// promises, typed module boundaries, and the dependency rule that keeps the core pure.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** Modules that do I/O: the pure core (api, apiextensions) must not import them. */
const IO_MODULES = [
  'dockerode', '@kubernetes/client-node', 'winston', 'prom-client', 'p-queue',
  'node:http', 'node:https', 'node:fs', 'node:fs/promises', 'node:child_process', 'node:net/promises',
];

export default defineConfig(
  { ignores: ['dist/', 'coverage/', 'node_modules/', 'bench/results/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['eslint.config.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      complexity: ['error', 10],
      'max-depth': ['error', 3],
      'max-params': ['error', 4],
      'max-lines': ['error', { max: 400, skipBlankLines: true, skipComments: true }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/explicit-module-boundary-types': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['src/api/**/*.ts', 'src/apiextensions/**/*.ts', 'src/planner/**/*.ts', 'src/scheduler/**/*.ts', 'src/status/**/*.ts', 'src/util/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: IO_MODULES.map((name) => ({ name, message: 'The pure core (api, apiextensions, planner, scheduler, status, util) does no I/O: put this behind an interface in an adapter.' })),
        patterns: [{ group: ['**/controller/**', '**/runtime/**', '**/kube/**', '**/apiserver/**', '**/cli/**', '**/observability/**'], allowTypeImports: true, message: 'The pure core must not depend on the shell (type-only imports of its interfaces are fine).' }],
      }],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'hack/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-expressions': 'off',
      'max-lines': 'off',
      complexity: ['error', 15],
    },
  },
  {
    files: ['**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
