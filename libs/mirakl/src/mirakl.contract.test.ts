import {
  CredentialsError,
  PermanentError,
  RateLimitedError,
  RetriableError,
  isErrorLike,
  runWithDeadline,
  sleep,
} from '@msync/platform';
import type { Exchange, RunningMiraklSimulator } from '@msync/mirakl-sim';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { withContext } from '@msync/test-support';
import {
  miraklDocument,
  simulatorJournal,
} from '../../../sandbox/mirakl-sim/src/test-support/openapi.js';
import { advanceCursor } from './cursor.js';
import { isWrongState, MiraklWrongStateError } from './errors.js';
import {
  OFFER_EXPORTS_UNAVAILABLE,
  type MiraklOrder,
  type MiraklStore,
  type StockImportStarted,
} from './domain.js';
import {
  captureLogger,
  closedPortUrl,
  fastClient,
  NO_CALL_LIMITS,
  requestCarryingFields,
  reveal,
  startSimulator,
} from './test-support/harness.js';
import { readOnlyContract } from './test-support/read-only-contract.js';

let sim: RunningMiraklSimulator;
let nextShop = 100;

/** A fresh shop with its own key, so tests do not see each other's data. */
function newShop(
  seed: {
    offers?: { sku: string; quantity?: number; price?: number }[];
    stockImportsEnabled?: boolean;
  } = {},
): {
  shopId: number;
  apiKey: string;
} {
  const shopId = nextShop++;
  return sim.control.addShop({
    shopId,
    apiKey: `key-${shopId}-${Math.random().toString(36).slice(2)}`,
    ...seed,
  });
}

/** Runs `fn` and returns the seller-API exchanges it caused. */
async function exchangesDuring(fn: () => Promise<unknown>): Promise<Exchange[]> {
  const before = sim.control.exchanges().length;
  await fn();
  return sim.control.exchanges().slice(before);
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

beforeAll(async () => {
  sim = await startSimulator();
});

afterAll(async () => {
  await sim.close();
});

describe('Mirakl client against the simulator: the read-only contract a live store also runs', () => {
  let apiKey = '';
  beforeAll(() => {
    apiKey = newShop({ offers: [{ sku: 'RO-1', quantity: 3 }] }).apiKey;
    const shopId = nextShop - 1;
    sim.control.createOrder(shopId, { lines: [{ sku: 'RO-1' }] });
  });
  readOnlyContract(() => ({
    client: () => fastClient(sim.url, apiKey),
    clientWithWrongKey: () => fastClient(sim.url, `${apiKey}-invalid`),
  }));
});

describe('Mirakl client against the simulator: shop and credentials', () => {
  it('checks health and reads the shop, whatever form the store URL takes', async () => {
    const { shopId, apiKey } = newShop();
    for (const url of [sim.url, `${sim.url}/`, `${sim.url}/api`, `${sim.url}/api/`]) {
      const client = fastClient(url, apiKey);
      await client.checkHealth();
      const shop = await client.verifyCredentials();
      expect(shop).toMatchObject({ shopId, state: 'OPEN', currency: 'USD' });
    }
  });

  it('reports a refused key as a credentials error and does not retry it', async () => {
    newShop();
    const client = fastClient(sim.url, 'not-a-key');
    let error: unknown;
    const calls = await exchangesDuring(async () => {
      error = await rejectionOf(client.verifyCredentials());
    });
    expect(error).toBeInstanceOf(CredentialsError);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.status).toBe(401);
  });
});

