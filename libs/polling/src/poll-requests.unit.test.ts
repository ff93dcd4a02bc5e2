import { describe, expect, it } from '@jest/globals';
import { envelope, type ConsumedEvent } from '@msync/events';
import {
  PermanentError,
  RateLimitedError,
  RetriableError,
  createMetricsRegistry,
  createPollMetrics,
  type PollDemand,
  type PollOutcome,
} from '@msync/platform';
import { capturingLogger } from '@msync/test-support';
import { passOf, pollRequestHandler, resyncOf } from './poll-requests.js';

const request = (
  system: 'MIRAKL' | 'SHIPBOB',
  stream: string,
  options: { reason?: string; configVersion?: number } = {},
): ConsumedEvent<'pollRequested'> => ({
  topicKey: 'pollRequested',
  topic: 'scheduler.poll.requested.v1',
  partition: 0,
  offset: '0',
  key: 'store-1',
  headers: {},
  value: {
    envelope: envelope({
      storeId: 'store-1',
      idempotencyKey: 'poll:store-1:1',
      source: 'scheduler',
      occurredAt: 1_000,
    }),
    system,
    stream,
    reason: options.reason ?? 'manual',
    since: null,
    configVersion: options.configVersion ?? null,
  },
});

/**
 * A handler for MIRAKL `orders` (with a resync pass) and `offers-later` (without), whose
 * coordinator answers `answer`, and whose view holds configuration version 3; counts what it was
 * asked.
 */
function handlerWith(answer: () => Promise<PollOutcome>, connected = true) {
  const registry = createMetricsRegistry('polling-test');
  const asked: string[] = [];
  const demands: PollDemand[] = [];
  const pass = async () => undefined;
  const handle = pollRequestHandler({
    system: 'MIRAKL',
    streams: {
      orders: pass,
      [resyncOf('orders')]: pass,
      shipments: pass,
      [passOf('shipments', 'offers-changed')]: pass,
    },
    isConnected: () => connected,
    configVersion: () => 3,
    coordinator: {
      request: async (storeId, stream, demand) => {
        asked.push(`${storeId}/${stream}`);
        demands.push(demand);
        return answer();
      },
    },
    metrics: createPollMetrics(registry),
    logger: capturingLogger('error').logger,
  });
  const outcomes = async () => {
    const { values } = await registry.getSingleMetric('poll_requests_total')!.get();
    return values.map((v) => `${v.labels['stream']}:${v.labels['outcome']}=${v.value}`);
  };
  return { handle, asked, demands, outcomes };
}

describe('pollRequestHandler', () => {
  it('asks for a pass under the request’s event id (its cause) and correlation id (its facts’)', async () => {
    const { handle, demands } = handlerWith(async () => 'completed');
    const event = request('MIRAKL', 'orders');
    await handle(event);
    expect(demands).toEqual([
      {
        requestedAt: 1_000,
        since: null,
        requestId: event.value.envelope.eventId,
        correlationId: event.value.envelope.correlationId,
      },
    ]);
  });

  it('leaves requests for the other system alone', async () => {
    const { handle, asked, outcomes } = handlerWith(async () => 'completed');
    await handle(request('SHIPBOB', 'orders'));
    expect(asked).toEqual([]);
    expect(await outcomes()).toEqual([]);
  });

  it('finishes a stream without a pass and a store that is not connected without a pass', async () => {
    const unsupported = handlerWith(async () => 'completed');
    await unsupported.handle(request('MIRAKL', 'offers'));
    const disconnected = handlerWith(async () => 'completed', false);
    await disconnected.handle(request('MIRAKL', 'orders'));

    expect([...unsupported.asked, ...disconnected.asked]).toEqual([]);
    expect(await unsupported.outcomes()).toEqual(['offers:unsupported-stream=1']);
    expect(await disconnected.outcomes()).toEqual(['orders:store-not-connected=1']);
  });

  it("counts the coordinator's answer", async () => {
    const { handle, asked, outcomes } = handlerWith(async () => 'coalesced');
    await handle(request('MIRAKL', 'orders'));
    expect(asked).toEqual(['store-1/orders']);
    expect(await outcomes()).toEqual(['orders:coalesced=1']);
  });

  it('rethrows a failed pass so the request is retried, counted by the kind of failure', async () => {
    const failures = [
      new RateLimitedError('too early', 500),
      new PermanentError('bad key'),
      new RetriableError('timeout'),
    ];
    const counted: string[] = [];
    for (const failure of failures) {
      const { handle, outcomes } = handlerWith(async () => Promise.reject(failure));
      await expect(handle(request('MIRAKL', 'orders'))).rejects.toBe(failure);
      counted.push(...(await outcomes()));
    }
    expect(counted).toEqual(['orders:deferred=1', 'orders:failed=1', 'orders:retried=1']);
  });

  it("sends a resync to the stream's resync pass, or to its ordinary pass when it has none", async () => {
    const { handle, asked, outcomes } = handlerWith(async () => 'completed');
    await handle(request('MIRAKL', 'orders', { reason: 'resync' }));
    await handle(request('MIRAKL', 'shipments', { reason: 'resync' }));
    await handle(request('MIRAKL', 'orders', { reason: 'schedule' }));
    expect(asked).toEqual(['store-1/orders:resync', 'store-1/shipments', 'store-1/orders']);
    expect((await outcomes()).sort()).toEqual([
      'orders:completed=1',
      'orders:resync:completed=1',
      'shipments:completed=1',
    ]);
  });

  it("sends a request to its stream's pass for its reason when there is one (ADR 0155)", async () => {
    const { handle, asked } = handlerWith(async () => 'completed');
    await handle(request('MIRAKL', 'shipments', { reason: 'offers-changed' }));
    await handle(request('MIRAKL', 'orders', { reason: 'offers-changed' }));
    await handle(request('MIRAKL', 'shipments:offers-changed'));
    expect(asked).toEqual(['store-1/shipments:offers-changed', 'store-1/orders']);
  });

  it("refuses a resync pass's own name as a stream", async () => {
    const { handle, asked, outcomes } = handlerWith(async () => 'completed');
    await handle(request('MIRAKL', 'orders:resync'));
    expect(asked).toEqual([]);
    expect(await outcomes()).toEqual(['orders:resync:unsupported-stream=1']);
  });

  it('retries a request made under a configuration newer than the one read so far, and takes one made under it or an older one', async () => {
    const { handle, asked, outcomes } = handlerWith(async () => 'completed');
    const ahead = handle(request('MIRAKL', 'orders', { reason: 'resync', configVersion: 4 }));
    await expect(ahead).rejects.toBeInstanceOf(RetriableError);
    await expect(ahead).rejects.toMatchObject({ reason: 'config-behind' });
    expect(asked).toEqual([]);

    await handle(request('MIRAKL', 'orders', { reason: 'resync', configVersion: 3 }));
    await handle(request('MIRAKL', 'orders', { configVersion: 2 }));
    expect(asked).toEqual(['store-1/orders:resync', 'store-1/orders']);
    expect((await outcomes()).sort()).toEqual([
      'orders:completed=1',
      'orders:resync:completed=1',
      'orders:resync:config-behind=1',
    ]);
  });
});
