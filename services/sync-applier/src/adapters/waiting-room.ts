import type { ConsumedEventOf, EventCodec, ParkedEventStore, TopicKey } from '@msync/events';
import { storedError } from '@msync/events';

/**
 * Facts that wait for something a person must fix (a SKU without a ShipBob product), each in a
 * lane of its own effect, so the store's other facts flow on meanwhile. The lanes live in the
 * parked-events store under a group of their own; the retrier drains them like the others.
 */
export interface WaitingRoom {
  readonly groupId: string;
  put<K extends TopicKey>(
    event: ConsumedEventOf<K>,
    lane: string,
    failure: { reason: string; message: string; retryAfterMs: number },
  ): Promise<void>;
}

export function waitingGroupOf(groupId: string): string {
  return `${groupId}.waiting`;
}

export function createWaitingRoom(options: {
  store: ParkedEventStore;
  codec: EventCodec;
  groupId: string;
  now?: () => number;
}): WaitingRoom {
  const groupId = waitingGroupOf(options.groupId);
  const now = options.now ?? Date.now;
  return {
    groupId,
    async put(event, lane, failure) {
      await options.store.park({
        groupId,
        key: lane,
        topic: event.topic,
        partition: event.partition,
        offset: event.offset,
        // Encoded again with the current schema: the value is what the handler decoded.
        value: await options.codec.encode(event.topicKey, event.value),
        headers: event.headers,
        reason: failure.reason,
        error: storedError(new Error(failure.message)),
        attempts: 1,
        nextAttemptAt: new Date(now() + failure.retryAfterMs),
      });
    },
  };
}
