import type { KafkaMessage } from 'kafkajs';

/** The lane of a message: its key as text; messages without a key share the lane ''. */
export const laneOf = (key: Buffer | null | undefined): string => (key ? key.toString('utf8') : '');

/**
 * Splits a batch (in offset order) into lanes that may be handled at the same time: one lane per
 * key, each in offset order, lanes ordered by their first message. With `concurrency` 1 the
 * whole batch is one lane, handled in offset order exactly as fetched.
 */
export function lanesOf(messages: KafkaMessage[], concurrency: number): KafkaMessage[][] {
  if (concurrency <= 1) return messages.length > 0 ? [messages] : [];
  const lanes = new Map<string, KafkaMessage[]>();
  for (const message of messages) {
    const lane = laneOf(message.key);
    const queue = lanes.get(lane);
    if (queue) queue.push(message);
    else lanes.set(lane, [message]);
  }
  return [...lanes.values()];
}
