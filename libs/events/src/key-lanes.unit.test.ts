import { describe, expect, it } from '@jest/globals';
import { KeyLanes, laneOf, type Lane } from './key-lanes.js';

/** Runs a lane dry, answering its items in order. */
const drain = <T>(lanes: KeyLanes<T>, lane: Lane<T>): T[] => {
  const items: T[] = [];
  for (let item = lanes.peek(lane); item !== undefined; item = lanes.peek(lane)) {
    items.push(item);
    lanes.advance(lane);
  }
  return items;
};

const fill = (lanes: KeyLanes<number>, keys: (string | null)[]) =>
  keys.forEach((key, offset) => lanes.add(laneOf(key === null ? null : Buffer.from(key)), offset));

describe('KeyLanes', () => {
  const keys = ['store-a', 'store-b', null, 'store-a', null, 'store-b'];

  it('given several keys, when split, then each key is one lane in arrival order, keyless items share one, lanes wait in order', () => {
    const lanes = new KeyLanes<number>(true);
    fill(lanes, keys);
    const taken = [lanes.take()!, lanes.take()!, lanes.take()!];
    expect(lanes.take()).toBeUndefined();
    expect(taken.map((lane) => lane.key)).toEqual(['store-a', 'store-b', '']);
    expect(taken.map((lane) => drain(lanes, lane))).toEqual([
      [0, 3],
      [1, 5],
      [2, 4],
    ]);
  });

  it('given one lane for all, when split, then every item is in it in arrival order', () => {
    const lanes = new KeyLanes<number>(false);
    fill(lanes, keys);
    const lane = lanes.take()!;
    expect(lanes.take()).toBeUndefined();
    expect(drain(lanes, lane)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('given a running lane, when its key gets more items, then they join it instead of opening a lane', () => {
    const lanes = new KeyLanes<number>(true);
    lanes.add('a', 1);
    const lane = lanes.take()!;
    expect(lanes.peek(lane)).toBe(1);
    lanes.advance(lane);
    lanes.add('a', 2);
    expect(lanes.take()).toBeUndefined();
    expect(drain(lanes, lane)).toEqual([2]);
  });

  it('given a lane that ran dry, when its key gets an item, then a new lane waits for it', () => {
    const lanes = new KeyLanes<number>(true);
    lanes.add('a', 1);
    const first = lanes.take()!;
    expect(drain(lanes, first)).toEqual([1]);
    lanes.add('a', 2);
    const second = lanes.take()!;
    expect(second).not.toBe(first);
    expect(drain(lanes, second)).toEqual([2]);
  });

  it('given a long lane, when most of it is handled, then it keeps only what is left', () => {
    const lanes = new KeyLanes<number>(true);
    for (let i = 0; i < 3_000; i++) lanes.add('a', i);
    const lane = lanes.take()!;
    for (let i = 0; i < 2_000; i++) lanes.advance(lane);
    expect(lane.items.length).toBeLessThan(3_000);
    expect(drain(lanes, lane)).toEqual(Array.from({ length: 1_000 }, (_, i) => 2_000 + i));
  });
});
