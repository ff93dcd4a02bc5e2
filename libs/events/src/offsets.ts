/** An offset to commit: the next offset to read on a partition. */
export interface PartitionCommit {
  topic: string;
  partition: number;
  offset: string;
}

interface PartitionProgress {
  topic: string;
  partition: number;
  /** Started and not finished yet, ascending (messages start in offset order). */
  inFlight: bigint[];
  /** Highest finished offset + 1, once anything finished in this generation. */
  afterFinished?: bigint;
  committed?: bigint;
}

function safePointOf(p: PartitionProgress): bigint | undefined {
  if (p.afterFinished === undefined) return undefined;
  const lowestUnfinished = p.inFlight[0];
  return lowestUnfinished !== undefined && lowestUnfinished < p.afterFinished
    ? lowestUnfinished
    : p.afterFinished;
}

/**
 * Which offset each partition may be committed at: past every finished message, never past one
 * that started and has not finished (handled, dead-lettered or durably set aside). Pure
 * bookkeeping; the consumer decides when to commit.
 *
 * A rebalance starts a new generation: the client refetches from the committed offsets, so the
 * progress of the previous generation is dropped, and late news from it is ignored.
 */
export class OffsetTracker {
  private progress = new Map<string, Map<number, PartitionProgress>>();
  private finishedCount = 0;
  private currentGeneration = 0;

  get generation(): number {
    return this.currentGeneration;
  }

  /** Messages finished since the last successful commit. */
  get finishedSinceCommit(): number {
    return this.finishedCount;
  }

  /** Forgets all progress (partitions were reassigned); returns the new generation. */
  newGeneration(): number {
    this.progress.clear();
    this.finishedCount = 0;
    return ++this.currentGeneration;
  }

  started(generation: number, topic: string, partition: number, offset: string): void {
    if (generation !== this.currentGeneration) return;
    const p = this.partitionOf(topic, partition);
    const value = BigInt(offset);
    const last = p.inFlight[p.inFlight.length - 1];
    if (last === undefined || last < value) p.inFlight.push(value);
    else if (!p.inFlight.includes(value)) {
      p.inFlight.push(value);
      p.inFlight.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    }
  }

  finished(generation: number, topic: string, partition: number, offset: string): void {
    if (generation !== this.currentGeneration) return;
    const p = this.partitionOf(topic, partition);
    const value = BigInt(offset);
    const index = p.inFlight.indexOf(value);
    if (index >= 0) p.inFlight.splice(index, 1);
    if (p.afterFinished === undefined || value + 1n > p.afterFinished) p.afterFinished = value + 1n;
    this.finishedCount++;
  }

  /**
   * Where the partition could be committed now (its oldest unfinished message, or past the last
   * finished one), once anything of it finished in this generation.
   */
  safePoint(topic: string, partition: number): bigint | undefined {
    const p = this.progress.get(topic)?.get(partition);
    return p && safePointOf(p);
  }

  /** Per partition, the furthest safe commit point that is ahead of the last commit. */
  toCommit(): PartitionCommit[] {
    const commits: PartitionCommit[] = [];
    for (const p of [...this.progress.values()].flatMap((byPartition) => [
      ...byPartition.values(),
    ])) {
      const point = safePointOf(p);
      if (point === undefined) continue;
      if (p.committed === undefined || point > p.committed) {
        commits.push({ topic: p.topic, partition: p.partition, offset: point.toString() });
      }
    }
    return commits;
  }

  /** Records a successful commit of `commits`, which covered `finishedCount` messages. */
  committed(generation: number, commits: PartitionCommit[], finishedCount: number): void {
    if (generation !== this.currentGeneration) return;
    for (const c of commits) {
      const p = this.partitionOf(c.topic, c.partition);
      const value = BigInt(c.offset);
      if (p.committed === undefined || value > p.committed) p.committed = value;
    }
    this.finishedCount = Math.max(0, this.finishedCount - finishedCount);
  }

  private partitionOf(topic: string, partition: number): PartitionProgress {
    let byPartition = this.progress.get(topic);
    if (!byPartition) {
      byPartition = new Map();
      this.progress.set(topic, byPartition);
    }
    let p = byPartition.get(partition);
    if (!p) {
      p = { topic, partition, inFlight: [] };
      byPartition.set(partition, p);
    }
    return p;
  }
}
