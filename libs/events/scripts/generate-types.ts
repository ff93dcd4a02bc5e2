/**
 * Generates TypeScript types from the Avro schemas (the single source of truth) into
 * `src/generated/types.ts`. Run `npm run gen`; a unit test fails when the file is stale.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderTypes } from '../src/codegen.js';

const target = fileURLToPath(new URL('../src/generated/types.ts', import.meta.url));
writeFileSync(target, renderTypes());
process.stdout.write(`wrote ${target}\n`);