describe('Mirakl client against the simulator: offers', () => {
  it('lists every offer across pages', async () => {
    const offers = Array.from({ length: 230 }, (_, i) => ({ sku: `SKU-${i}`, quantity: i }));
    const { apiKey } = newShop({ offers });
    const client = fastClient(sim.url, apiKey);
    let listed: Awaited<ReturnType<MiraklStore['listOffers']>> = [];
    const calls = await exchangesDuring(async () => {
      listed = await client.listOffers();
    });
    expect(listed).toHaveLength(230);
    expect(new Set(listed.map((o) => o.shopSku)).size).toBe(230);
    expect(listed.find((o) => o.shopSku === 'SKU-42')?.quantity).toBe(42);
    expect(calls.filter((c) => c.operation === 'OF21')).toHaveLength(3);
  });

  it('exports the whole catalog, then only what changed, including deletions', async () => {
    const { shopId, apiKey } = newShop({
      offers: [
        { sku: 'A', quantity: 1 },
        { sku: 'B', quantity: 2 },
        { sku: 'C', quantity: 3 },
      ],
    });
    const client = fastClient(sim.url, apiKey, { exportCursorMarginMs: 0 });
    // The next differential starts from the second of Mirakl's answer (its `Date`): the offers
    // were made in an earlier one.
    await new Promise((r) => setTimeout(r, 1_001 - (Date.now() % 1_000)));
    const full = await client.exportOffers();
    expect(full.offers.map((o) => o.shopSku).sort()).toEqual(['A', 'B', 'C']);
    expect(full.deletedSkus).toEqual([]);

    await new Promise((r) => setTimeout(r, 5));
    sim.control.upsertOffers(shopId, [
      { sku: 'B', quantity: 20 },
      { sku: 'D', quantity: 4 },
    ]);
    sim.control.deleteOffer(shopId, 'C');
    const diff = await client.exportOffers({ since: full.exportedAt });
    expect(diff.offers.map((o) => [o.shopSku, o.quantity]).sort()).toEqual([
      ['B', 20],
      ['D', 4],
    ]);
    expect(diff.deletedSkus).toEqual(['C']);
    expect(
      diff.deleted.map((o) => [o.shopSku, o.offerId > 0, o.lastUpdated instanceof Date]),
    ).toEqual([['C', true, true]]);
  });

  it("starts the next differential from Mirakl's clock, less the cursor margin (ADR 0177)", async () => {
    const { apiKey } = newShop({ offers: [{ sku: 'A', quantity: 1 }] });
    // A clock margin of an hour would be taken without Mirakl's `Date`.
    const client = fastClient(sim.url, apiKey, {
      clockSkewMarginMs: 3_600_000,
      exportCursorMarginMs: 2_000,
    });
    const before = Date.now();
    const { exportedAt } = await client.exportOffers();
    // `Date` has whole seconds: Mirakl answered in the second of `before` or a later one.
    expect(exportedAt.getTime()).toBeGreaterThanOrEqual(before - 1_000 - 2_000);
    expect(exportedAt.getTime()).toBeLessThanOrEqual(Date.now() - 2_000);
  });

  it('awaits beforeDownload once the export is ready and before its files are read', async () => {
    const { apiKey } = newShop({ offers: [{ sku: 'A', quantity: 1 }] });
    const client = fastClient(sim.url, apiKey);
    let operationsAtTheWait: string[] = [];
    const calls = await exchangesDuring(async () => {
      const before = sim.control.exchanges().length;
      await client.exportOffers({
        beforeDownload: async () => {
          operationsAtTheWait = sim.control
            .exchanges()
            .slice(before)
            .map((c) => c.operation);
          // The download waits for this (a slot): nothing is read meanwhile.
          await new Promise((r) => setTimeout(r, 50));
        },
      });
    });
    const operations = calls.map((c) => c.operation);
    expect(operationsAtTheWait.at(-1)).toBe('OF53');
    expect(operationsAtTheWait).not.toContain('OF54');
    expect(operations.slice(operationsAtTheWait.length)).toEqual(['OF54']);
  });

  it('says so when the store has no asynchronous exports, so the catalog is read with OF21', async () => {
    const { apiKey } = newShop({ offers: [{ sku: 'A', quantity: 1 }] });
    sim.control.addFault({ operation: 'OF52', kind: 'status', status: 404, times: 1 });
    const client = fastClient(sim.url, apiKey);
    await expect(client.exportOffers()).rejects.toMatchObject({
      reason: OFFER_EXPORTS_UNAVAILABLE,
    });
  });
});

