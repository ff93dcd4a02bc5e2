/**
 * Every line logged about a consumed event — by its handler, by the consumer's retries and DLQ,
 * by a retrier's replay — names the event's store and correlation id, without the handler
 * passing them (docs/runbook.md: following one order across services).
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  PermanentError,
  RateLimitedError,
  RetriableError,
  connectMongo,
  createMetricsRegistry,
  type Logger,
} from '@msync/platform';
import {
  capturingLogger,
  infra,
  uniqueName,
  uniqueNamespace,
  withContext,
} from '@msync/test-support';
import { physicalTopic } from './catalog.js';
import { createEventConsumer, type ConsumedEventOf } from './consumer.js';
import { envelope } from './envelope.js';
import { createMongoParkedEventStore } from './parked-store.js';
import { drainParked } from './set-aside.js';
import { eventsHarness, eventually, type EventsHarness } from './test-support/harness.js';
import { sampleEvents } from './test-support/samples.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function harness(): Promise<EventsHarness> {
  const env = infra();
  const h = await eventsHarness({
    brokers: env.KAFKA_BROKERS,
    registryUrl: env.SCHEMA_REGISTRY_URL,
    namespace: uniqueNamespace(),
    logger: capturingLogger('warn').logger,
    topics: ['orderReadyToShip'],
  });
  cleanups.push(() => h.close());
  return h;
}

/** An order of `storeId` under a correlation id of its own. */
function order(storeId: string, orderId: string) {
  const sample = sampleEvents(storeId).orderReadyToShip;
  return {
    ...sample,
    envelope: { ...sample.envelope, eventId: randomUUID(), correlationId: randomUUID() },
    orderId,
  };
}

type Line = Record<string, unknown>;
const parsed = (lines: string[]): Line[] => lines.map((l) => JSON.parse(l) as Line);

/** The handler a service would write: it logs with no ids of its own. */
function loggingHandler(logger: Logger, behave: (orderId: string, attempt: number) => void) {
  const attempts = new Map<string, number>();
  return async (event: ConsumedEventOf<'orderReadyToShip'>): Promise<void> => {
    await Promise.resolve(); // the context must survive awaits
    const attempt = (attempts.get(event.value.orderId) ?? 0) + 1;
    attempts.set(event.value.orderId, attempt);
    logger.info('applying', { orderId: event.value.orderId });
    behave(event.value.orderId, attempt);
  };
}

