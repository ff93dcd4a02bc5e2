import { describe, expect, it } from '@jest/globals';
import { stderrProgress } from './progress.js';
import { parsePosition } from './replay.js';

describe('replay positions', () => {
  it('reads digits as an offset and anything else as an ISO-8601 time', () => {
    expect(parsePosition('1234', '--from')).toEqual({ offset: 1234n });
    expect(parsePosition('2026-11-28T10:00:00Z', '--from')).toEqual({
      time: new Date('2026-11-28T10:00:00Z'),
    });
  });

  it('names the option when it is neither', () => {
    expect(() => parsePosition('yesterday', '--to')).toThrow(/--to: "yesterday"/);
  });
});

describe('progress', () => {
  it('says how far it got now and then, and once more when done', () => {
    const lines: string[] = [];
    const progress = stderrProgress('facts read', {
      everyMs: 0,
      tty: false,
      write: (t) => lines.push(t),
    });
    progress.tick();
    progress.tick(2);
    progress.done();
    expect(lines).toEqual(['facts read: 1\n', 'facts read: 3\n', 'facts read: 3\n']);
  });
});
