import { describe, expect, it } from '@jest/globals';
import { staleTestTopics } from './stale-topics.js';

describe('staleTestTopics', () => {
  const now = Date.parse('2026-11-30T20:00:00Z');
  const made = (at: string) => `t-${Date.parse(at).toString(36)}-a1b2c3`;

  it('picks the topics of test namespaces made before the limit, and nothing else', () => {
    const old = `${made('2026-11-30T10:00:00Z')}.mirakl.order.ready-to-ship.v1`;
    const recent = `${made('2026-11-30T19:00:00Z')}.mirakl.order.ready-to-ship.v1`;
    const topics = [
      old,
      `${old}.dlq`,
      recent,
      'mirakl.order.ready-to-ship.v1',
      'bench-orders-mx3nl70j-80f550.sync.outcome.recorded.v1',
      't-manual-19302.config.store.changed.v1',
      '__consumer_offsets',
    ];
    expect(staleTestTopics(topics, now, 6 * 3600_000)).toEqual([old, `${old}.dlq`]);
  });
});