describe('log context of consumed events', () => {
  it('puts the store and correlation id on the handler’s, the retries’ and the DLQ’s lines', async () => {
    const h = await harness();
    const { logger, lines } = capturingLogger('debug');
    const metrics = createMetricsRegistry('test');
    const published: string[] = [];
    const handle = loggingHandler(logger, (orderId, attempt) => {
      if (orderId === 'RETRIED' && attempt === 1)
        throw new RetriableError('ShipBob answered 503', { reason: 'shipbob-unavailable' });
      if (orderId === 'PACED' && attempt === 1)
        throw new RateLimitedError('OR21 may be called once a minute', 30, {
          reason: 'call-frequency',
        });
      if (orderId === 'REFUSED') throw new PermanentError('unknown SKU', { reason: 'unknown-sku' });
      // What a handler publishes inherits the correlation id unless it names one.
      published.push(
        envelope({ storeId: 'x', idempotencyKey: orderId, source: 'test', occurredAt: 0 })
          .correlationId,
      );
    });
    const consumer = createEventConsumer({
      kafka: h.kafka,
      codec: h.codec,
      logger,
      groupId: uniqueName('group'),
      topics: ['orderReadyToShip'],
      handle,
      dlqProducer: h.publisher.producer,
      namespace: h.namespace,
      metrics,
      retry: { initialDelayMs: 20, maxDelayMs: 50 },
    });
    cleanups.push(() => consumer.stop());
    await consumer.start();

    const retried = order('store-a', 'RETRIED');
    const refused = order('store-b', 'REFUSED');
    const paced = order('store-c', 'PACED');
    await h.publisher.publish('orderReadyToShip', [retried, refused, paced]);
    await eventually(async () => {
      const metric = await metrics.getSingleMetric('events_consumed_total')?.get();
      const total = (metric?.values ?? [])
        .filter((v) => v.labels['outcome'] === 'handled')
        .reduce((sum, v) => sum + v.value, 0);
      const dead = await metrics.getSingleMetric('events_dead_lettered_total')?.get();
      return total >= 2 && (dead?.values ?? []).some((v) => v.value === 1);
    }, 'two events handled after a retry, one dead-lettered');

    const all = parsed(lines);
    const about = (msg: string, orderId?: string) =>
      all.filter((l) => l['msg'] === msg && (orderId === undefined || l['orderId'] === orderId));
    const expectations: [string, Line[], ReturnType<typeof order>][] = [
      ['handler of RETRIED', about('applying', 'RETRIED'), retried],
      ['retry of RETRIED', about('handler failed; will retry without committing'), retried],
      [
        'wait of PACED',
        about('handler waits for a rate limit; will retry without committing'),
        paced,
      ],
      ['handler of REFUSED', about('applying', 'REFUSED'), refused],
      ['DLQ of REFUSED', about('message dead-lettered'), refused],
    ];
    for (const [what, found, event] of expectations)
      withContext(what, () => {
        expect(found.length).toBeGreaterThan(0);
        for (const line of found)
          expect(line).toMatchObject({
            storeId: event.envelope.storeId,
            correlationId: event.envelope.correlationId,
            eventId: event.envelope.eventId,
          });
      });
    expect(about('applying', 'RETRIED')).toHaveLength(2);
    expect(about('applying', 'PACED')).toHaveLength(2);
    // A failure warns; a rate limit's wait is told at info, no warning (it is pacing).
    expect(about('handler failed; will retry without committing')).toEqual([
      expect.objectContaining({ level: 'warn', reason: 'shipbob-unavailable' }),
    ]);
    expect(about('handler waits for a rate limit; will retry without committing')).toEqual([
      expect.objectContaining({ level: 'info', reason: 'call-frequency' }),
    ]);
    expect(published.sort()).toEqual(
      [retried.envelope.correlationId, paced.envelope.correlationId].sort(),
    );
    // Lines about no event carry no event's ids.
    expect(about('consuming')[0]).not.toHaveProperty('correlationId');
  });

  it('puts them on the lines of set-aside events replayed by a retrier, whatever the lane', async () => {
    const h = await harness();
    const env = infra();
    const mongo = await connectMongo(env.MONGO_URL, {
      dbName: uniqueName('events').replace(/-/g, '_'),
      appName: 'test',
    });
    cleanups.push(async () => {
      await mongo.db.dropDatabase();
      await mongo.close();
    });
    const store = await createMongoParkedEventStore(mongo.db);
    const groupId = uniqueName('group');
    // A lane per effect (as the applier's waiting lanes): its key is not the store.
    const lane = 'store-c:order:PARKED';
    const events = [order('store-c', 'PARKED'), order('store-c', 'REFUSED')];
    for (const [i, event] of events.entries())
      await store.park({
        groupId,
        key: lane,
        topic: physicalTopic('orderReadyToShip', h.namespace),
        partition: 0,
        offset: String(i),
        value: await h.codec.encode('orderReadyToShip', event),
        headers: {
          'event-id': event.envelope.eventId,
          'correlation-id': event.envelope.correlationId,
        },
        reason: 'shipbob-unavailable',
        attempts: 1,
        nextAttemptAt: new Date(),
      });

    const { logger, lines } = capturingLogger('debug');
    const result = await drainParked({
      store,
      codec: h.codec,
      groupId,
      key: lane,
      topics: ['orderReadyToShip'],
      namespace: h.namespace,
      handle: loggingHandler(logger, (orderId) => {
        if (orderId === 'REFUSED') throw new PermanentError('unknown SKU');
      }),
      deadLetter: async () => logger.error('dead-lettered'),
      now: () => new Date(Date.now() + 60_000),
    });

    expect(result).toMatchObject({ outcome: 'drained', replayed: 1, deadLettered: 1 });
    const ids = (event: ReturnType<typeof order>) => ({
      storeId: 'store-c',
      correlationId: event.envelope.correlationId,
      eventId: event.envelope.eventId,
    });
    expect(parsed(lines)).toEqual([
      expect.objectContaining({ msg: 'applying', orderId: 'PARKED', ...ids(events[0]!) }),
      expect.objectContaining({ msg: 'applying', orderId: 'REFUSED', ...ids(events[1]!) }),
      expect.objectContaining({ msg: 'dead-lettered', ...ids(events[1]!) }),
    ]);
  });
});
