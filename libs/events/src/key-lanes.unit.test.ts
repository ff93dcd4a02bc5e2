import { describe, expect, it } from '@jest/globals';
import type { KafkaMessage } from 'kafkajs';
import { lanesOf } from './key-lanes.js';

const message = (offset: number, key: string | null): KafkaMessage =>
  ({ offset: String(offset), key: key === null ? null : Buffer.from(key) }) as KafkaMessage;

const offsets = (lanes: KafkaMessage[][]) => lanes.map((lane) => lane.map((m) => m.offset));

describe('lanesOf', () => {
  const batch = [
    message(0, 'store-a'),
    message(1, 'store-b'),
    message(2, null),
    message(3, 'store-a'),
    message(4, null),
    message(5, 'store-b'),
  ];

  it('given several keys at a time, when split, then each key is one lane in offset order and keyless messages share one', () => {
    expect(offsets(lanesOf(batch, 4))).toEqual([
      ['0', '3'],
      ['1', '5'],
      ['2', '4'],
    ]);
  });

  it('given one key at a time, when split, then the batch is one lane in offset order', () => {
    expect(offsets(lanesOf(batch, 1))).toEqual([['0', '1', '2', '3', '4', '5']]);
    expect(lanesOf([], 1)).toEqual([]);
  });
});