describe('Mirakl client against the simulator: stock', () => {
  it('pushes N changed SKUs as one import and returns the per-SKU failures of its error report', async () => {
    const known = Array.from({ length: 25 }, (_, i) => ({
      sku: `S-${i}`,
      quantity: 0,
      price: 12.5,
    }));
    const { shopId, apiKey } = newShop({ offers: known });
    const client = fastClient(sim.url, apiKey);
    const updates = [
      ...known.map((o, i) => ({ sku: o.sku, quantity: i + 1 })),
      { sku: 'UNKNOWN-1', quantity: 5 },
      { sku: 'UNKNOWN-2', quantity: 6 },
    ];
    let result: Awaited<ReturnType<MiraklStore['pushStock']>> | undefined;
    const calls = await exchangesDuring(async () => {
      result = await client.pushStock(updates);
    });
    expect(calls.filter((c) => c.operation === 'STO01')).toHaveLength(1);
    expect(
      calls.filter(
        (c) => c.operation !== 'STO01' && c.operation !== 'STO02' && c.operation !== 'STO03',
      ),
    ).toHaveLength(0);
    expect(result).toMatchObject({
      via: 'STO01',
      status: 'COMPLETE',
      linesInSuccess: 25,
      linesInError: 2,
    });
    expect(result?.failures.map((f) => f.sku).sort()).toEqual(['UNKNOWN-1', 'UNKNOWN-2']);
    expect(result?.failures[0]?.message).toMatch(/does not exist/);

    const snapshot = sim.control.snapshot(shopId);
    expect(snapshot.offers.find((o) => o.sku === 'S-9')).toMatchObject({
      quantity: 10,
      price: 12.5,
    });
    expect(snapshot.imports).toHaveLength(1);
  });

  it('falls back to an OF01 NORMAL import when the store refuses STO01, leaving other offer fields alone', async () => {
    const { shopId, apiKey } = newShop({
      offers: [{ sku: 'X', quantity: 1, price: 99 }],
      stockImportsEnabled: false,
    });
    const client = fastClient(sim.url, apiKey);
    const result = await client.pushStock([
      { sku: 'X', quantity: 7 },
      { sku: 'GONE', quantity: 1 },
    ]);
    expect(result).toMatchObject({
      via: 'OF01',
      status: 'COMPLETE',
      linesInSuccess: 1,
      linesInError: 1,
    });
    expect(result.failures).toEqual([expect.objectContaining({ sku: 'GONE' })]);
    expect(sim.control.snapshot(shopId).offers[0]).toMatchObject({
      sku: 'X',
      quantity: 7,
      price: 99,
    });
    const imports = sim.control.snapshot(shopId).imports;
    expect(imports[0]).toMatchObject({ kind: 'offer', mode: 'NORMAL' });
  });

  it('names the import as soon as Mirakl accepted it, and a later run follows that import without sending it again', async () => {
    const { shopId, apiKey } = newShop({ offers: [{ sku: 'H', quantity: 1 }] });
    sim.control.holdImports(shopId, true);
    const started: StockImportStarted[] = [];
    // The run stops (here: its deadline) while Mirakl still holds the import RUNNING.
    const began = Date.now();
    const interrupted = await rejectionOf(
      runWithDeadline(AbortSignal.timeout(300), () =>
        fastClient(sim.url, apiKey, { importPollIntervalMs: 10_000 }).pushStock(
          [{ sku: 'H', quantity: 4 }],
          {
            onStarted: (s) => {
              started.push(s);
              return Promise.resolve();
            },
          },
        ),
      ),
    );
    // The wait between status reads ends with the deadline, not 10 s later.
    expect(isErrorLike(interrupted)).toBe(true);
    expect(Date.now() - began).toBeLessThan(3_000);
    expect(started).toEqual([{ importId: expect.any(String), via: 'STO01' }]);

    sim.control.holdImports(shopId, false);
    const calls = await exchangesDuring(async () => {
      const result = await fastClient(sim.url, apiKey).followStockImport(started[0]!, [
        { sku: 'H', quantity: 4 },
      ]);
      expect(result).toMatchObject({
        importId: started[0]!.importId,
        status: 'COMPLETE',
        linesInSuccess: 1,
      });
    });
    expect(calls.map((c) => c.operation)).toEqual(['STO02']);
    expect(sim.control.snapshot(shopId).imports).toHaveLength(1);
    expect(sim.control.snapshot(shopId).offers[0]?.quantity).toBe(4);
  });

  it('rejects a negative quantity before calling Mirakl', async () => {
    const { apiKey } = newShop();
    const error = await rejectionOf(
      fastClient(sim.url, apiKey).pushStock([{ sku: 'A', quantity: -1 }]),
    );
    expect(error).toBeInstanceOf(PermanentError);
  });
});

