import { describe, expect, it } from '@jest/globals';
import { uncommittedThrough } from './group-progress.js';

const at = (offset: string) => ({ topic: 'facts', partition: 0, offset });

describe('uncommittedThrough', () => {
  it('counts the messages from the committed offset up to and including the position', () => {
    // Committed 10: messages 10, 11 and 12 are still to be taken.
    expect(uncommittedThrough(at('12'), '10')).toBe(3);
    expect(uncommittedThrough(at('10'), '10')).toBe(1);
  });

  it('is 0 once the group committed past the position', () => {
    expect(uncommittedThrough(at('12'), '13')).toBe(0);
    expect(uncommittedThrough(at('12'), '400')).toBe(0);
  });

  it('counts every message up to the position when the group never committed there', () => {
    expect(uncommittedThrough(at('12'), '-1')).toBe(13);
    expect(uncommittedThrough(at('0'), undefined)).toBe(1);
  });

  it('keeps offsets beyond 2^53 exact', () => {
    expect(uncommittedThrough(at('9007199254740995'), '9007199254740993')).toBe(3);
  });
});
