import process from 'node:process';
import { TestEnvironment } from 'jest-environment-node';
import { Kafka, logLevel } from 'kafkajs';

/**
 * The test environment of the int and e2e projects: Node's, and once a test file and its own
 * clean-up are done, the deletion of the Kafka topics of every namespace it made
 * (`uniqueNamespace` records them in the file's global). Each namespace has 42 topics (126
 * partitions); kept, a run's few hundred namespaces slow every later metadata request and make
 * the next start of a kept broker take minutes. Best effort: a failure is said, never fails the
 * file (topics left are removed by the global setup once stale).
 */
export default class InfraEnvironment extends TestEnvironment {
  async teardown() {
    const namespaces = [...(this.global.__msyncNamespaces ?? [])];
    const brokers = process.env.KAFKA_BROKERS;
    if (namespaces.length > 0 && brokers) {
      await deleteNamespaceTopics(brokers, namespaces).catch((error) =>
        process.stderr.write(
          `[infra] topics of ${namespaces.join(', ')} not removed: ${error instanceof Error ? error.message : String(error)}\n`,
        ),
      );
    }
    await super.teardown();
  }
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
