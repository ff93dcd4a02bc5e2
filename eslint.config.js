import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

// Every folder under services/ is a service.
const services = readdirSync(join(import.meta.dirname, 'services'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', 'test-output/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: ['./tsconfig.check.json'], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
      // Interfaces return promises; an implementation that needs no await is fine.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message:
            'Read environment variables only in a composition root (main.ts / config.ts) via loadConfig.',
        },
      ],
    },
  },
  // A service never imports another service: they share only topics, their own collections and libs/.
  ...services.map((service) => ({
    files: [`services/${service}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: services
            .filter((other) => other !== service)
            .flatMap((other) => [
              `**/services/${other}/**`,
              `@msync/${other}`,
              `@msync/${other}/*`,
            ]),
        },
      ],
    },
  })),
  {
    files: [
      '**/main.ts',
      '**/config.ts',
      '**/*.test.ts',
      'tools/**/*.{ts,js}',
      // The benchmarks' entry point: it starts a benchmark again with its V8 flags (ADR 0149).
      'bench/run.ts',
      'sandbox/**/src/main.ts',
      'jest.config.js',
      'libs/platform/src/config.ts',
      'libs/platform/src/service.ts',
    ],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  prettier,
);