describe('Mirakl client against the simulator: order workflow', () => {
  it('accepts, waits for payment, sets tracking, ships; repeats are wrong-state errors', async () => {
    const { shopId, apiKey } = newShop({ offers: [{ sku: 'P1', quantity: 5 }] });
    const client = fastClient(sim.url, apiKey);
    const created = sim.control.createOrder(shopId, {
      lines: [
        { sku: 'P1', quantity: 2 },
        { sku: 'P2', quantity: 1 },
      ],
    });
    const orderId = String(created['order_id']);

    const [waiting] = await client.listOrdersUpdatedSince({ states: ['WAITING_ACCEPTANCE'] });
    expect(waiting).toMatchObject({ orderId, state: 'WAITING_ACCEPTANCE', shippingAddress: null });
    expect(waiting?.lines.map((l) => l.sku)).toEqual(['P1', 'P2']);

    await client.acceptOrder({ orderId, lineIds: waiting?.lines.map((l) => l.lineId) });
    expect(sim.control.snapshot(shopId).orders[0]?.acceptedLines).toHaveLength(2);
    const again = await rejectionOf(client.acceptOrder({ orderId }));
    expect(again).toBeInstanceOf(MiraklWrongStateError);
    expect(again).toMatchObject({ currentState: 'WAITING_DEBIT_PAYMENT', operation: 'OR21' });

    const [paying] = await client.listOrdersUpdatedSince({ orderIds: [orderId] });
    expect(paying).toMatchObject({
      state: 'WAITING_DEBIT_PAYMENT',
      shippingAddress: null,
      canShopShip: false,
    });

    sim.control.confirmPayment(shopId, orderId);
    const [shipping] = await client.listOrdersUpdatedSince({ orderIds: [orderId] });
    expect(shipping).toMatchObject({ state: 'SHIPPING', canShopShip: true });
    expect(shipping?.shippingAddress).toMatchObject({ countryIso3: 'USA', city: 'New York' });

    await client.setTracking(orderId, { carrierName: 'ups', trackingNumber: '1Z999' });
    expect(sim.control.snapshot(shopId).orders[0]?.tracking).toMatchObject({
      carrierCode: 'UPS',
      trackingNumber: '1Z999',
    });

    await client.confirmShipment(orderId);
    const shipAgain = await rejectionOf(client.confirmShipment(orderId));
    expect(isWrongState(shipAgain)).toBe(true);
    expect(shipAgain).toMatchObject({ currentState: 'SHIPPED' });
    const [shipped] = await client.listOrdersUpdatedSince({ orderIds: [orderId] });
    expect(shipped).toMatchObject({
      state: 'SHIPPED',
      tracking: { carrierCode: 'UPS', trackingNumber: '1Z999' },
    });
  });

  it('sends carrier name and URL for a carrier Mirakl does not know', async () => {
    const { shopId, apiKey } = newShop();
    const client = fastClient(sim.url, apiKey);
    const orderId = String(sim.control.createOrder(shopId, { lines: [{ sku: 'Q' }] })['order_id']);
    await client.acceptOrder({ orderId });
    sim.control.confirmPayment(shopId, orderId);
    const calls = await exchangesDuring(() =>
      client.setTracking(orderId, {
        carrierName: 'Lone Star Overnight',
        trackingNumber: 'LSO1',
        trackingUrl: 'https://lso.com/t/LSO1',
      }),
    );
    expect(calls.find((c) => c.operation === 'OR23')?.requestBody).toEqual({
      carrier_name: 'Lone Star Overnight',
      tracking_number: 'LSO1',
      carrier_url: 'https://lso.com/t/LSO1',
    });
    expect(sim.control.snapshot(shopId).orders[0]?.tracking).toMatchObject({
      trackingUrl: 'https://lso.com/t/LSO1',
    });
  });

  it('cancels an order the shop may cancel, and reports a wrong state after that', async () => {
    const { shopId, apiKey } = newShop();
    const client = fastClient(sim.url, apiKey);
    const orderId = String(sim.control.createOrder(shopId, { lines: [{ sku: 'C1' }] })['order_id']);
    await client.acceptOrder({ orderId });
    sim.control.confirmPayment(shopId, orderId);
    const [order] = await client.listOrdersUpdatedSince({ orderIds: [orderId] });
    expect(order?.canCancel).toBe(true);
    await client.cancelOrder(orderId);
    expect(sim.control.snapshot(shopId).orders[0]).toMatchObject({
      state: 'CANCELED',
      canceled: true,
    });
    expect(isWrongState(await rejectionOf(client.cancelOrder(orderId)))).toBe(true);
  });

  it('reports an auto-refused order as a wrong state on acceptance', async () => {
    const { shopId, apiKey } = newShop();
    const client = fastClient(sim.url, apiKey);
    const orderId = String(sim.control.createOrder(shopId, { lines: [{ sku: 'R1' }] })['order_id']);
    sim.control.expireAcceptance(shopId, orderId);
    const error = await rejectionOf(client.acceptOrder({ orderId }));
    expect(error).toMatchObject({ currentState: 'REFUSED' });
  });

  it('finds incident lines through has_incident', async () => {
    const { shopId, apiKey } = newShop();
    const client = fastClient(sim.url, apiKey);
    const a = String(
      sim.control.createOrder(shopId, { lines: [{ sku: 'I1' }, { sku: 'I2' }] })['order_id'],
    );
    sim.control.createOrder(shopId, { lines: [{ sku: 'I3' }] });
    sim.control.openIncident(shopId, a, { lineId: `${a}-2`, reasonCode: 'DAMAGED' });
    const withIncident = await client.listOrdersUpdatedSince({ hasIncident: true });
    expect(withIncident.map((o) => o.orderId)).toEqual([a]);
    expect(withIncident[0]?.hasIncident).toBe(true);
    expect(withIncident[0]?.lines[1]).toMatchObject({
      state: 'INCIDENT_OPEN',
      stateReasonCode: 'DAMAGED',
    });
    expect(await client.listOrdersUpdatedSince({ hasIncident: false })).toHaveLength(1);
  });
});

