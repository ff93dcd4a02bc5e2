import { describe, expect, it } from '@jest/globals';
import { OffsetCommitter } from './committer.js';
import { OffsetTracker, type PartitionCommit } from './offsets.js';

const T = 'orders';

describe('OffsetTracker', () => {
  it('commits past every finished message of a partition, one offset after the last', () => {
    const tracker = new OffsetTracker();
    const g = tracker.newGeneration();
    for (const offset of ['0', '1', '2']) {
      tracker.started(g, T, 0, offset);
      tracker.finished(g, T, 0, offset);
    }
    expect(tracker.toCommit()).toEqual([{ topic: T, partition: 0, offset: '3' }]);
    expect(tracker.finishedSinceCommit).toBe(3);
  });

  it('never commits past a message that started and has not finished', () => {
    const tracker = new OffsetTracker();
    const g = tracker.newGeneration();
    tracker.started(g, T, 0, '10');
    tracker.started(g, T, 0, '11');
    tracker.started(g, T, 0, '12');
    tracker.finished(g, T, 0, '10');
    tracker.finished(g, T, 0, '12');
    expect(tracker.toCommit()).toEqual([{ topic: T, partition: 0, offset: '11' }]);
    tracker.finished(g, T, 0, '11');
    expect(tracker.toCommit()).toEqual([{ topic: T, partition: 0, offset: '13' }]);
  });

  it('holds the commit at the oldest message marked started, whatever order the later ones finish in', () => {
    const tracker = new OffsetTracker();
    const g = tracker.newGeneration();
    // A whole batch is marked started before its lanes run; lanes finish out of offset order.
    for (const offset of ['20', '21', '22', '23', '24']) tracker.started(g, T, 0, offset);
    tracker.finished(g, T, 0, '21');
    tracker.finished(g, T, 0, '24');
    tracker.finished(g, T, 0, '23');
    expect(tracker.toCommit()).toEqual([{ topic: T, partition: 0, offset: '20' }]);
    tracker.finished(g, T, 0, '20');
    expect(tracker.toCommit()).toEqual([{ topic: T, partition: 0, offset: '22' }]);
    // Offset 22 never finishes (the batch stopped): it and everything after stay uncommitted,
    // and a redelivery of the batch starts them again without losing the hold.
    tracker.started(g, T, 0, '22');
    tracker.started(g, T, 0, '23');
    expect(tracker.toCommit()).toEqual([{ topic: T, partition: 0, offset: '22' }]);
    tracker.finished(g, T, 0, '22');
    expect(tracker.toCommit()).toEqual([{ topic: T, partition: 0, offset: '23' }]);
    tracker.finished(g, T, 0, '23');
    expect(tracker.toCommit()).toEqual([{ topic: T, partition: 0, offset: '25' }]);
  });

  it('answers the safe point of one partition: the oldest unfinished message, else past the last finished', () => {
    const tracker = new OffsetTracker();
    const g = tracker.newGeneration();
    for (const offset of ['5', '6', '7']) tracker.started(g, T, 0, offset);
    expect(tracker.safePoint(T, 0)).toBeUndefined();
    tracker.finished(g, T, 0, '7');
    expect(tracker.safePoint(T, 0)).toBe(5n);
    tracker.finished(g, T, 0, '5');
    expect(tracker.safePoint(T, 0)).toBe(6n);
    tracker.finished(g, T, 0, '6');
    expect(tracker.safePoint(T, 0)).toBe(8n);
    expect(tracker.safePoint(T, 1)).toBeUndefined();
  });

  it('offers nothing for a partition where nothing finished', () => {
    const tracker = new OffsetTracker();
    const g = tracker.newGeneration();
    tracker.started(g, T, 1, '5');
    expect(tracker.toCommit()).toEqual([]);
  });

  it('offers each partition only when it moved past its last commit', () => {
    const tracker = new OffsetTracker();
    const g = tracker.newGeneration();
    tracker.started(g, T, 0, '0');
    tracker.finished(g, T, 0, '0');
    tracker.started(g, T, 1, '7');
    tracker.finished(g, T, 1, '7');
    const first = tracker.toCommit();
    tracker.committed(g, first, 2);
    expect(tracker.toCommit()).toEqual([]);
    expect(tracker.finishedSinceCommit).toBe(0);
    tracker.started(g, T, 1, '8');
    tracker.finished(g, T, 1, '8');
    expect(tracker.toCommit()).toEqual([{ topic: T, partition: 1, offset: '9' }]);
  });

  it('keeps counting messages that finished while a commit was under way', () => {
    const tracker = new OffsetTracker();
    const g = tracker.newGeneration();
    tracker.started(g, T, 0, '0');
    tracker.finished(g, T, 0, '0');
    const snapshot = tracker.toCommit();
    const covered = tracker.finishedSinceCommit;
    tracker.started(g, T, 0, '1');
    tracker.finished(g, T, 0, '1');
    tracker.committed(g, snapshot, covered);
    expect(tracker.finishedSinceCommit).toBe(1);
    expect(tracker.toCommit()).toEqual([{ topic: T, partition: 0, offset: '2' }]);
  });

  it('drops progress at a new generation and ignores late news from the old one', () => {
    const tracker = new OffsetTracker();
    const old = tracker.newGeneration();
    tracker.started(old, T, 0, '3');
    const current = tracker.newGeneration();
    tracker.finished(old, T, 0, '3');
    expect(tracker.toCommit()).toEqual([]);
    tracker.started(current, T, 0, '0');
    tracker.finished(current, T, 0, '0');
    tracker.committed(old, [{ topic: T, partition: 0, offset: '4' }], 1);
    expect(tracker.toCommit()).toEqual([{ topic: T, partition: 0, offset: '1' }]);
  });
});

