import process from 'node:process';

// Jest runs the TypeScript sources directly: @swc/jest strips types (ESM kept, so Node's own
// ESM loader runs the tests under --experimental-vm-modules), workspace packages resolve to their
// `src/` through the `source` export condition, and `./x.js` specifiers map to `./x.ts`.
// Four projects by file suffix, each with its own timeouts (see test-support/timeouts/*).

/** @type {import('@swc/core').Options} */
const swc = {
  jsc: {
    parser: { syntax: 'typescript' },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'es6' },
  sourceMaps: 'inline',
};

const timeouts = (name) => `<rootDir>/tools/test-support/src/timeouts/${name}.ts`;

/** @param {string} displayName @param {string[]} testMatch @param {object} extra */
const project = (displayName, testMatch, extra = {}) => ({
  displayName,
  rootDir: import.meta.dirname,
  testMatch: testMatch.map((pattern) => `<rootDir>/${pattern}`),
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testEnvironment: 'node',
  testEnvironmentOptions: { customExportConditions: ['source', 'node', 'node-addons'] },
  extensionsToTreatAsEsm: ['.ts'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json', 'node'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  ...extra,
});

const infraSetup = {
  testEnvironment: '<rootDir>/tools/test-support/src/infra-environment.js',
  globalSetup: '<rootDir>/tools/test-support/src/global-setup.js',
  globalTeardown: '<rootDir>/tools/test-support/src/global-teardown.js',
};

/** @type {import('jest').Config} */
export default {
  reporters: ['default', '<rootDir>/tools/test-support/src/summary-reporter.js'],
  rootDir: import.meta.dirname,
  // Integration tests wait on I/O (Kafka, Mongo, HTTP) far more than on CPU.
  maxWorkers: 3,
  projects: [
    project('unit', ['**/*.unit.test.ts'], { setupFilesAfterEnv: [timeouts('unit')] }),
    project('contract', ['**/*.contract.test.ts'], {
      setupFilesAfterEnv: [timeouts('contract')],
    }),
    project('int', ['**/*.int.test.ts'], {
      ...infraSetup,
      setupFilesAfterEnv: [timeouts('int')],
    }),
    project('e2e', ['tests/e2e/**/*.e2e.test.ts'], {
      ...infraSetup,
      setupFilesAfterEnv: [timeouts('e2e')],
    }),
    // Against the real vendors with credentials from the environment: `npm run test:live` only.
    ...(process.env['MSYNC_LIVE'] === '1'
      ? [project('live', ['**/*.live.test.ts'], { setupFilesAfterEnv: [timeouts('contract')] })]
      : []),
  ],
};
