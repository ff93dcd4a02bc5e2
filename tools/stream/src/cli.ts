#!/usr/bin/env node
/**
 * Looks at the product's streams without touching them (no consumer group commits):
 *   topics                      every topic of the catalog with message and dead-letter counts
 *   tail <topic> [--store S] [--limit N] [--since ISO]   decoded events as JSON lines
 *   dlq <topic> [--store S] [--limit N] [--since ISO]    dead letters with reason and payload preview
 * <topic> is a catalog key (e.g. orderReadyToShip) or a topic name (mirakl.order.ready-to-ship.v1).
 * Connection: KAFKA_BROKERS, SCHEMA_REGISTRY_URL, TOPIC_NAMESPACE (as the services).
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import {
  EventCodec,
  RegistryClient,
  createKafka,
  eventBackboneEnv,
  topics,
  type TopicKey,
} from '@msync/events';
import { createLogger, errorMessage, loadConfig } from '@msync/platform';
import { deadLetters, describeTopics, tailEvents } from './read.js';

function topicKey(arg: string | undefined): TopicKey {
  const key = (Object.keys(topics) as TopicKey[]).find((k) => k === arg || topics[k].name === arg);
  if (!key)
    throw new Error(`unknown topic ${arg ?? '(none)'}; one of: ${Object.keys(topics).join(', ')}`);
  return key;
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { store: { type: 'string' }, limit: { type: 'string' }, since: { type: 'string' } },
  });
  const [command, topicArg] = positionals;
  const config = loadConfig(
    eventBackboneEnv.extend({
      LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('error'),
    }),
  );
  const logger = createLogger({
    level: config.LOG_LEVEL,
    write: (l) => process.stderr.write(`${l}\n`),
  });
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'msync-stream', logger });
  const filters = {
    kafka,
    namespace: config.TOPIC_NAMESPACE,
    ...(values.store ? { storeId: values.store } : {}),
    ...(values.limit ? { limit: Number(values.limit) } : {}),
    ...(values.since ? { since: new Date(values.since) } : {}),
  };
  const print = (entry: unknown) => process.stdout.write(`${JSON.stringify(entry)}\n`);
  switch (command) {
    case 'topics':
      for (const row of await describeTopics(kafka, config.TOPIC_NAMESPACE)) {
        const n = (v: number) => (v < 0 ? 'missing' : String(v));
        process.stdout.write(
          `${row.name.padEnd(45)} ${n(row.messages).padStart(9)} messages  ${n(row.deadLetters).padStart(7)} dead letters\n`,
        );
      }
      return 0;
    case 'tail': {
      const codec = new EventCodec(
        new RegistryClient(config.SCHEMA_REGISTRY_URL),
        config.TOPIC_NAMESPACE,
      );
      const count = await tailEvents({ ...filters, codec, topicKey: topicKey(topicArg) }, print);
      process.stderr.write(`${count} events\n`);
      return 0;
    }
    case 'dlq': {
      const count = await deadLetters({ ...filters, topicKey: topicKey(topicArg) }, print);
      process.stderr.write(`${count} dead letters\n`);
      return 0;
    }
    default:
      process.stderr.write(
        'usage: stream topics | tail <topic> | dlq <topic> [--store S] [--limit N] [--since ISO-8601]\n',
      );
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${errorMessage(error)}\n`);
    process.exit(1);
  },
);