describe('Mirakl client against the simulator: polling windows', () => {
  it('neither misses nor duplicates orders updated during polling across overlapping windows', async () => {
    const { shopId, apiKey } = newShop();
    const client = fastClient(sim.url, apiKey, { pageSize: 3 });
    const seenVersions = new Set<string>();
    const delivered: string[] = [];
    let cursor: Date | undefined;
    let rawDuplicates = 0;
    const poll = async (): Promise<void> => {
      const orders: MiraklOrder[] = await client.listOrdersUpdatedSince({ updatedSince: cursor });
      for (const o of orders) {
        const version = `${o.orderId}@${o.lastUpdatedAt.toISOString()}`;
        if (seenVersions.has(version)) {
          rawDuplicates++;
          continue;
        }
        seenVersions.add(version);
        delivered.push(version);
      }
      cursor = advanceCursor(cursor, orders);
    };
    const ids: string[] = [];
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 4; i++) {
        ids.push(
          String(
            sim.control.createOrder(shopId, { lines: [{ sku: `W${round}-${i}` }] })['order_id'],
          ),
        );
      }
      // An order the poller has already seen changes again between polls.
      const touched = ids[round * 2];
      if (touched) sim.control.openIncident(shopId, touched);
      await poll();
    }
    await poll();

    const orders = sim.control.snapshot(shopId).orders;
    const latest = orders.map((o) => `${o.orderId}@${o.history.at(-1)?.at ?? ''}`);
    const allVersions = new Set(
      orders.flatMap((o) => o.history.map((h) => `${o.orderId}@${h.at}`)),
    );
    // Nothing missed: the latest version of every order reached the consumer...
    expect(delivered).toEqual(expect.arrayContaining(latest));
    // ...each version once, and only versions that existed.
    expect(new Set(delivered).size).toBe(delivered.length);
    for (const v of delivered) expect(allVersions).toContain(v);
    // Orders touched after they were first seen were delivered again, as a newer version.
    expect(delivered.length).toBeGreaterThan(ids.length);
    // The simulator overlaps `start_update_date` like Mirakl, so the raw answers did repeat orders.
    expect(rawDuplicates).toBeGreaterThan(0);
  });

  it('reads a list again when it shifts between pages, so no order is skipped', async () => {
    const { shopId, apiKey } = newShop();
    for (let i = 0; i < 7; i++) sim.control.createOrder(shopId, { lines: [{ sku: `D${i}` }] });
    const client = fastClient(sim.url, apiKey, { pageSize: 3 });
    sim.control.addFault({ operation: 'OR11', kind: 'page-drift', times: 1 });
    const orders = await client.listOrdersUpdatedSince({});
    expect(orders).toHaveLength(7);
    expect(new Set(orders.map((o) => o.orderId)).size).toBe(7);
  });

  it('passes order states Mirakl has not documented yet through as strings', async () => {
    const { shopId, apiKey } = newShop();
    sim.control.createOrder(shopId, { lines: [{ sku: 'E1' }] });
    sim.control.addFault({ operation: 'OR11', kind: 'unknown-enum', times: 1 });
    const [order] = await fastClient(sim.url, apiKey).listOrdersUpdatedSince({});
    expect(order?.state).toBe('WAITING_SCORING');
  });
});

