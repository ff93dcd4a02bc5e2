/**
 * A consumer process for the crash test: its handler records each message it finished
 * (`<partition>:<offset>`, appended and fsynced) after a small random delay, like an effect
 * that takes time. Configured by one JSON argument; stops cleanly on SIGTERM.
 */
import { fsyncSync, openSync, writeSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { createLogger } from '@msync/platform';
import { createEventConsumer } from '../consumer.js';
import { createKafka } from '../kafka.js';
import { RegistryClient } from '../registry.js';
import { EventCodec } from '../codec.js';

interface CrashConsumerConfig {
  brokers: string[];
  registryUrl: string;
  namespace: string;
  groupId: string;
  handledLog: string;
  maxDelayMs: number;
  sessionTimeoutMs: number;
}

const config = JSON.parse(process.argv[2] ?? '{}') as CrashConsumerConfig;
const logger = createLogger({ level: 'error', write: (line) => process.stderr.write(`${line}\n`) });
const kafka = createKafka({ brokers: config.brokers, clientId: 'crash-consumer', logger });
const codec = new EventCodec(new RegistryClient(config.registryUrl), config.namespace);
const log = openSync(config.handledLog, 'a');
const dlqProducer = kafka.producer();
await dlqProducer.connect();

const consumer = createEventConsumer({
  kafka,
  codec,
  logger,
  groupId: config.groupId,
  topics: ['orderReadyToShip'],
  namespace: config.namespace,
  dlqProducer,
  // A killed member leaves the group after this; the next one waits for that to join.
  sessionTimeoutMs: config.sessionTimeoutMs,
  // Frequent commits, so a kill lands between many of them.
  commit: { intervalMs: 50, everyMessages: 25 },
  handle: async (event) => {
    await delay(Math.random() * config.maxDelayMs);
    writeSync(log, `${event.partition}:${event.offset}\n`);
    fsyncSync(log);
  },
});

process.once('SIGTERM', () => {
  void consumer
    .stop()
    .then(() => dlqProducer.disconnect())
    .then(() => process.exit(0));
});
await consumer.start();
process.stdout.write('consuming\n');
