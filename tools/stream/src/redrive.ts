import { MongoServerError, type Collection, type Db } from 'mongodb';
import type { IHeaders, Kafka, Producer } from 'kafkajs';
import { dlqTopicName, physicalTopic, type TopicKey } from '@msync/events';
import { errorMessage } from '@msync/platform';
import type { Progress } from './progress.js';
import { readTopic } from './read.js';

/** Where redrives are remembered: one document per dead letter ever sent back. */
export const REDRIVES_COLLECTION = 'dlq_redrives';
const DUPLICATE_KEY = 11000;

/** A dead letter's id: its place on the DLQ, `<dlq topic>:<partition>:<offset>`. */
export const deadLetterId = (dlqTopic: string, partition: number, offset: string) =>
  `${dlqTopic}:${partition}:${offset}`;

interface RedriveDocument {
  _id: string;
  sourceTopic: string;
  storeId: string | null;
  /** Why it was dead-lettered (`dlq-reason`, `dlq-error`, `dlq-failed-at`): kept for history. */
  reason: string;
  error: string;
  failedAt: string | null;
  status: 'claimed' | 'sent' | 'send-failed';
  claimedAt: Date;
  sentAt?: Date;
  sendError?: string;
}

export interface RedriveLine {
  id: string;
  key: string | null;
  reason: string;
  /** `would-redrive`, `redriven`, `already-redriven` (with when), `send-failed`. */
  status: 'would-redrive' | 'redriven' | 'already-redriven' | 'send-failed';
  detail: string;
}

export interface RedriveOptions {
  kafka: Kafka;
  db: Db;
  namespace: string;
  topicKey: TopicKey;
  storeId?: string;
  /** Only these dead letters (ids as printed by `dlq` and by the dry run). */
  ids?: readonly string[];
  /** Say what would be sent, send nothing, write nothing. */
  dryRun: boolean;
  producer?: Producer;
  progress?: Progress;
}

const header = (headers: IHeaders | undefined, name: string): string => {
  const value = headers?.[name];
  if (value === undefined) return '';
  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
};

/**
 * Sends dead letters back to the topic they came from, each at most once: a redrive record
 * keyed by the dead letter's id is inserted before sending (an insert under a fixed `_id`, the
 * compare-and-set MongoDB and FerretDB both have), so a second run, or two at once, skip it.
 * The dead letter stays on the DLQ; the record and the resent message's `redrive-*` headers
 * keep why it failed.
 */
export async function redriveDeadLetters(
  options: RedriveOptions,
  print: (line: RedriveLine) => void,
): Promise<Record<RedriveLine['status'], number>> {
  const redrives: Collection<RedriveDocument> = options.db.collection(REDRIVES_COLLECTION);
  const source = physicalTopic(options.topicKey, options.namespace);
  const dlq = dlqTopicName(source);
  const wanted = options.ids ? new Set(options.ids) : undefined;
  const counts = { 'would-redrive': 0, redriven: 0, 'already-redriven': 0, 'send-failed': 0 };
  if (!options.dryRun && !options.producer) throw new Error('a live redrive needs a producer');

  await readTopic(
    {
      kafka: options.kafka,
      topic: dlq,
      ...(options.storeId ? { storeId: options.storeId } : {}),
    },
    async (message, partition) => {
      const id = deadLetterId(dlq, partition, message.offset);
      if (wanted && !wanted.has(id)) return;
      const key = message.key?.toString('utf8') ?? null;
      const reason = header(message.headers, 'dlq-reason');
      const line = (status: RedriveLine['status'], detail: string) => {
        counts[status]++;
        print({ id, key, reason, status, detail });
        options.progress?.tick();
      };
      const earlier = await redrives.findOne({ _id: id });
      if (earlier) {
        line('already-redriven', `${earlier.status} ${earlier.claimedAt.toISOString()}`);
        return;
      }
      const target = header(message.headers, 'dlq-source-topic') || source;
      if (options.dryRun) {
        line('would-redrive', `to ${target}`);
        return;
      }
      try {
        await redrives.insertOne({
          _id: id,
          sourceTopic: target,
          storeId: key,
          reason,
          error: header(message.headers, 'dlq-error'),
          failedAt: header(message.headers, 'dlq-failed-at') || null,
          status: 'claimed',
          claimedAt: new Date(),
        });
      } catch (error) {
        if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) {
          line('already-redriven', 'claimed meanwhile by another run');
          return;
        }
        throw error;
      }
      const headers: IHeaders = { ...message.headers };
      for (const name of Object.keys(headers)) if (name.startsWith('dlq-')) delete headers[name];
      try {
        await options.producer!.send({
          topic: target,
          acks: -1,
          messages: [
            {
              key: message.key,
              value: message.value,
              headers: {
                ...headers,
                'redrive-of': id,
                'redrive-prior-reason': reason,
                'redrive-prior-failed-at': header(message.headers, 'dlq-failed-at'),
              },
            },
          ],
        });
      } catch (error) {
        // Sent or not, it is never sent again by a redrive: at most once, and said so.
        await redrives.updateOne(
          { _id: id },
          { $set: { status: 'send-failed', sendError: errorMessage(error) } },
        );
        line('send-failed', errorMessage(error));
        return;
      }
      await redrives.updateOne({ _id: id }, { $set: { status: 'sent', sentAt: new Date() } });
      line('redriven', `to ${target}`);
    },
  );
  options.progress?.done();
  return counts;
}