describe('Mirakl client against the simulator: faults', () => {
  it.each([500, 503])('retries HTTP %i and then succeeds', async (status) => {
    const { apiKey } = newShop();
    sim.control.addFault({ operation: 'A01', kind: 'status', status, times: 2 });
    const calls = await exchangesDuring(() => fastClient(sim.url, apiKey).verifyCredentials());
    expect(calls.map((c) => c.status)).toEqual([status, status, 200]);
  });

  it('waits at least Retry-After after a 429', async () => {
    const { apiKey } = newShop();
    sim.control.addFault({
      operation: 'SH21',
      kind: 'status',
      status: 429,
      retryAfterSeconds: 1,
      times: 1,
    });
    const started = Date.now();
    const calls = await exchangesDuring(() => fastClient(sim.url, apiKey).listCarriers());
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(calls.map((c) => c.status)).toEqual([429, 200]);
  });

  it('hands a 429 whose Retry-After is longer than maxRetryAfterMs back at once, with the wait', async () => {
    const { apiKey } = newShop();
    sim.control.addFault({
      operation: 'SH21',
      kind: 'status',
      status: 429,
      retryAfterSeconds: 30,
      times: 1,
    });
    const calls = await exchangesDuring(async () => {
      const error = await rejectionOf(
        fastClient(sim.url, apiKey, { maxRetryAfterMs: 0 }).listCarriers(),
      );
      expect(error).toBeInstanceOf(RateLimitedError);
      expect((error as RateLimitedError).retryAfterMs).toBe(30_000);
    });
    expect(calls.map((c) => c.status)).toEqual([429]);
  });

  it('gives up on retriable failures after the configured retries, with a retriable error', async () => {
    const { apiKey } = newShop();
    sim.control.addFault({ operation: 'V01', kind: 'status', status: 503, times: 4 });
    const error = await rejectionOf(fastClient(sim.url, apiKey, { retries: 2 }).checkHealth());
    expect(error).toBeInstanceOf(RetriableError);
    sim.control.clearFaults();
  });

  it('retries dropped connections, truncated bodies and timeouts', async () => {
    const { apiKey } = newShop();
    const client = fastClient(sim.url, apiKey, { timeoutMs: 150 });
    sim.control.addFault({ operation: 'A01', kind: 'drop', times: 1 });
    sim.control.addFault({ operation: 'SH21', kind: 'truncated', times: 1 });
    sim.control.addFault({ operation: 'V01', kind: 'latency', ms: 400, times: 1 });
    await expect(client.verifyCredentials()).resolves.toBeDefined();
    await expect(client.listCarriers()).resolves.toHaveLength(4);
    await expect(client.checkHealth()).resolves.toBeUndefined();
    const faults = sim.control
      .exchanges()
      .filter((e) => e.fault && ['drop', 'truncated'].includes(e.fault));
    expect(faults.length).toBeGreaterThanOrEqual(2);
  });

  it.each(['malformed', 'truncated-json'] as const)(
    'surfaces a %s payload as a permanent error, without retrying',
    async (kind) => {
      const { apiKey } = newShop();
      sim.control.addFault({ operation: 'OR11', kind, times: 1 });
      let error: unknown;
      const calls = await exchangesDuring(async () => {
        error = await rejectionOf(fastClient(sim.url, apiKey).listOrdersUpdatedSince({}));
      });
      expect(error).toBeInstanceOf(PermanentError);
      expect(error).toMatchObject({ reason: 'malformed-response' });
      // Only OR11: an earlier test's abandoned slow request may be journaled meanwhile.
      expect(calls.filter((c) => c.operation === 'OR11')).toHaveLength(1);
    },
  );

  it('names the missing field when an answer lacks what the product needs', async () => {
    const { apiKey } = newShop();
    sim.control.addFault({ operation: 'OR11', kind: 'wrong-shape', times: 1 });
    const error = await rejectionOf(fastClient(sim.url, apiKey).listOrdersUpdatedSince({}));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ reason: 'schema-mismatch' });
    expect((error as Error).message).toMatch(/orders/);
  });
});

describe('Mirakl client against the simulator: call frequency', () => {
  it('keeps OR11 within the enforced frequency, where an unlimited client is throttled', async () => {
    const strict = await startSimulator({ callFrequencyMs: { OR11: 300 } });
    try {
      const { apiKey } = strict.control.addShop({ apiKey: 'freq-key' });
      // The client's interval has a margin over the server's window: a call reaches the server a
      // little after the client reserved its slot.
      const limited = fastClient(strict.url, apiKey, { limiter: { minIntervalMs: { OR11: 350 } } });
      for (let i = 0; i < 3; i++) await limited.listOrdersUpdatedSince({});
      expect(strict.control.exchanges().filter((e) => e.status === 429)).toHaveLength(0);

      await new Promise((r) => setTimeout(r, 350));
      const unlimited = fastClient(strict.url, apiKey, { retries: 0 });
      await unlimited.listOrdersUpdatedSince({});
      await expect(unlimited.listOrdersUpdatedSince({})).rejects.toMatchObject({
        kind: 'rate-limited',
      });
    } finally {
      await strict.close();
    }
  });
});

