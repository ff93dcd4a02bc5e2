import { describe, expect, it } from '@jest/globals';
import { envelope, type ConsumedEvent } from '@msync/events';
import {
  PermanentError,
  RateLimitedError,
  RetriableError,
  createMetricsRegistry,
  createPollMetrics,
  type PollOutcome,
} from '@msync/platform';
import { capturingLogger } from '@msync/test-support';
import { pollRequestHandler } from './poll-requests.js';

const request = (system: 'MIRAKL' | 'SHIPBOB', stream: string): ConsumedEvent<'pollRequested'> => ({
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
    reason: 'manual',
    since: null,
  },
});

/** A handler for MIRAKL `orders` whose coordinator answers `answer`; counts what it was asked. */
function handlerWith(answer: () => Promise<PollOutcome>, connected = true) {
  const registry = createMetricsRegistry('polling-test');
  const asked: string[] = [];
  const handle = pollRequestHandler({
    system: 'MIRAKL',
    streams: { orders: async () => undefined },
    isConnected: () => connected,
    coordinator: {
      request: async (storeId, stream) => {
        asked.push(`${storeId}/${stream}`);
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
  return { handle, asked, outcomes };
}

describe('pollRequestHandler', () => {
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
});
