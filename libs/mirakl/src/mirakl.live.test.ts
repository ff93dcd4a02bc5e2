import { describe } from '@jest/globals';
import { liveVariables } from '@msync/test-support';
import { createMiraklClient } from './client.js';
import { readOnlyContract } from './test-support/read-only-contract.js';

// Runs only with `npm run test:live`: MIRAKL_URL and MIRAKL_API_KEY of a real store.
const { MIRAKL_URL: url, MIRAKL_API_KEY: apiKey } = liveVariables(['MIRAKL_URL', 'MIRAKL_API_KEY']);

// Real stores keep Mirakl's documented call frequencies: the default limiter applies.
describe('Mirakl client against a live store (read-only)', () => {
  readOnlyContract(() => ({
    client: () => createMiraklClient({ storeUrl: url, apiKey }),
    clientWithWrongKey: () =>
      createMiraklClient({ storeUrl: url, apiKey: `${apiKey}-invalid`, retries: 0 }),
  }));
});
