import { describe, expect, it } from '@jest/globals';
import { ConsumerLag } from './lag.js';

const T = 'orders';
const U = 'shipments';

describe('ConsumerLag', () => {
  it('is the high watermark minus the committed offset, summed over the partitions of a topic', () => {
    const lag = new ConsumerLag(true);
    lag.assign({ [T]: [0, 1] });
    lag.committed(T, 0, '10');
    lag.committed(T, 1, '4');
    lag.watermarks(T, 0, '15');
    lag.watermarks(T, 1, '4');
    expect(lag.byTopic()).toEqual(new Map([[T, 5]]));
  });

  it('counts from past the last finished message once this member finished one', () => {
    const lag = new ConsumerLag(true);
    lag.assign({ [T]: [0] });
    lag.committed(T, 0, '10');
    lag.watermarks(T, 0, '20');
    lag.finished(T, 0, '10');
    lag.finished(T, 0, '11');
    expect(lag.byTopic().get(T)).toBe(8);
    // A commit behind what was finished does not move the position back.
    lag.committed(T, 0, '11');
    expect(lag.byTopic().get(T)).toBe(8);
    lag.finished(T, 0, '19');
    expect(lag.byTopic().get(T)).toBe(0);
  });

  it('rises with the log end and never goes back when an older watermark arrives late', () => {
    const lag = new ConsumerLag(true);
    lag.assign({ [T]: [0] });
    lag.committed(T, 0, '0');
    lag.watermarks(T, 0, '3');
    lag.watermarks(T, 0, '7');
    lag.watermarks(T, 0, '5');
    expect(lag.byTopic().get(T)).toBe(7);
  });

  it('starts a group without a commit at the log start when it reads from the beginning', () => {
    const fromStart = new ConsumerLag(true);
    fromStart.assign({ [T]: [0] });
    fromStart.committed(T, 0, '-1');
    fromStart.watermarks(T, 0, '12', '2');
    expect(fromStart.byTopic().get(T)).toBe(10);

    const fromEnd = new ConsumerLag(false);
    fromEnd.assign({ [T]: [0] });
    fromEnd.committed(T, 0, '-1');
    fromEnd.watermarks(T, 0, '12', '2');
    expect(fromEnd.byTopic().get(T)).toBe(0);
    fromEnd.finished(T, 0, '12');
    fromEnd.watermarks(T, 0, '16');
    expect(fromEnd.byTopic().get(T)).toBe(3);
  });

  it('reports only the assigned partitions, and forgets progress on a new assignment', () => {
    const lag = new ConsumerLag(true);
    lag.assign({ [T]: [0], [U]: [0] });
    lag.committed(T, 0, '0');
    lag.committed(U, 0, '0');
    lag.watermarks(T, 0, '10');
    lag.watermarks(U, 0, '3');
    lag.finished(T, 0, '8');
    // Partition 1 is not ours: its news is ignored.
    lag.watermarks(T, 1, '100');
    lag.committed(T, 1, '0');
    expect(lag.byTopic()).toEqual(
      new Map([
        [T, 1],
        [U, 3],
      ]),
    );

    lag.assign({ [T]: [0, 1] });
    // Finished messages of the previous assignment may be delivered again: back to the commit.
    lag.watermarks(T, 1, '4');
    lag.committed(T, 1, '1');
    expect(lag.byTopic()).toEqual(new Map([[T, 13]]));
    expect(lag.topics()).toEqual([T]);
  });

  it('leaves a partition out until its position is known', () => {
    const lag = new ConsumerLag(true);
    lag.assign({ [T]: [0, 1] });
    lag.watermarks(T, 0, '10');
    lag.watermarks(T, 1, '10');
    lag.committed(T, 1, '7');
    expect(lag.byTopic().get(T)).toBe(3);
  });
});
