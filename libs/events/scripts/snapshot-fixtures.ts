/**
 * Adds a golden fixture revision for every event schema that changed since its latest committed
 * revision (`npm run gen`). Commit the new files with the schema change.
 */
import { topics } from '../src/catalog.js';
import { snapshotRevision } from '../src/fixtures.js';
import { sampleEvents } from '../src/test-support/samples.js';

const samples = sampleEvents();
for (const [key, spec] of Object.entries(topics)) {
  const written = snapshotRevision(spec.schema, samples[key as keyof typeof samples]);
  if (written) process.stdout.write(`${spec.schema}: wrote revision r${written.revision}\n`);
}
