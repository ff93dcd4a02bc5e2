import { describe, expect, it } from '@jest/globals';
import { chunksOf } from './chunks.js';

describe('chunksOf', () => {
  it('cuts in order into pieces of the size, the last one shorter', () => {
    expect(chunksOf([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunksOf([1, 2], 2)).toEqual([[1, 2]]);
    expect(chunksOf([], 3)).toEqual([]);
  });

  it('refuses a size below one', () => {
    expect(() => chunksOf([1], 0)).toThrow(/≥ 1/);
  });
});
