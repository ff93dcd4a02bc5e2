import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Mutation testing of the pure modules (ADR 0032): `npm run test:mutation`.
// Add a pure module by adding its path (or a glob) to `mutate`; its unit tests are found by
// per-test coverage, whatever file they live in.

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: [
    // config-api's rules; the pipeline's decide modules (scheduler, pollers, applier) join this
    // list as their survivors are killed, one service at a time.
    'services/config-api/src/domain/**/*.ts',
    'services/scheduler/src/domain/**/*.ts',
    'services/{mirakl-poller,shipbob-poller}/src/domain/**/*.ts',
    'services/sync-applier/src/domain/**/*.ts',
    'libs/platform/src/{csv,errors,redact,retry}.ts',
    'libs/shipbob/src/mapping.ts',
    'libs/mirakl/src/ssrf.ts',
    '!**/*.test.ts',
  ],
  testRunner: 'jest',
  // jest runs ESM TypeScript only under --experimental-vm-modules (ADR 0016).
  testRunnerNodeArgs: ['--experimental-vm-modules', '--disable-warning=ExperimentalWarning'],
  jest: { projectType: 'custom', configFile: 'jest.mutation.config.js' },
  // @swc/jest strips types without checking them: no `// @ts-nocheck` needed (it would also
  // break the test that compares generated event types byte for byte).
  disableTypeChecks: false,
  // Runs only the tests that reach a mutant.
  coverageAnalysis: 'perTest',
  // The sandbox needs sources and test support only.
  ignorePatterns: ['**/dist', 'docs', 'k8s', 'tests', 'reports', 'coverage', 'test-output'],
  reporters: ['clear-text', 'html', 'json', 'progress-append-only'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  thresholds: { high: 90, low: 85, break: 85 },
  // Sandboxes live outside the repository, where jest and ESLint never find them; one directory
  // per clone, because Stryker deletes the whole directory when it is done.
  tempDirName: join(
    tmpdir(),
    `stryker-${createHash('sha256')
      .update(import.meta.dirname)
      .digest('hex')
      .slice(0, 12)}`,
  ),
  cleanTempDir: 'always',
};
