import { createServer } from 'node:net';
import { createLogger, type Logger } from '@msync/platform';
import type { RunningShipBobSimulator } from '@msync/shipbob-sim';
import { createShipBobClient, type ShipBobClientOptions } from '../client.js';
import type { ApiVersion, NewOrder, ShipBobPort } from '../domain.js';
import { createRateLimiter, type RateLimiter } from '../limiter.js';
import { pathAndQuery, recordedBody, type RecordedExchange } from '@msync/test-support';
import type { HttpExchange } from '../transport.js';

export interface TestAccount {
  pat: string;
  merchantId: number;
  channelId: number;
  otherChannelId: number | undefined;
}

/** Seeds a merchant with a PAT (and optionally a read-only channel) in the simulator. */
export function seedAccount(
  sim: RunningShipBobSimulator,
  options: { pat?: string; withOtherChannel?: boolean } = {},
): TestAccount {
  const pat = options.pat ?? `pat-${Math.random().toString(36).slice(2)}-secret`;
  const merchant = sim.control.world.seedMerchant({
    name: 'Test merchant',
    pats: [pat],
    withOtherChannel: options.withOtherChannel ?? false,
  });
  return {
    pat,
    merchantId: merchant.id,
    channelId: merchant.patChannelId,
    otherChannelId: merchant.channels.find((c) => c.id !== merchant.patChannelId)?.id,
  };
}

export interface ClientUnderTest {
  client: ShipBobPort;
  lines: string[];
  logger: Logger;
}

/** A client pointed at the simulator, recording exchanges and log lines. */
export function clientFor(
  sim: RunningShipBobSimulator,
  account: TestAccount,
  options: {
    version?: ApiVersion;
    exchanges?: RecordedExchange[];
    limiter?: RateLimiter;
    storeId?: string;
  } & Partial<ShipBobClientOptions> = {},
): ClientUnderTest {
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', write: (line) => lines.push(line) });
  const client = createShipBobClient({
    pat: account.pat,
    storeId: options.storeId ?? 'store-1',
    logger,
    limiter: options.limiter ?? createRateLimiter(),
    baseUrl: sim.url,
    apiVersion: options.version ?? '2025-07',
    timeoutMs: options.timeoutMs ?? 2_000,
    onExchange: options.exchanges ? recordExchanges(options.exchanges) : undefined,
    ...options,
  });
  return { client, lines, logger };
}

/** An `onExchange` hook that records every exchange the client makes, answered or not. */
export function recordExchanges(exchanges: RecordedExchange[]): (seen: HttpExchange) => void {
  return (seen) => {
    const request = recordedBody(seen.requestBody);
    const answer = recordedBody(seen.responseBody);
    exchanges.push({
      method: seen.method,
      ...pathAndQuery(seen.url),
      requestHeaders: seen.requestHeaders,
      ...(seen.requestHeaders['content-type']
        ? { requestContentType: seen.requestHeaders['content-type'] }
        : {}),
      ...(request.body === undefined ? {} : { requestBody: request.body }),
      ...(seen.status === undefined ? {} : { status: seen.status }),
      ...(answer.body === undefined ? {} : { responseBody: answer.body }),
      ...(answer.notJson ? { responseNotJson: true } : {}),
    });
  };
}

export function newOrder(
  referenceId: string,
  lines: { sku: string; quantity: number }[] = [{ sku: 'SKU-1', quantity: 1 }],
): NewOrder {
  return {
    referenceId,
    shippingMethod: 'Standard',
    recipient: {
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      phoneNumber: '555-0100',
      address: {
        address1: '1 Main St',
        city: 'Springfield',
        state: 'IL',
        country: 'US',
        zipCode: '62701',
      },
    },
    lines: lines.map((l) => ({
      sku: l.sku,
      name: `Product ${l.sku}`,
      quantity: l.quantity,
      unitPrice: 10,
    })),
    purchaseDate: new Date('2026-01-01T00:00:00Z'),
  };
}

/** A loopback URL on a port nobody listens on (connections are refused). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
