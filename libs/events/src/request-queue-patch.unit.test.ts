import { afterEach, describe, expect, it } from '@jest/globals';
import RequestQueue from 'kafkajs/src/network/requestQueue/index.js';
import { patchRequestQueueIdleCheck } from './request-queue-patch.js';

const queues: RequestQueue[] = [];
afterEach(() => {
  for (const queue of queues.splice(0)) queue.destroy();
});

function requestQueue(): RequestQueue {
  patchRequestQueueIdleCheck();
  const queue = new RequestQueue({
    maxInFlightRequests: null,
    requestTimeout: 30_000,
    enforceRequestTimeout: false,
    clientId: 'test',
    broker: 'localhost:9092',
    logger: { debug: () => undefined, warn: () => undefined },
  });
  queues.push(queue);
  return queue;
}

describe("kafkajs' request queue, patched (ADR 0130)", () => {
  it('arms no timer when an answer leaves nothing pending', () => {
    const queue = requestQueue();
    // What every answer and every timed-out request does.
    queue.checkPendingRequests();
    expect(queue.throttleCheckTimeoutId === null ? 'no timer' : 'a timer armed').toBe('no timer');
  });

  it('still checks again at the end of a throttle while requests wait', () => {
    const queue = requestQueue();
    queue.throttledUntil = Date.now() + 60_000;
    queue.pending.push({ send: () => undefined });
    queue.checkPendingRequests();
    expect(queue.throttleCheckTimeoutId === null ? 'no timer' : 'a timer armed').toBe(
      'a timer armed',
    );
    expect(queue.pending).toHaveLength(1);
  });

  it('patches once however many clients are created', () => {
    patchRequestQueueIdleCheck();
    const once = RequestQueue.prototype.scheduleCheckPendingRequests;
    patchRequestQueueIdleCheck();
    expect(RequestQueue.prototype.scheduleCheckPendingRequests).toBe(once);
  });
});
