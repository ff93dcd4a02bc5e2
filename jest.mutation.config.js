import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import base from './jest.config.js';
import stryker from './stryker.config.js';

// The jest configuration StrykerJS runs (stryker.config.js): the `unit` project of jest.config.js
// as one flat configuration, so Stryker's per-test coverage environment applies to it, running
// only the unit tests of the mutated modules: `x.ts` is tested by `x.unit.test.ts` and
// `x.<aspect>.unit.test.ts` beside it. Jest loads every test file that imports a mutated module,
// even when none of its tests are picked, so a suite that reaches csv.ts only through the
// @msync/platform barrel (Kafka, Avro, Mongo...) would cost seconds on every csv.ts mutant.
//
// Stryker mutates a copy of the repository (a sandbox) whose node_modules is a link to the real
// one, where `@msync/*` links point back at the real, unmutated workspaces. Mapping every
// workspace package to the sandbox's own source makes a test that imports `@msync/platform` see
// the mutant too.

const root = import.meta.dirname;
const workspaceDirs = ['libs', 'services', 'sandbox', 'tools'].flatMap((group) =>
  readdirSync(join(root, group), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(group, entry.name)),
);

/** `^@msync/platform$` → `<rootDir>/libs/platform/src/index.ts`, from each package's `source` export. */
const workspaceSources = Object.fromEntries(
  workspaceDirs.flatMap((dir) => {
    let manifest;
    try {
      manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
    } catch {
      return [];
    }
    const source = manifest.exports?.['.']?.source;
    if (typeof manifest.name !== 'string' || typeof source !== 'string') return [];
    return [[`^${manifest.name}$`, `<rootDir>/${join(dir, source)}`]];
  }),
);

/** `libs/platform/src/{csv,retry}.ts` → `<rootDir>/libs/platform/src/{csv,retry}{,.*}.unit.test.ts`. */
const testMatch = stryker.mutate
  .filter((pattern) => !pattern.startsWith('!') && pattern.endsWith('.ts'))
  .map((pattern) => `<rootDir>/${pattern.slice(0, -'.ts'.length)}{,.*}.unit.test.ts`);

const unit = base.projects.find((project) => project.displayName === 'unit');
if (!unit) throw new Error('jest.config.js has no `unit` project: update jest.mutation.config.js');
const { displayName: _displayName, ...unitConfig } = unit;

/** @type {import('jest').Config} */
export default {
  ...unitConfig,
  testMatch,
  moduleNameMapper: { ...workspaceSources, ...unitConfig.moduleNameMapper },
};