describe('Mirakl client against the simulator: following a stock import', () => {
  /**
   * Runs `fn` on a shop of a simulator that enforces STO02 every 1.5 s, with a client that keeps
   * 1.6 s between its status reads, reads first 50 ms after the import, and records its waits.
   */
  async function onStrictShop(
    fn: (shop: {
      strict: RunningMiraklSimulator;
      client: MiraklStore;
      waits: number[];
    }) => Promise<void>,
  ): Promise<void> {
    const strict = await startSimulator({ callFrequencyMs: { STO02: 1_500 } });
    try {
      const { apiKey } = strict.control.addShop({
        apiKey: 'strict-shop-key',
        offers: [{ sku: 'Q', quantity: 0 }],
      });
      const waits: number[] = [];
      const client = fastClient(strict.url, apiKey, {
        importFirstPollDelayMs: 50,
        importPollIntervalMs: 1_600,
        limiter: { minIntervalMs: { ...NO_CALL_LIMITS, STO02: 1_600 } },
        sleep: (ms, signal) => {
          waits.push(ms);
          return sleep(ms, signal);
        },
      });
      await fn({ strict, client, waits });
    } finally {
      await strict.close();
    }
  }

  it("reads a small import's status shortly after STO01, not an interval later", () =>
    onStrictShop(async ({ strict, client, waits }) => {
      const result = await client.pushStock([{ sku: 'Q', quantity: 3 }]);
      expect(result).toMatchObject({ via: 'STO01', status: 'COMPLETE', linesInSuccess: 1 });
      // The simulator's import takes 40 ms: the first read, 50 ms after STO01, finds it done.
      expect(strict.control.exchanges().map((e) => e.operation)).toEqual(['STO01', 'STO02']);
      expect(waits).toEqual([50]);
    }));

  it("keeps the next import's first read STO02's interval after the shop's previous read", () =>
    onStrictShop(async ({ strict, client, waits }) => {
      await client.pushStock([{ sku: 'Q', quantity: 3 }]);
      waits.length = 0;
      const result = await client.pushStock([{ sku: 'Q', quantity: 4 }]);
      expect(result).toMatchObject({ status: 'COMPLETE', linesInSuccess: 1 });
      const exchanges = strict.control.exchanges();
      expect(exchanges.map((e) => [e.operation, e.status])).toEqual([
        ['STO01', 201],
        ['STO02', 200],
        ['STO01', 201],
        ['STO02', 200],
      ]);
      // The first read waited for the limiter's slot, far longer than the 50 ms first delay.
      expect(waits).toHaveLength(1);
      expect(waits[0]).toBeGreaterThan(1_000);
      const reads = exchanges.filter((e) => e.operation === 'STO02').map((e) => Date.parse(e.at!));
      expect(reads[1]! - reads[0]!).toBeGreaterThanOrEqual(1_500);
    }));
});

describe('Mirakl client against the simulator: the API key stays secret', () => {
  it('never puts the key in a log line, an error message or a thrown object, whatever fails', async () => {
    const apiKey = 'test-only-mirakl-key-not-real-0001';
    const shopId = nextShop++;
    sim.control.addShop({ shopId, apiKey, offers: [{ sku: 'K1', quantity: 1 }] });
    const orderId = String(sim.control.createOrder(shopId, { lines: [{ sku: 'K1' }] })['order_id']);
    const { logger, lines } = captureLogger();
    const client = fastClient(sim.url, apiKey, { logger, timeoutMs: 100, retries: 1 });
    const wrongKey = 'test-only-wrong-mirakl-key-0002';
    const wrong = fastClient(sim.url, wrongKey, { logger });
    const nobodyListens = fastClient(await closedPortUrl(), apiKey, { logger, retries: 0 });
    const thrown: unknown[] = [];
    const attempt = async (p: Promise<unknown>): Promise<void> => {
      try {
        await p;
      } catch (error) {
        thrown.push(error);
      }
    };
    sim.control.addFault({ operation: 'V01', kind: 'status', status: 500 });
    await attempt(client.checkHealth());
    sim.control.clearFaults();
    for (const kind of [
      'drop',
      'malformed',
      'wrong-shape',
      'truncated',
      'truncated-json',
    ] as const) {
      sim.control.addFault({ operation: 'OR11', kind });
      await attempt(client.listOrdersUpdatedSince({}));
      sim.control.clearFaults();
    }
    sim.control.addFault({ operation: 'A01', kind: 'latency', ms: 300 });
    await attempt(client.verifyCredentials());
    sim.control.clearFaults();
    sim.control.addFault({ operation: 'SH21', kind: 'status', status: 429, retryAfterSeconds: 0 });
    await attempt(client.listCarriers());
    sim.control.clearFaults();
    await attempt(client.confirmShipment(orderId));
    await attempt(client.acceptOrder({ orderId: 'NO-SUCH-ORDER', lineIds: ['x'] }));
    await attempt(wrong.verifyCredentials());
    await attempt(wrong.pushStock([{ sku: 'K1', quantity: 3 }]));
    await attempt(nobodyListens.verifyCredentials());

    expect(thrown.length).toBeGreaterThanOrEqual(11);
    expect(lines.length).toBeGreaterThan(0);
    const rendered = [...lines, ...thrown.map(reveal)].join('\n');
    expect(rendered).not.toContain(apiKey);
    expect(rendered).not.toContain(wrongKey);
    for (const text of ['HTTP 401', 'HTTP 500', 'no answer within 100 ms', 'ECONNREFUSED'])
      expect(rendered).toContain(text);
    // Nothing in a cause chain carries an HTTP client's request or response objects.
    expect(thrown.flatMap(requestCarryingFields)).toEqual([]);
  });
});

