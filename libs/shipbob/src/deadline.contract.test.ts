import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, RetriableError } from '@msync/platform';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createShipBobClient } from './client.js';
import { createRateLimiter } from './limiter.js';

// A server that answers at once and then sends its body one byte every 50 ms, for 2 s: no idle
// gap is ever long, only the whole exchange is.
let server: Server;
let url = '';

beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const body = JSON.stringify([{ id: 1, name: 'x'.repeat(30) }]);
    let sent = 0;
    const timer = setInterval(() => {
      if (res.destroyed || sent >= body.length) {
        clearInterval(timer);
        res.end();
        return;
      }
      res.write(body[sent++]);
    }, 50);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

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
