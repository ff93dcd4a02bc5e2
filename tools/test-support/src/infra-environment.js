/* global fetch, AbortSignal */
import process from 'node:process';
import { TestEnvironment } from 'jest-environment-node';
import { Kafka, logLevel } from 'kafkajs';

/**
 * The test environment of the int and e2e projects: Node's, and once a test file and its own
 * clean-up are done, the deletion of the Kafka topics of every namespace it made
 * (`uniqueNamespace` records them in the file's global), and of those topics' schema subjects. Each namespace has 42 topics (126
 * partitions); kept, a run's few hundred namespaces slow every later metadata request and make
 * the next start of a kept broker take minutes. Best effort: a failure is said, never fails the
 * file (topics left are removed by the global setup once stale).
 */
export default class InfraEnvironment extends TestEnvironment {
  async teardown() {
    const namespaces = [...(this.global.__msyncNamespaces ?? [])];
    const brokers = process.env.KAFKA_BROKERS;
    if (namespaces.length > 0 && brokers) {
      const said = (what) => (error) =>
        process.stderr.write(
          `[infra] ${what} of ${namespaces.join(', ')} not removed: ${error instanceof Error ? error.message : String(error)}\n`,
        );
      const topics = await deleteNamespaceTopics(brokers, namespaces).catch(said('topics'));
      const registry = process.env.SCHEMA_REGISTRY_URL;
      if (topics && registry)
        await deleteSubjects(
          registry,
          topics.map((topic) => `${topic}-value`),
        ).catch(said('schema subjects'));
    }
    await super.teardown();
  }
}

/**
 * Deletes these subjects from the registry, soft then for good (a subject never registered
 * answers 404: fine). Kept, every test namespace leaves its topics' schemas in the registry's
 * state for good.
 */
async function deleteSubjects(registry, subjects) {
  const base = registry.replace(/\/+$/, '');
  const remove = async (subject) => {
    for (const query of ['', '?permanent=true']) {
      const response = await fetch(`${base}/subjects/${encodeURIComponent(subject)}${query}`, {
        method: 'DELETE',
        signal: AbortSignal.timeout(10_000),
      });
      if (response.status === 404) return;
      if (!response.ok) throw new Error(`DELETE ${subject}${query}: HTTP ${response.status}`);
    }
  };
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < subjects.length; i = next++) await remove(subjects[i]);
  };
  await Promise.all(Array.from({ length: Math.min(8, subjects.length) }, worker));
}

/** Deletes the topics whose names start with one of `namespaces`; resolves with their names. */
async function deleteNamespaceTopics(brokers, namespaces) {
  const admin = new Kafka({
    clientId: 'test-cleanup',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((topic) =>
      namespaces.some((namespace) => topic.startsWith(namespace)),
    );
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
    return topics;
  } finally {
    await admin.disconnect();
  }
}
