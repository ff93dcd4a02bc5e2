import { Kafka, logLevel } from 'kafkajs';

/** A test namespace's topic: `t-<Date.now() in base 36>-<6 hex>.<name>` ({@link uniqueNamespace}). */
const TEST_TOPIC = /^t-([0-9a-z]+)-[0-9a-f]{6}\./;

/**
 * The topics of test namespaces made more than `olderThanMs` ago. A test removes its topics at
 * its end; one that was killed (a cancelled run, a crash) leaves them, and a broker kept between
 * runs would otherwise pile up tens of thousands, which slows every metadata request.
 */
export function staleTestTopics(topics: string[], now: number, olderThanMs: number): string[] {
  return topics.filter((topic) => {
    const match = TEST_TOPIC.exec(topic);
    if (!match) return false;
    const madeAt = parseInt(match[1]!, 36);
    return Number.isFinite(madeAt) && madeAt < now - olderThanMs;
  });
}

/** Deletes the topics of test namespaces older than `olderThanMs`; returns how many it removed. */
export async function removeStaleTestTopics(
  brokers: string,
  olderThanMs = 6 * 3600_000,
): Promise<number> {
  const kafka = new Kafka({
    clientId: 'test-cleanup',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const stale = staleTestTopics(await admin.listTopics(), Date.now(), olderThanMs);
    let removed = 0;
    for (let i = 0; i < stale.length; i += 200) {
      const chunk = stale.slice(i, i + 200);
      // A topic another run is deleting at the same moment fails its whole request: skip it.
      await admin.deleteTopics({ topics: chunk, timeout: 60_000 }).then(
        () => (removed += chunk.length),
        () => undefined,
      );
    }
    // The broker deletes in the background; the tests start once it is done (at most a minute).
    const deadline = Date.now() + 60_000;
    while (removed > 0 && Date.now() < deadline) {
      const left = new Set(await admin.listTopics());
      if (!stale.some((topic) => left.has(topic))) break;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    return removed;
  } finally {
    await admin.disconnect();
  }
}

/**
 * Deletes the schema subjects of test namespaces older than `olderThanMs` (`<topic>-value`, named
 * like their topics), soft then for good; returns how many it removed. Apicurio answers
 * `GET /subjects` 1,000 at a time unless given a `limit`; a Confluent registry ignores it.
 */
export async function removeStaleTestSubjects(
  registryUrl: string,
  olderThanMs = 6 * 3600_000,
): Promise<number> {
  const base = registryUrl.replace(/\/+$/, '');
  const listed = await fetch(`${base}/subjects?limit=1000000`, {
    signal: AbortSignal.timeout(30_000),
  });
  if (!listed.ok) throw new Error(`GET /subjects: HTTP ${listed.status}`);
  const stale = staleTestTopics((await listed.json()) as string[], Date.now(), olderThanMs);
  let removed = 0;
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < stale.length; i = next++) {
      const subject = encodeURIComponent(stale[i]!);
      for (const query of ['', '?permanent=true']) {
        const response = await fetch(`${base}/subjects/${subject}${query}`, {
          method: 'DELETE',
          signal: AbortSignal.timeout(10_000),
        });
        if (!response.ok) break;
        if (query) removed += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, stale.length) }, worker));
  return removed;
}
