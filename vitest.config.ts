import { defineConfig } from 'vitest/config';

// Workspace packages expose their TypeScript sources under the `source` export condition, so
// tests run against src/ without a build.
const resolve = { conditions: ['source'] };
const exclude = ['**/node_modules/**', '**/dist/**'];

export default defineConfig({
  resolve,
  test: {
    reporters: ['default', './tools/test-support/summary-reporter.ts'],
    projects: [
      {
        resolve,
        test: { name: 'unit', include: ['**/*.unit.test.ts'], exclude },
      },
      {
        resolve,
        test: {
          name: 'contract',
          include: ['**/*.contract.test.ts'],
          exclude,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        resolve,
        test: {
          name: 'int',
          include: ['**/*.int.test.ts'],
          exclude,
          globalSetup: ['./tools/test-support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        resolve,
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.e2e.test.ts'],
          exclude,
          globalSetup: ['./tools/test-support/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
