import { describe } from 'vitest';
import { createMiraklClient } from './client.js';
import { readOnlyContract } from './test-support/read-only-contract.js';

const url = process.env['MIRAKL_URL'];
const apiKey = process.env['MIRAKL_API_KEY'];

if (!url || !apiKey) {
  console.warn(
    'Mirakl live contract did not run: set MIRAKL_URL and MIRAKL_API_KEY to run the read-only suite against a real store.',
  );
}

// Real stores keep Mirakl's documented call frequencies: the default limiter applies.
describe.skipIf(!url || !apiKey)('Mirakl client against a live store (read-only)', () => {
  readOnlyContract(() => ({
    client: () => createMiraklClient({ storeUrl: url ?? '', apiKey: apiKey ?? '' }),
    clientWithWrongKey: () =>
      createMiraklClient({ storeUrl: url ?? '', apiKey: `${apiKey ?? ''}-invalid`, retries: 0 }),
  }));
});
