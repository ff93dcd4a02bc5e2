interface PartitionLag {
  /** Highest high watermark seen (the offset the next produced message will get). */
  high?: bigint;
  low?: bigint;
  /** The group's committed offset; `null`: the group never committed on this partition. */
  committed?: bigint | null;
  /** Offset after the last message this member finished, in the current assignment. */
  processed?: bigint;
}

/**
 * Consumer lag of one group member, per topic: for each partition assigned to it, the high
 * watermark minus the position (past the last finished message, else the committed offset),
 * summed per topic. Pure bookkeeping fed by batches (high watermark, finished offsets) and by a
 * periodic read of the topic's and the group's offsets; the consumer owns the I/O.
 */
export class ConsumerLag {
  private partitions = new Map<string, Map<number, PartitionLag>>();

  /** Where a group without a commit starts: the log start (`fromBeginning`) or its end. */
  constructor(private readonly fromBeginning: boolean) {}

  /** A new assignment: partitions not listed are forgotten, progress starts over. */
  assign(assignment: Readonly<Record<string, readonly number[]>>): void {
    const next = new Map<string, Map<number, PartitionLag>>();
    for (const [topic, partitions] of Object.entries(assignment)) {
      const known = this.partitions.get(topic);
      const entries = new Map<number, PartitionLag>();
      for (const partition of partitions) {
        const { high, low, committed } = known?.get(partition) ?? {};
        entries.set(partition, { high, low, committed });
      }
      next.set(topic, entries);
    }
    this.partitions = next;
  }

  /** The partition's log end and start, as a fetch or a list-offsets request saw them. */
  watermarks(topic: string, partition: number, high: string, low?: string): void {
    const p = this.partitions.get(topic)?.get(partition);
    if (!p) return;
    const value = BigInt(high);
    if (p.high === undefined || value > p.high) p.high = value;
    if (low !== undefined) p.low = BigInt(low);
  }

  /** The group's committed offset (`-1`: none). */
  committed(topic: string, partition: number, offset: string): void {
    const p = this.partitions.get(topic)?.get(partition);
    if (!p) return;
    const value = BigInt(offset);
    p.committed = value < 0n ? null : value;
  }

  /** A message of the partition is finished (handled, dead-lettered or set aside). */
  finished(topic: string, partition: number, offset: string): void {
    const p = this.partitions.get(topic)?.get(partition);
    if (!p) return;
    const next = BigInt(offset) + 1n;
    if (p.processed === undefined || next > p.processed) p.processed = next;
  }

  /** Topics of the assignment. */
  topics(): string[] {
    return [...this.partitions.keys()];
  }

  /** Messages not finished yet behind each topic's log end, over the assigned partitions. */
  byTopic(): Map<string, number> {
    const lag = new Map<string, number>();
    for (const [topic, partitions] of this.partitions) {
      let sum = 0n;
      for (const p of partitions.values()) {
        const position = this.positionOf(p);
        if (p.high !== undefined && position !== undefined && p.high > position)
          sum += p.high - position;
      }
      lag.set(topic, Number(sum));
    }
    return lag;
  }

  /** Past the last finished message, else where the group resumes (its commit, or the start). */
  private positionOf(p: PartitionLag): bigint | undefined {
    // Without a commit, a consumer that does not read from the beginning starts at the log end
    // as it was when it joined, which is not kept: its position is known once it finished one.
    const start = p.committed === null ? (this.fromBeginning ? p.low : undefined) : p.committed;
    if (p.processed === undefined) return start;
    return start === undefined || p.processed > start ? p.processed : start;
  }
}
