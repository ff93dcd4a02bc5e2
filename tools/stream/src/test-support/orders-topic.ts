import type { Logger } from '@msync/platform';
import { infra, uniqueNamespace } from '@msync/test-support';
import {
  eventsHarness,
  type EventsHarness,
} from '../../../../libs/events/src/test-support/harness.js';

/** Real Kafka and registry with the awaiting-acceptance topic in a namespace of its own. */
export function ordersTopicHarness(logger: Logger): Promise<EventsHarness> {
  return eventsHarness({
    brokers: infra().KAFKA_BROKERS,
    registryUrl: infra().SCHEMA_REGISTRY_URL,
    namespace: uniqueNamespace(),
    logger,
    topics: ['orderAwaitingAcceptance'],
  });
}
