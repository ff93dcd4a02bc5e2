import type { Admin, Kafka } from 'kafkajs';
import type { EventPosition } from './publisher.js';

/**
 * How many of a partition's messages up to and including `position` a group has not committed
 * yet: the group's committed offset is the next message it will take (`-1`: it never committed
 * there, so every message up to `position` is still its to take). 0 once it committed past.
 */
export function uncommittedThrough(position: EventPosition, committed: string | undefined): number {
  const next = BigInt(committed ?? '-1');
  const through = BigInt(position.offset) + 1n;
  const from = next < 0n ? 0n : next;
  return through > from ? Number(through - from) : 0;
}

/** Another consumer group's progress on the topics, as its committed offsets tell it. */
export interface GroupProgress {
  /** How many messages up to and including `position` the group has not committed yet. */
  behind(position: EventPosition): Promise<number>;
  /** Disconnects the admin client, if one was connected. */
  stop(): Promise<void>;
}

export interface GroupProgressOptions {
  kafka: Kafka;
  groupId: string;
  /**
   * A topic's committed offsets are read once for every question asked within this long (default
   * 500 ms): a hundred stores polled at once cost one request.
   */
  maxAgeMs?: number;
  now?: () => number;
}

/**
 * Reads a group's committed offsets (one admin request per topic, shared by the questions of
 * `maxAgeMs`) to tell how far behind a position it is. The group is someone else's: nothing is
 * joined or committed.
 */
export function createGroupProgress(options: GroupProgressOptions): GroupProgress {
  const maxAgeMs = options.maxAgeMs ?? 500;
  const now = options.now ?? Date.now;
  let admin: Promise<Admin> | undefined;
  const read = new Map<string, { at: number; offsets: Promise<Map<number, string>> }>();

  const connected = (): Promise<Admin> => {
    admin ??= (async () => {
      const client = options.kafka.admin();
      await client.connect();
      return client;
    })();
    // A failed connection is tried again by the next question.
    admin.catch(() => (admin = undefined));
    return admin;
  };

  const committedOn = (topic: string): Promise<Map<number, string>> => {
    const at = now();
    const held = read.get(topic);
    if (held && at - held.at < maxAgeMs) return held.offsets;
    const offsets = (async () => {
      const [entry] = await (
        await connected()
      ).fetchOffsets({ groupId: options.groupId, topics: [topic] });
      return new Map((entry?.partitions ?? []).map((p) => [p.partition, p.offset]));
    })();
    read.set(topic, { at, offsets });
    // A failed read is not kept: the next question asks again.
    offsets.catch(() => {
      if (read.get(topic)?.offsets === offsets) read.delete(topic);
    });
    return offsets;
  };

  return {
    async behind(position) {
      const committed = await committedOn(position.topic);
      return uncommittedThrough(position, committed.get(position.partition));
    },
    async stop() {
      const client = admin;
      admin = undefined;
      read.clear();
      if (client) await (await client.catch(() => undefined))?.disconnect();
    },
  };
}
