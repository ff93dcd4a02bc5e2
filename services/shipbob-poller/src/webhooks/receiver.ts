import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { requestLogContext, safeLogId, withLogContext, type Logger } from '@msync/platform';
import type { WebhookIntake } from './intake.js';

/** The path ShipBob posts a store's webhooks to (config-api subscribes `<public base><path>`). */
export const WEBHOOK_PATH = '/webhooks/shipbob/:storeId';

/** Store ids are UUIDs; anything else is not a store of ours. */
const STORE_ID = /^[A-Za-z0-9_-]{1,64}$/;

const header = (req: Request, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(' ') : value;
};

/**
 * The receiver's HTTP face (express): the raw body (never re-serialised: the signature is over
 * its bytes), at most `maxBodyBytes`; every other path is a 404.
 */
export function createWebhookApp(options: {
  intake: WebhookIntake;
  maxBodyBytes: number;
}): Express {
  const { intake } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestLogContext);
  app.post(
    WEBHOOK_PATH,
    express.raw({ type: () => true, limit: options.maxBodyBytes }),
    async (req: Request, res: Response) => {
      const param = req.params['storeId'];
      const storeId = typeof param === 'string' ? param : '';
      const topic = header(req, 'x-webhook-topic');
      const body: unknown = req.body;
      if (!STORE_ID.test(storeId) || !Buffer.isBuffer(body)) {
        intake.refused(topic, 'malformed');
        res.status(400).json({ outcome: 'malformed' });
        return;
      }
      // The webhook's id is the correlation id of the facts it becomes (intake.ts).
      const context = { storeId, correlationId: safeLogId(header(req, 'webhook-id')) };
      const answer = await withLogContext(context, () =>
        intake.receive({
          storeId,
          topic,
          headers: {
            id: header(req, 'webhook-id'),
            timestamp: header(req, 'webhook-timestamp'),
            signature: header(req, 'webhook-signature'),
          },
          body,
        }),
      );
      res.status(answer.status).json({ outcome: answer.outcome });
    },
  );
  app.use((_req: Request, res: Response) => {
    res.status(404).json({ outcome: 'not-found' });
  });
  // The raw parser's refusals: a body over the limit (413) or one it cannot read (400).
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const status = (error as { status?: unknown } | null)?.status;
    const oversized = status === 413;
    intake.refused(header(req, 'x-webhook-topic'), oversized ? 'oversized' : 'malformed');
    res.status(oversized ? 413 : 400).json({ outcome: oversized ? 'oversized' : 'malformed' });
  });
  return app;
}

export interface RunningWebhookReceiver {
  port: number;
  /** Stops taking deliveries, lets those in flight finish. */
  close(): Promise<void>;
}

/** Listens for ShipBob's webhooks on its own port. */
export async function startWebhookReceiver(options: {
  app: Express;
  port: number;
  host: string;
  logger: Logger;
}): Promise<RunningWebhookReceiver> {
  const server: Server = createServer(options.app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  options.logger.info('webhook receiver listening', { port });
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
