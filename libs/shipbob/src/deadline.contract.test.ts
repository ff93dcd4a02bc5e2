import { createLogger, RetriableError } from '@msync/platform';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTricklingServer } from '@msync/test-support';
import { createShipBobClient } from './client.js';
import { createRateLimiter } from './limiter.js';

// The body trickles in for 2 s: no idle gap is ever long, only the whole exchange is.
let server: { url: string; close: () => Promise<void> };
let url = '';

beforeAll(async () => {
  server = await startTricklingServer(JSON.stringify([{ id: 1, name: 'x'.repeat(30) }]));
  url = server.url;
});

afterAll(() => server.close());

describe('the ShipBob request deadline', () => {
  it('covers the whole exchange: a body that trickles in past it is a timeout', async () => {
    const client = createShipBobClient({
      pat: 'test-only-deadline-pat',
      storeId: 'deadline',
      logger: createLogger({ level: 'error' }),
      limiter: createRateLimiter(),
      baseUrl: url,
      timeoutMs: 300,
    });
    const started = Date.now();
    const error = await client.listFulfillmentCenters().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriableError);
    expect(error).toMatchObject({ reason: 'timeout' });
    expect(Date.now() - started).toBeLessThan(1_500);
  });
});