describe('OffsetCommitter', () => {
  function setup(everyMessages: number, fail = false) {
    const tracker = new OffsetTracker();
    const generation = tracker.newGeneration();
    const sent: PartitionCommit[][] = [];
    let release: (() => void) | undefined;
    const committer = new OffsetCommitter({
      tracker,
      intervalMs: 3_600_000,
      everyMessages,
      commit: async (offsets) => {
        sent.push(offsets);
        await new Promise<void>((resolve) => (release = resolve));
        if (fail) throw new Error('coordinator unavailable');
      },
    });
    const finish = (offset: string) => {
      tracker.started(generation, T, 0, offset);
      tracker.finished(generation, T, 0, offset);
      committer.noteFinished();
    };
    const releaseCommit = async () => {
      while (!release) await new Promise((r) => setImmediate(r));
      const r = release;
      release = undefined;
      r();
    };
    return { tracker, committer, sent, finish, releaseCommit };
  }

  it('commits after the configured number of finished messages, not after each', async () => {
    const { sent, finish, releaseCommit, committer } = setup(3);
    finish('0');
    finish('1');
    expect(sent).toEqual([]);
    finish('2');
    await releaseCommit();
    expect(sent).toEqual([[{ topic: T, partition: 0, offset: '3' }]]);
    expect(await committer.commit('shutdown')).toBe(true);
    expect(sent).toHaveLength(1);
  });

  it('queues at most one commit behind the one in flight, covering everything finished meanwhile', async () => {
    const { sent, finish, releaseCommit, committer } = setup(1);
    finish('0');
    while (sent.length === 0) await new Promise((r) => setImmediate(r));
    for (const offset of ['1', '2', '3', '4']) finish(offset);
    await releaseCommit();
    await releaseCommit();
    await committer.commit('shutdown');
    expect(sent.map((c) => c[0]!.offset)).toEqual(['1', '5']);
  });

  it('keeps offsets uncommitted after a failed commit and reports the failure', async () => {
    const { tracker, finish, releaseCommit, committer } = setup(100, true);
    finish('0');
    const result = committer.commit('interval');
    await releaseCommit();
    expect(await result).toBe(false);
    expect(tracker.toCommit()).toEqual([{ topic: T, partition: 0, offset: '1' }]);
  });

  it('makes deferred effects durable before sending offsets, and skips the commit when that fails', async () => {
    // Given a handler that defers its writes: what finished before the commit took its offsets
    const tracker = new OffsetTracker();
    const generation = tracker.newGeneration();
    const steps: string[] = [];
    let flushFails = true;
    const committer = new OffsetCommitter({
      tracker,
      intervalMs: 3_600_000,
      everyMessages: 100,
      beforeCommit: async () => {
        steps.push(`flush with ${JSON.stringify(tracker.toCommit())}`);
        if (flushFails) throw new Error('database unavailable');
      },
      commit: async (offsets) => {
        steps.push(`commit ${offsets[0]!.offset}`);
      },
    });
    tracker.started(generation, T, 0, '0');
    tracker.finished(generation, T, 0, '0');

    // When the flush fails, then succeeds
    const failed = await committer.commit('interval');
    flushFails = false;
    const succeeded = await committer.commit('interval');

    // Then nothing is committed past an unflushed effect, and the next commit goes through
    expect(failed).toBe(false);
    expect(succeeded).toBe(true);
    const taken = JSON.stringify([{ topic: T, partition: 0, offset: '1' }]);
    expect(steps).toEqual([`flush with ${taken}`, `flush with ${taken}`, 'commit 1']);
    expect(tracker.toCommit()).toEqual([]);
  });
});
