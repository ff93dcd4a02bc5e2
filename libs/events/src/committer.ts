import type { OffsetTracker, PartitionCommit } from './offsets.js';

/** Why a commit was made: for metrics and logs. */
export type CommitTrigger = 'interval' | 'count' | 'revoke' | 'shutdown';

export interface OffsetCommitterOptions {
  tracker: OffsetTracker;
  /** Sends one commit to the broker. */
  commit: (offsets: PartitionCommit[]) => Promise<void>;
  /**
   * Runs after the offsets to commit are taken and before they are sent: effects a handler left
   * pending (written in bulk later) are made durable first, so a commit never passes a message
   * whose effect is not. Its failure skips the commit (left to the next trigger).
   */
  beforeCommit?: () => Promise<void>;
  /** Commit at least this often while messages finish. */
  intervalMs: number;
  /** Commit as soon as this many messages finished since the last commit. */
  everyMessages: number;
  onCommitted?: (info: { trigger: CommitTrigger; partitions: number; messages: number }) => void;
  onFailed?: (info: { trigger: CommitTrigger; error: unknown }) => void;
}

/**
 * Commits the tracker's safe offsets on an interval, after a number of finished messages, and
 * on demand (partitions revoked, shutdown): one commit in flight at a time, at most one queued,
 * so a burst of finished messages costs one round trip, not one each. A failed commit is left
 * to the next trigger: the offsets stay uncommitted, which only means a redelivery.
 */
export class OffsetCommitter {
  private chain: Promise<boolean> = Promise.resolve(true);
  private queued: Promise<boolean> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: OffsetCommitterOptions) {}

  start(): void {
    this.timer ??= setInterval(() => void this.commit('interval'), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Call after each finished message: commits once enough have finished. */
  noteFinished(): void {
    if (this.options.tracker.finishedSinceCommit >= this.options.everyMessages) {
      void this.commit('count');
    }
  }

  /**
   * Commits everything finished so far, after any commit already under way. Resolves to false
   * when the commit failed (never rejects).
   */
  commit(trigger: CommitTrigger): Promise<boolean> {
    if (this.queued) return this.queued;
    const next = this.chain.then(() => {
      this.queued = undefined;
      return this.commitOnce(trigger);
    });
    this.queued = next;
    this.chain = next;
    return next;
  }

  private async commitOnce(trigger: CommitTrigger): Promise<boolean> {
    const { tracker } = this.options;
    const offsets = tracker.toCommit();
    if (offsets.length === 0) return true;
    const generation = tracker.generation;
    const messages = tracker.finishedSinceCommit;
    try {
      await this.options.beforeCommit?.();
      await this.options.commit(offsets);
    } catch (error) {
      this.options.onFailed?.({ trigger, error });
      return false;
    }
    tracker.committed(generation, offsets, messages);
    this.options.onCommitted?.({ trigger, partitions: offsets.length, messages });
    return true;
  }
}
