#!/usr/bin/env node
/**
 * The product's streams from a terminal (see README.md):
 *   topics                                   every topic with message and dead-letter counts
 *   tail <topic> [--store S] [--order ID] [--sku SKU] [--follow]   decoded events as JSON lines
 *   dlq <topic> [--store S]                  dead letters with reason and payload preview
 *   dlq redrive <topic> [--store S] [--id ID]... [--dry-run]   dead letters back, each at most once
 *   replay --store S [--topic T] --from <time|offset> [--to …] (--dry-run | --confirm [--wait S])
 *   backfill --store S --stream orders|shipments|offers|returns --since <time> [--dry-run]
 *   backfill --store S --stream inventory [--dry-run]     a resync: current stock has no history
 * Connection: KAFKA_BROKERS, SCHEMA_REGISTRY_URL, TOPIC_NAMESPACE (as the services); MONGO_URL,
 * MONGO_DB for replay, redrive and backfill; ENCRYPTION_KEYS for a backfill dry run.
 */
import { parseArgs } from 'node:util';
import {
  EventCodec,
  RegistryClient,
  createKafka,
  createPublisher,
  topics,
  type TopicKey,
} from '@msync/events';
import {
  connectMongo,
  createLogger,
  createMongoCallGate,
  errorMessage,
  loadConfig,
  type MongoHandle,
} from '@msync/platform';
import { createSecretBox, createStoreCredentials } from '@msync/stores';
import { FACT_TOPICS, createEffectsLedgerReader, type FactTopic } from '@msync/sync-applier/replay';
import { configSchema } from './config.js';
import {
  backfillStream,
  countBackfill,
  describeCount,
  hasHistory,
  requestBackfill,
  sinceIgnoredNote,
} from './backfill.js';
import { stderrProgress } from './progress.js';
import { deadLetters, describeTopics, tailEvents } from './read.js';
import { redriveDeadLetters } from './redrive.js';
import {
  awaitOutcomes,
  parsePosition,
  previewReplay,
  replayFacts,
  type ReplaySelection,
} from './replay.js';

const USAGE = `usage: npm run -s stream -- <command>
  topics
  tail <topic> [--store S] [--order ID] [--sku SKU] [--follow] [--limit N] [--since ISO-8601]
  dlq <topic> [--store S] [--limit N] [--since ISO-8601]
  dlq redrive <topic> [--store S] [--id ID]... [--dry-run]
  replay --store S [--topic T] --from <ISO-8601|offset> [--to <ISO-8601|offset>] (--dry-run | --confirm [--wait SECONDS])
  backfill --store S --stream orders|shipments|offers|returns --since ISO-8601 [--dry-run]
  backfill --store S --stream inventory [--dry-run]      (current stock: a full re-read and push)
`;

class UsageError extends Error {}

function topicKey(arg: string | undefined): TopicKey {
  const key = (Object.keys(topics) as TopicKey[]).find((k) => k === arg || topics[k].name === arg);
  if (!key)
    throw new UsageError(
      `unknown topic ${arg ?? '(none)'}; one of: ${Object.keys(topics).join(', ')}`,
    );
  return key;
}

function factTopics(arg: string | undefined): FactTopic[] {
  if (arg === undefined) return [...FACT_TOPICS];
  const key = topicKey(arg);
  const fact = FACT_TOPICS.find((t) => t === key);
  if (!fact) throw new UsageError(`--topic: the applier acts on ${FACT_TOPICS.join(', ')}`);
  return [fact];
}

function required(value: string | undefined, option: string): string {
  return value || missing(option);
}

function missing(what: string): never {
  throw new UsageError(`${what} is required`);
}

