import RequestQueue from 'kafkajs/src/network/requestQueue/index.js';

// kafkajs 2.2.4 re-arms a timer after every check of a connection's pending requests, even when
// none is pending and nothing is throttled; the timer's delay is then negative (1 ms), so every
// open connection runs its check a thousand times a second for as long as it lives
// (tulios/kafkajs#1556, fix proposed in #1667, not released). An idle service spent 5–8 % of a
// core on it. With nothing pending there is nothing to check: a request that has to wait is
// pushed, and `push` schedules the check itself; an answer or a timeout checks again. ADR 0130.

const patched = Symbol.for('msync.kafkajs.requestQueue.idleCheckPatched');

type Patchable = typeof RequestQueue.prototype & { [patched]?: true };

/** Stops kafkajs' request queues from re-checking an empty queue every millisecond. Idempotent. */
export function patchRequestQueueIdleCheck(): void {
  const proto = RequestQueue.prototype as Patchable;
  if (proto[patched]) return;
  const schedule = proto.scheduleCheckPendingRequests;
  proto.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(this: RequestQueue) {
    if (this.pending.length === 0) return;
    schedule.call(this);
  };
  proto[patched] = true;
}
