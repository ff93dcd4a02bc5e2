/**
 * One measured run in its own process, so CPU time and peak RSS belong to that variant alone.
 * Takes its job as a JSON argument, prints one JSON result line on stdout.
 */
import { randomBytes } from 'node:crypto';
import { Kafka, Partitioners, logLevel, type Message } from 'kafkajs';
import {
  EventCodec,
  RegistryClient,
  createEventConsumer,
  createKafka,
  createPublisher,
  physicalTopic,
} from '@msync/events';
import { createLogger } from '@msync/platform';
import { benchEvents } from './messages.js';

export type Variant =
  'publisher' | 'raw-producer' | 'consumer' | 'raw-each-message' | 'raw-each-batch';

export interface Job {
  variant: Variant;
  brokers: string[];
  registryUrl: string;
  namespace: string;
  count: number;
  batchSize: number;
}

export interface RunResult {
  variant: Variant;
  messages: number;
  seconds: number;
  cpuSeconds: number;
  peakRssMb: number;
}

const TOPIC_KEY = 'orderReadyToShip';

/** Measures `work` (wall clock and this process's CPU time). */
async function measure(
  work: () => Promise<number>,
): Promise<Omit<RunResult, 'variant' | 'peakRssMb'>> {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const messages = await work();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  return { messages, seconds, cpuSeconds: (used.user + used.system) / 1e6 };
}

/** Resolves when `count` messages were seen; the clock starts at the first one. */
function counter(count: number) {
  let seen = 0;
  let cpu: NodeJS.CpuUsage | undefined;
  let started = 0n;
  let done: (r: Omit<RunResult, 'variant' | 'peakRssMb'>) => void = () => undefined;
  const finished = new Promise<Omit<RunResult, 'variant' | 'peakRssMb'>>((r) => (done = r));
  const see = () => {
    if (seen === 0) {
      cpu = process.cpuUsage();
      started = process.hrtime.bigint();
    }
    if (++seen === count) {
      const used = process.cpuUsage(cpu);
      done({
        messages: seen,
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
        cpuSeconds: (used.user + used.system) / 1e6,
      });
    }
  };
  return { see, finished };
}

async function run(job: Job): Promise<Omit<RunResult, 'variant' | 'peakRssMb'>> {
  const logger = createLogger({
    level: 'error',
    write: (line) => process.stderr.write(`${line}\n`),
  });
  const kafka = createKafka({ brokers: job.brokers, clientId: `bench-${job.variant}`, logger });
  const rawKafka = new Kafka({
    brokers: job.brokers,
    clientId: `bench-${job.variant}`,
    logLevel: logLevel.NOTHING,
  });
  const codec = new EventCodec(new RegistryClient(job.registryUrl), job.namespace);
  const topic = physicalTopic(TOPIC_KEY, job.namespace);
  const group = `bench-${job.variant}-${randomBytes(4).toString('hex')}`;

  switch (job.variant) {
    case 'publisher': {
      const events = benchEvents(job.count);
      const publisher = createPublisher({ kafka, codec, logger, namespace: job.namespace });
      await publisher.connect();
      await codec.schemaId(TOPIC_KEY); // registration is a one-off, not throughput
      const result = await measure(async () => {
        for (let i = 0; i < events.length; i += job.batchSize) {
          await publisher.publish(TOPIC_KEY, events.slice(i, i + job.batchSize));
        }
        return events.length;
      });
      await publisher.disconnect();
      return result;
    }
    case 'raw-producer': {
      // The same bytes, keys and headers the publisher sends, encoded before the clock starts.
      const events = benchEvents(job.count);
      const messages: Message[] = [];
      for (const event of events) {
        messages.push({
          key: event.envelope.storeId,
          value: await codec.encode(TOPIC_KEY, event),
          headers: {
            'event-id': event.envelope.eventId,
            'idempotency-key': event.envelope.idempotencyKey,
            'correlation-id': event.envelope.correlationId,
          },
        });
      }
      const producer = rawKafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();
      const result = await measure(async () => {
        for (let i = 0; i < messages.length; i += job.batchSize) {
          await producer.send({ topic, acks: -1, messages: messages.slice(i, i + job.batchSize) });
        }
        return messages.length;
      });
      await producer.disconnect();
      return result;
    }
    case 'consumer': {
      const { see, finished } = counter(job.count);
      const dlqProducer = kafka.producer();
      await dlqProducer.connect();
      const consumer = createEventConsumer({
        kafka,
        codec,
        logger,
        groupId: group,
        topics: [TOPIC_KEY],
        namespace: job.namespace,
        dlqProducer,
        handle: () => {
          see();
          return Promise.resolve();
        },
      });
      await consumer.start();
      const result = await finished;
      await consumer.stop();
      await dlqProducer.disconnect();
      return result;
    }
    case 'raw-each-message':
    case 'raw-each-batch': {
      const { see, finished } = counter(job.count);
      const consumer = rawKafka.consumer({ groupId: group });
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      if (job.variant === 'raw-each-message') {
        await consumer.run({
          partitionsConsumedConcurrently: 4,
          eachMessage: () => {
            see();
            return Promise.resolve();
          },
        });
      } else {
        await consumer.run({
          partitionsConsumedConcurrently: 4,
          eachBatch: ({ batch }) => {
            for (let i = 0; i < batch.messages.length; i++) see();
            return Promise.resolve();
          },
        });
      }
      const result = await finished;
      await consumer.disconnect();
      return result;
    }
  }
}

const job = JSON.parse(process.argv[2] ?? '{}') as Job;
const result = await run(job);
const output: RunResult = {
  variant: job.variant,
  ...result,
  peakRssMb: process.resourceUsage().maxRSS / 1024,
};
process.stdout.write(`${JSON.stringify(output)}\n`);
process.exit(0);
