import { retry } from '@msync/platform';
import { startShipBobSimulator, type RunningShipBobSimulator } from '@msync/shipbob-sim';
import { afterEach, describe, expect, it } from '@jest/globals';
import { createRateLimiter } from './limiter.js';
import { clientFor, newOrder, seedAccount } from './test-support/harness.js';

describe('creating an order is idempotent', () => {
  let sim: RunningShipBobSimulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  async function setup(orderListLagMs = 0) {
    sim = await startShipBobSimulator({ port: 0, orderListLagMs });
    const account = seedAccount(sim);
    sim.control.world.seedProduct(account.merchantId, { sku: 'SKU-1', stock: { 1: 50 } });
    const limiter = createRateLimiter();
    const callers = Array.from(
      { length: 6 },
      () =>
        clientFor(sim!, account, {
          limiter,
          storeId: 'store-1',
          channelId: account.channelId,
          timeoutMs: 1_000,
        }).client,
    );
    const create = (i: number) =>
      retry(() => callers[i]!.createOrder(newOrder('MKP-ORDER-1')), {
        retries: 10,
        initialDelayMs: 20,
        maxDelayMs: 200,
      });
    return { sim, callers, create };
  }

  it('when several callers create the same order concurrently: one order, every caller gets it', async () => {
    const { sim, callers, create } = await setup();
    const results = await Promise.all(callers.map((_, i) => create(i)));
    expect(sim.control.world.orders).toHaveLength(1);
    expect(new Set(results.map((r) => r.order.id))).toEqual(
      new Set([sim.control.world.orders[0]!.id]),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
  });

  it('when the connection drops after ShipBob stored the order: the retry returns that order', async () => {
    const { sim, create } = await setup();
    sim.control.addFault({ operation: 'POST /order', kind: 'drop-after-commit', times: 1 });
    const result = await create(0);
    expect(sim.control.world.orders).toHaveLength(1);
    expect(result).toMatchObject({
      created: false,
      order: { id: sim.control.world.orders[0]!.id, referenceId: 'MKP-ORDER-1' },
    });
    // The first answer was a 201 the client never got: the connection dropped after the commit.
    expect(
      sim.control
        .exchanges()
        .filter((e) => e.operation === 'POST /order')
        .map((e) => [e.status, e.fault]),
    ).toEqual([
      [201, 'drop-after-commit'],
      [422, undefined],
    ]);
  });

  it('when a crash and concurrent callers meet read-after-write lag: still one order for all', async () => {
    const { sim, callers, create } = await setup(150);
    sim.control.addFault({ operation: 'POST /order', kind: 'drop-after-commit', times: 1 });
    const results = await Promise.all(callers.map((_, i) => create(i)));
    expect(sim.control.world.orders).toHaveLength(1);
    expect(new Set(results.map((r) => r.order.id)).size).toBe(1);
    expect(results.every((r) => r.order.referenceId === 'MKP-ORDER-1')).toBe(true);
  });
});
