import { afterAll, describe, expect, it } from '@jest/globals';
import { createLifecycle, createMetricsRegistry, errorMessage } from '@msync/platform';
import { capturingLogger, uniqueNamespace } from '@msync/test-support';
import { startEventBackbone, type EventBackbone } from './backbone.js';
import { bootstrapTopics } from './bootstrap.js';
import { deleteNamespaceTopics } from './test-support/topics.js';

const { logger } = capturingLogger('error');
const lifecycle = createLifecycle({ logger, timeoutMs: 10_000, handleSignals: false });
const namespace = uniqueNamespace();
afterAll(async () => {
  await deleteNamespaceTopics(backbone.kafka, namespace);
  await lifecycle.shutdown('test done');
});

let backbone: EventBackbone;

/** The backbone's readiness, check by check: 'ok' or the error's message. */
async function readiness(): Promise<Record<string, string>> {
  const results: Record<string, string> = {};
  for (const { name, check } of backbone.checks) {
    try {
      await check();
      results[name] = 'ok';
    } catch (error) {
      results[name] = errorMessage(error);
    }
  }
  return results;
}

describe('the event backbone’s readiness', () => {
  it('asks Kafka for one topic of the namespace, and is ready once the topics exist', async () => {
    backbone = await startEventBackbone({
      service: 'backbone-test',
      config: {
        KAFKA_BROKERS: process.env.KAFKA_BROKERS!.split(','),
        SCHEMA_REGISTRY_URL: process.env.SCHEMA_REGISTRY_URL!,
        TOPIC_NAMESPACE: namespace,
      },
      logger,
      metrics: createMetricsRegistry('backbone_test'),
      lifecycle,
    });
    const before = await readiness();
    expect(before['schema-registry']).toBe('ok');
    expect(before['kafka']).not.toBe('ok');

    await bootstrapTopics({ kafka: backbone.kafka, logger, namespace, partitions: 1 });
    expect(await readiness()).toEqual({ kafka: 'ok', 'schema-registry': 'ok' });
  });
});