describe("every exchange above against Mirakl's published OpenAPI document", () => {
  it('validates each request the client sent and each answer the simulator gave', () => {
    const reports = sim.control.exchanges().map((e) => miraklDocument().check(e, simulatorJournal));
    // Every request the client sent, whatever the answer was.
    expect(reports.flatMap((r) => r.request)).toEqual([]);
    // Every answer the document describes (success answers that no fault deformed).
    const judged = reports.filter((r) => r.answerNotJudged === undefined);
    expect(judged.flatMap((r) => r.answer)).toEqual([]);
    // Operations named by the document, from the path each exchange took.
    const operations = new Set(judged.map((r) => r.operationId));
    for (const op of [
      'V01',
      'A01',
      'OF21',
      'OF52',
      'OF53',
      'OF54',
      'STO01',
      'STO02',
      'STO03',
      'OF01',
      'OF02',
      'OF03',
      'OR11',
      'OR21',
      'OR23',
      'OR24',
      'OR29',
      'SH21',
    ]) {
      withContext(`no valid ${op} exchange was recorded`, () => expect(operations).toContain(op));
    }
  });

  it('rejects exchanges that break the document', () => {
    const base = {
      method: 'GET',
      query: {},
      requestHeaders: {},
      status: 200,
      responseContentType: 'application/json',
    } as const;
    // Each exchange breaks the document in one way, named by the problem it must cause.
    const broken: [Exchange, string][] = [
      [
        { ...base, operation: 'OR11', path: '/api/orders', responseBody: { orders: [] } },
        "GET /api/orders → 200 answer: / must have required property 'total_count'",
      ],
      [
        {
          ...base,
          operation: 'OR11',
          path: '/api/orders',
          query: { has_incident: ['maybe'] },
          responseBody: { orders: [], total_count: 0 },
        },
        'GET /api/orders query parameter has_incident: / must be boolean',
      ],
      [
        {
          ...base,
          operation: 'OR11',
          path: '/api/orders',
          query: { order_state_codes: ['SHIPPING,LOST'] },
          responseBody: { orders: [], total_count: 0 },
        },
        'GET /api/orders query parameter order_state_codes: /1 must be equal to one of the allowed values',
      ],
      [
        {
          ...base,
          operation: 'OR23',
          method: 'PUT',
          path: '/api/orders/X-A/tracking',
          status: 204,
          requestContentType: 'application/json',
          requestBody: { tracking_number: 42 },
          responseContentType: undefined,
        },
        'PUT /api/orders/X-A/tracking request: /tracking_number must be string',
      ],
      [
        {
          ...base,
          operation: 'STO02',
          path: '/api/offers/stock/imports/1/status',
          responseBody: {
            import_id: 1,
            status: 'COMPLETE',
            date_created: '2026-03-02T09:00:00Z',
            has_error_report: false,
            shop_id: 1,
          },
        },
        'GET /api/offers/stock/imports/1/status → 200 answer: /import_id must be string',
      ],
      [
        { ...base, operation: 'OR11', path: '/api/orders', status: 201, responseBody: {} },
        'GET /api/orders → 201: status 201 is not among the documented ones (200)',
      ],
      [
        {
          ...base,
          operation: 'OF54',
          path: '/api/offers/export/async/file/T-1',
          query: { file: ['0.json'] },
          responseBody: [{ offer_id: 'not a number' }],
        },
        'GET /api/offers/export/async/file/T-1 → 200 answer: /0/offer_id must be integer',
      ],
    ];
    for (const [exchange, problem] of broken)
      withContext(JSON.stringify(exchange), () =>
        expect(miraklDocument().problems([exchange], simulatorJournal).join('\n')).toContain(
          problem,
        ),
      );
  });
});
