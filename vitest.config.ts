import { defineConfig } from 'vitest/config';

// Workspace packages expose their TypeScript sources under the `source` export condition, so
// tests run against src/ without a build. Tests run in Vite's SSR (Node) mode, which has its own
// list of conditions; both are set.
// Workspace packages are inlined (not externalised), so only Vite's resolver needs the condition.
const conditions = ['source', 'module', 'node', 'development|production'];
const resolve = { conditions };
const ssr = { resolve: { conditions } };
const exclude = ['**/node_modules/**', '**/dist/**'];

export default defineConfig({
  resolve,
  ssr,
  test: {
    reporters: ['default', './tools/test-support/summary-reporter.ts'],
    projects: [
      {
        resolve,
        ssr,
        test: { name: 'unit', include: ['**/*.unit.test.ts'], exclude },
      },
      {
        resolve,
        ssr,
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
        ssr,
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
        ssr,
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
