import type { Admin, Kafka } from 'kafkajs';
import { eventually } from '@msync/test-support';

// Consumer groups as an operator sees them through Kafka's admin API: which exist, where they
// stand, moving them back to the start.

async function withAdmin<T>(kafka: Kafka, work: (admin: Admin) => Promise<T>) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

/** The groups whose id starts with `prefix`. */
export function groupsStartingWith(kafka: Kafka, prefix: string): Promise<string[]> {
  return withAdmin(kafka, async (admin) =>
    (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix)),
  );
}

/** `<topic>:<partition>` → offset: where each partition of the topics ends (the high watermark). */
export function endOffsets(kafka: Kafka, topics: readonly string[]): Promise<Map<string, bigint>> {
  return withAdmin(kafka, async (admin) => {
    const ends = new Map<string, bigint>();
    for (const topic of topics)
      for (const p of await admin.fetchTopicOffsets(topic))
        ends.set(`${topic}:${p.partition}`, BigInt(p.high));
    return ends;
  });
}

/** How many records the topics hold (high minus low watermark, summed). */
export function recordCount(kafka: Kafka, topics: readonly string[]): Promise<bigint> {
  return withAdmin(kafka, async (admin) => {
    let count = 0n;
    for (const topic of topics)
      for (const p of await admin.fetchTopicOffsets(topic)) count += BigInt(p.high) - BigInt(p.low);
    return count;
  });
}

/** `<topic>:<partition>` → the group's committed offset (-1 when none). */
export function committedOffsets(
  kafka: Kafka,
  groupId: string,
  topics: readonly string[],
): Promise<Map<string, bigint>> {
  return withAdmin(kafka, async (admin) => {
    const committed = new Map<string, bigint>();
    for (const entry of await admin.fetchOffsets({ groupId, topics: [...topics] }))
      for (const p of entry.partitions)
        committed.set(`${entry.topic}:${p.partition}`, BigInt(p.offset));
    return committed;
  });
}

/** True when the group has committed the end of every partition of the topics. */
export async function caughtUp(
  kafka: Kafka,
  groupId: string,
  topics: readonly string[],
): Promise<boolean> {
  const [ends, committed] = await Promise.all([
    endOffsets(kafka, topics),
    committedOffsets(kafka, groupId, topics),
  ]);
  return [...ends].every(([partition, end]) => (committed.get(partition) ?? -1n) === end);
}

/**
 * Moves every group to the start of every topic it has committed offsets on, as an operator
 * would with `kafka-consumer-groups --reset-offsets --to-earliest`: each partition's committed
 * offset becomes its low watermark. Kafka only allows it on a group without members, so each
 * group is first awaited empty (a killed member leaves when its session times out). Groups are
 * reset side by side, all topics of a group in one commit (kafkajs' `admin.resetOffsets` joins
 * the group once per topic and waits out an idle fetch of five seconds each time). Returns the
 * groups and the topics reset.
 */
export async function resetGroupsToEarliest(
  kafka: Kafka,
  groupIds: readonly string[],
  emptyWithinMs = 60_000,
): Promise<{ groupId: string; topics: string[] }[]> {
  return withAdmin(kafka, (admin) =>
    Promise.all(
      groupIds.map(async (groupId) => {
        await eventually(
          async () => {
            const [group] = (await admin.describeGroups([groupId])).groups;
            return group?.state === 'Empty' || group?.state === 'Dead';
          },
          `consumer group ${groupId} without members`,
          emptyWithinMs,
        );
        const topics = (await admin.fetchOffsets({ groupId }))
          .filter((t) => t.partitions.some((p) => Number(p.offset) >= 0))
          .map((t) => t.topic);
        if (topics.length === 0) return { groupId, topics };
        const earliest = (
          await Promise.all(
            topics.map(async (topic) =>
              (await admin.fetchTopicOffsets(topic)).map((p) => ({
                topic,
                partition: p.partition,
                offset: p.low,
              })),
            ),
          )
        ).flat();
        await commitAsMember(kafka, admin, groupId, topics, earliest);
        return { groupId, topics };
      }),
    ),
  );
}

/**
 * Joins the (empty) group with a consumer of `topics` that reads nothing, commits `offsets` as
 * the group's member (Kafka takes a group's commits from its members only), checks that the
 * group's committed offsets read back as those, and leaves.
 */
async function commitAsMember(
  kafka: Kafka,
  admin: Admin,
  groupId: string,
  topics: readonly string[],
  offsets: { topic: string; partition: number; offset: string }[],
): Promise<void> {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    const running = consumer.run({ autoCommit: false, eachBatch: () => Promise.resolve() });
    consumer.pause(topics.map((topic) => ({ topic })));
    // Resolves once the consumer joined the group and counts as running: kafkajs drops a commit
    // made before that without a word, hence the read-back.
    await running;
    await consumer.commitOffsets(offsets);
    const wanted = new Map(offsets.map((o) => [`${o.topic}:${o.partition}`, o.offset]));
    const differing = (await admin.fetchOffsets({ groupId, topics: [...topics] })).flatMap((t) =>
      t.partitions
        .filter((p) => wanted.get(`${t.topic}:${p.partition}`) !== p.offset)
        .map((p) => `${t.topic}:${p.partition} at ${p.offset}`),
    );
    if (differing.length > 0)
      throw new Error(`group ${groupId} not reset to the start: ${differing.join(', ')}`);
  } finally {
    await consumer.disconnect();
  }
}

/** Deletes the groups whose id starts with `prefix`; groups that still have a member stay. */
export async function deleteGroups(kafka: Kafka, prefix: string): Promise<void> {
  const groups = await groupsStartingWith(kafka, prefix);
  if (groups.length === 0) return;
  await withAdmin(kafka, (admin) => admin.deleteGroups(groups)).catch(() => undefined);
}

/**
 * One line per group whose id starts with `prefix`: its state, members, and per partition of
 * the topics it committed on, committed offset / end (for a stalled test's report).
 */
export function groupPositions(kafka: Kafka, prefix: string): Promise<string[]> {
  return withAdmin(kafka, async (admin) => {
    const ids = (await admin.listGroups()).groups
      .map((g) => g.groupId)
      .filter((g) => g.startsWith(prefix))
      .sort();
    const described = new Map(
      (await admin.describeGroups(ids)).groups.map((g) => [g.groupId, g] as const),
    );
    const lines: string[] = [];
    for (const groupId of ids) {
      const group = described.get(groupId);
      const positions: string[] = [];
      for (const entry of await admin.fetchOffsets({ groupId })) {
        const ends = new Map(
          (await admin.fetchTopicOffsets(entry.topic)).map((p) => [p.partition, p.high] as const),
        );
        for (const p of entry.partitions)
          if (Number(p.offset) >= 0 || Number(ends.get(p.partition) ?? 0) > 0)
            positions.push(`${entry.topic}:${p.partition} ${p.offset}/${ends.get(p.partition)}`);
      }
      lines.push(
        `${groupId}: ${group?.state ?? '?'}, ${group?.members.length ?? 0} members; ${positions.join(', ')}`,
      );
    }
    return lines;
  });
}
