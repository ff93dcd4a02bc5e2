import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const repoRoot = resolve(import.meta.dirname, '../../..');

/**
 * Folder holding the vendors' published OpenAPI documents (not committed): `VENDOR_OPENAPI_DIR`,
 * else `shared/docs/reference/openapi` beside the clone. Tests that validate traffic against the
 * documents fail with this message rather than being skipped when neither exists.
 */
export function vendorOpenApiDir(): string {
  const given = process.env['VENDOR_OPENAPI_DIR'];
  const candidates = given ? [given] : [resolve(repoRoot, '../shared/docs/reference/openapi')];
  const found = candidates.find((dir) => existsSync(dir));
  if (!found)
    throw new Error(
      `the vendors' OpenAPI documents were not found (${candidates.join(', ')}): set VENDOR_OPENAPI_DIR to the folder holding them`,
    );
  return found;
}

/**
 * Variables a live run against a vendor needs; throws naming every missing one. Live suites run
 * only through `npm run test:live`, so a missing credential is a failure, not a skip.
 */
export function liveVariables<N extends string>(required: readonly N[]): Record<N, string> {
  const missing = required.filter((name) => !process.env[name]);
  if (missing.length > 0)
    throw new Error(`live run needs ${missing.join(', ')} in the environment`);
  return Object.fromEntries(required.map((name) => [name, process.env[name]!])) as Record<
    N,
    string
  >;
}
