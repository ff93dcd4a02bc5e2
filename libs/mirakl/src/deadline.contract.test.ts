import { RetriableError } from '@msync/platform';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTricklingServer } from '@msync/test-support';
import { fastClient } from './test-support/harness.js';

// The body trickles in for 2 s: no idle gap is ever long, only the whole exchange is.
let server: { url: string; close: () => Promise<void> };
let url = '';

beforeAll(async () => {
  server = await startTricklingServer(JSON.stringify({ version: 'x'.repeat(38) }));
  url = server.url;
});

afterAll(() => server.close());

describe('the Mirakl request deadline', () => {
  it('covers the whole exchange: a body that trickles in past it is a timeout', async () => {
    const client = fastClient(url, 'test-only-deadline-key', { timeoutMs: 300, retries: 0 });
    const started = Date.now();
    const error = await client.checkHealth().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriableError);
    expect(error).toMatchObject({ reason: 'timeout' });
    expect(Date.now() - started).toBeLessThan(1_500);
  });
});
