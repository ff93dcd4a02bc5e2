/* global fetch, AbortSignal */
import process from 'node:process';
import { TestEnvironment } from 'jest-environment-node';
import { Kafka, logLevel } from 'kafkajs';

/**
 * The test environment of the int and e2e projects: Node's, and once a test file and its own
 * clean-up are done, the deletion of the Kafka topics of every namespace it made
 * (`uniqueNamespace` records them in the file's global), and of their schema subjects. Each namespace has 42 topics (126
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
      await deleteNamespaceTopics(brokers, namespaces).catch(said('topics'));
      const registry = process.env.SCHEMA_REGISTRY_URL;
      if (registry) await deleteSubjects(registry, namespaces).catch(said('schema subjects'));
    }
    await super.teardown();
  }
}

/**
 * Deletes the registry's subjects whose names start with one of `namespaces` (a topic's value
 * schema is `<topic>-value`), soft then for good. Kept, every test namespace's schemas stay in the
 * registry's state for good. Apicurio answers `GET /subjects` 1,000 at a time unless given a
 * `limit`; a Confluent registry ignores it and answers all.
 */
async function deleteSubjects(registry, namespaces) {
  const base = registry.replace(/\/+$/, '');
  const listed = await fetch(`${base}/subjects?limit=1000000`, {
    signal: AbortSignal.timeout(10_000),
  });
  if (!listed.ok) throw new Error(`GET /subjects: HTTP ${listed.status}`);
  const subjects = (await listed.json()).filter((subject) =>
    namespaces.some((namespace) => subject.startsWith(namespace)),
  );
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

/** Deletes the topics whose names start with one of `namespaces`. */
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
  } finally {
    await admin.disconnect();
  }
}
