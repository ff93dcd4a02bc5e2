import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import express from 'express';
import { createLogger } from './logger.js';
import { requestLogContext, storeIdLogContext } from './log-context.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve));
});

/** An express app as the services build theirs, logging from an async route. */
async function app() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>),
  });
  const app = express();
  app.use(requestLogContext);
  const router = express.Router();
  router.param('storeId', storeIdLogContext);
  router.get('/stores/:storeId', async (_req, res) => {
    await new Promise((resolve) => setTimeout(resolve, 2));
    logger.info('answered');
    res.json({});
  });
  router.get('/fails/:storeId', () => {
    throw new Error('boom');
  });
  app.use(router);
  app.use(
    (error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      logger.error('failed', { error: error.message });
      res.status(500).end();
    },
  );
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  servers.push(server);
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { lines, base };
}

describe('HTTP request log context', () => {
  it('logs under the caller’s request id, echoes it, and names the store of the path', async () => {
    const { lines, base } = await app();
    const answer = await fetch(`${base}/stores/store-9`, {
      headers: { 'x-request-id': 'req-123' },
    });
    expect(answer.headers.get('x-request-id')).toBe('req-123');
    expect(lines).toEqual([
      expect.objectContaining({
        msg: 'answered',
        storeId: 'store-9',
        requestId: 'req-123',
        correlationId: 'req-123',
      }),
    ]);
  });

  it('makes up an id when the caller gave none or an unsafe one, also for error answers', async () => {
    const { lines, base } = await app();
    const answer = await fetch(`${base}/fails/store-9`, {
      headers: { 'x-request-id': 'has spaces and "quotes"' },
    });
    expect(answer.status).toBe(500);
    const id = answer.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines).toEqual([
      expect.objectContaining({ msg: 'failed', storeId: 'store-9', correlationId: id }),
    ]);
  });
});