function time(value: string | undefined, option: string): Date {
  const position = parsePosition(required(value, option), option);
  if (!('time' in position)) throw new UsageError(`${option}: a time (ISO-8601) is needed`);
  return position.time;
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      store: { type: 'string' },
      limit: { type: 'string' },
      since: { type: 'string' },
      order: { type: 'string' },
      sku: { type: 'string' },
      follow: { type: 'boolean' },
      id: { type: 'string', multiple: true },
      'dry-run': { type: 'boolean' },
      confirm: { type: 'boolean' },
      topic: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      stream: { type: 'string' },
      wait: { type: 'string' },
    },
  });
  const [command, ...rest] = positionals;
  const config = loadConfig(configSchema);
  const logger = createLogger({
    level: config.LOG_LEVEL,
    write: (l) => process.stderr.write(`${l}\n`),
  });
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'msync-stream', logger });
  const namespace = config.TOPIC_NAMESPACE;
  const codec = () => new EventCodec(new RegistryClient(config.SCHEMA_REGISTRY_URL), namespace);
  const filters = {
    kafka,
    namespace,
    ...(values.store ? { storeId: values.store } : {}),
    ...(values.limit ? { limit: Number(values.limit) } : {}),
    ...(values.since ? { since: time(values.since, '--since') } : {}),
  };
  const print = (entry: unknown) => process.stdout.write(`${JSON.stringify(entry)}\n`);
  let mongo: MongoHandle | undefined;
  const database = async () => {
    mongo ??= await connectMongo(required(config.MONGO_URL, 'MONGO_URL'), {
      dbName: config.MONGO_DB,
      appName: 'msync-stream',
    });
    return mongo.db;
  };
  const withPublisher = async <T>(
    work: (publisher: ReturnType<typeof createPublisher>) => Promise<T>,
  ) => {
    const publisher = createPublisher({ kafka, codec: codec(), logger, namespace });
    await publisher.connect();
    try {
      return await work(publisher);
    } finally {
      await publisher.disconnect();
    }
  };

  try {
    switch (command) {
      case 'topics':
        for (const row of await describeTopics(kafka, namespace)) {
          const n = (v: number) => (v < 0 ? 'missing' : String(v));
          process.stdout.write(
            `${row.name.padEnd(45)} ${n(row.messages).padStart(9)} messages  ${n(row.deadLetters).padStart(7)} dead letters\n`,
          );
        }
        return 0;

      case 'tail': {
        const stop = new AbortController();
        if (values.follow) {
          process.once('SIGINT', () => stop.abort());
          process.once('SIGTERM', () => stop.abort());
        }
        const count = await tailEvents(
          {
            ...filters,
            codec: codec(),
            topicKey: topicKey(rest[0]),
            filter: {
              ...(values.order ? { orderId: values.order } : {}),
              ...(values.sku ? { sku: values.sku } : {}),
            },
            ...(values.follow ? { follow: { signal: stop.signal } } : {}),
          },
          print,
        );
        process.stderr.write(`${count} events\n`);
        return 0;
      }

      case 'dlq': {
        if (rest[0] !== 'redrive') {
          const count = await deadLetters({ ...filters, topicKey: topicKey(rest[0]) }, print);
          process.stderr.write(`${count} dead letters\n`);
          return 0;
        }
        const dryRun = values['dry-run'] ?? false;
        const options = {
          kafka,
          db: await database(),
          namespace,
          topicKey: topicKey(rest[1]),
          dryRun,
          progress: stderrProgress('dead letters'),
          ...(values.store ? { storeId: values.store } : {}),
          ...(values.id ? { ids: values.id } : {}),
        };
        const counts = dryRun
          ? await redriveDeadLetters(options, print)
          : await withPublisher((p) =>
              redriveDeadLetters({ ...options, producer: p.producer }, print),
            );
        process.stderr.write(`${JSON.stringify(counts)}\n`);
        return counts['send-failed'] > 0 ? 1 : 0;
      }

      case 'replay': {
        const dryRun = values['dry-run'] ?? false;
        if (!dryRun && !values.confirm)
          throw new UsageError(
            'a live replay re-drives facts through the applier: run it with --dry-run first, then --confirm',
          );
        const selection: ReplaySelection = {
          kafka,
          codec: codec(),
          namespace,
          storeId: required(values.store, '--store'),
          topicKeys: factTopics(values.topic),
          from: parsePosition(required(values.from, '--from'), '--from'),
          ...(values.to ? { to: parsePosition(values.to, '--to') } : {}),
          progress: stderrProgress('facts read'),
        };
        if (dryRun) {
          const summary = await previewReplay(
            { ...selection, ledger: createEffectsLedgerReader(await database()) },
            (line) =>
              process.stdout.write(
                `${line.timestamp} ${line.topic}@${line.partition}:${line.offset} ${line.text}\n`,
              ),
          );
          process.stdout.write(`summary ${JSON.stringify(summary)}\n`);
          return 0;
        }
        const result = await withPublisher((p) =>
          replayFacts({ ...selection, producer: p.producer }),
        );
        process.stdout.write(
          `republished ${result.republished} facts for the applier (${result.undecodable} undecodable left out)\n`,
        );
        const waitSeconds = Number(values.wait ?? '0');
        if (waitSeconds <= 0) return 0;
        // The applier's verdicts on what was republished, as they come.
        const followed = await awaitOutcomes(
          {
            ...selection,
            eventIds: result.eventIds,
            since: result.startedAt,
            timeoutMs: waitSeconds * 1000,
          },
          (o) =>
            process.stdout.write(
              `${o.outcome} ${o.effectKey}${o.reason ? ` (${o.reason})` : ''}\n`,
            ),
        );
        process.stdout.write(`outcomes ${JSON.stringify(followed)}\n`);
        return followed.missing > 0 ? 1 : 0;
      }

      case 'backfill': {
        const storeId = required(values.store, '--store');
        const stream = backfillStream(values.stream);
        let since: Date | null = null;
        if (hasHistory(stream)) since = time(values.since, '--since');
        else if (values.since !== undefined) {
          time(values.since, '--since');
          process.stderr.write(`${sinceIgnoredNote(stream)}\n`);
        }
        if (values['dry-run']) {
          const db = await database();
          const count = await countBackfill({
            credentials: createStoreCredentials({
              db,
              secretBox: createSecretBox(
                config.ENCRYPTION_KEYS ?? missing("ENCRYPTION_KEYS (config-api's key ring)"),
              ),
            }),
            gate: createMongoCallGate({ db, collection: 'call_gate' }),
            db,
            storeId,
            stream,
            since,
            logger,
            miraklTrustedHosts: config.MIRAKL_TRUSTED_ORIGINS,
            ...(config.SHIPBOB_BASE_URL ? { shipbobBaseUrl: config.SHIPBOB_BASE_URL } : {}),
            exportPollIntervalMs: config.OF53_POLL_INTERVAL_MS,
            returnsLookbackMs: config.RETURNS_LOOKBACK_MS,
            onWait: (ms, operation) =>
              process.stderr.write(
                `waiting ${Math.ceil(ms / 1000)} s for the shop's next ${operation} slot (shared with the pollers)\n`,
              ),
          });
          process.stdout.write(`${describeCount(stream, count, since)}\n`);
          return 0;
        }
        const { eventId, reason } = await withPublisher((publisher) =>
          requestBackfill({ publisher, storeId, stream, since }),
        );
        process.stdout.write(
          since
            ? `backfill of ${stream} since ${since.toISOString()} requested (${eventId})\n`
            : `${reason} of ${stream} requested: a full read, every level pushed (${eventId})\n`,
        );
        return 0;
      }

      default:
        process.stderr.write(USAGE);
        return 2;
    }
  } finally {
    await mongo?.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${errorMessage(error)}\n`);
    if (error instanceof UsageError) process.stderr.write(USAGE);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
