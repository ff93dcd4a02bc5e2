import { Binary, MongoServerError, type Collection, type Db } from 'mongodb';
import { RetriableError, errorMessage } from '@msync/platform';
import type { ParkedEvent, ParkedEventStore, SetAsideEvent } from './set-aside.js';

interface ParkedDocument {
  /** `<groupId>|<topic>|<partition>|<offset>`: parking the same message twice hits this key. */
  _id: string;
  groupId: string;
  key: string;
  seq: number;
  topic: string;
  partition: number;
  offset: string;
  value: Binary | null;
  headers: Record<string, string>;
  reason: string;
  error?: string;
  attempts: number;
  parkedAt: Date;
  nextAttemptAt: Date;
}

const DUPLICATE_KEY = 11000;
const MAX_SEQ_RACES = 20;

const isDuplicateKey = (error: unknown) =>
  error instanceof MongoServerError && error.code === DUPLICATE_KEY;

/**
 * Parked events in MongoDB (FerretDB-compatible: no transactions, TTL, $lookup or $facet).
 * A lane is (groupId, key), ordered by `seq`: the next number after the lane's current last,
 * claimed by a unique index so two writers cannot take the same place. Grows with failures
 * only; entries leave when replayed, so no retention job is needed while retriers run.
 */
export async function createMongoParkedEventStore(
  db: Db,
  options: { collection?: string } = {},
): Promise<ParkedEventStore> {
  const collection: Collection<ParkedDocument> = db.collection(
    options.collection ?? 'parked_events',
  );
  await mongoCall('create the parked-events indexes', () =>
    collection.createIndex({ groupId: 1, key: 1, seq: 1 }, { unique: true }),
  );

  const documentOf = (event: SetAsideEvent, seq: number): ParkedDocument => ({
    _id: `${event.groupId}|${event.topic}|${event.partition}|${event.offset}`,
    groupId: event.groupId,
    key: event.key,
    seq,
    topic: event.topic,
    partition: event.partition,
    offset: event.offset,
    value: event.value ? new Binary(event.value) : null,
    headers: event.headers,
    reason: event.reason,
    ...(event.error === undefined ? {} : { error: event.error }),
    attempts: event.attempts,
    parkedAt: new Date(),
    nextAttemptAt: event.nextAttemptAt,
  });

  /** The lane's last place (0 when empty). */
  const lastSeq = async (groupId: string, key: string): Promise<number> =>
    (await collection.find({ groupId, key }).sort({ seq: -1 }).limit(1).next())?.seq ?? 0;

  const park = async (event: SetAsideEvent): Promise<void> => {
    for (let race = 0; race < MAX_SEQ_RACES; race++) {
      const doc = documentOf(event, (await lastSeq(event.groupId, event.key)) + 1);
      try {
        await collection.insertOne(doc);
        return;
      } catch (error) {
        if (!isDuplicateKey(error)) throw unavailable('park an event', error);
        // Either this message is parked already (a redelivery), or another writer took `seq`.
        if (await collection.countDocuments({ _id: doc._id }, { limit: 1 })) return;
      }
    }
    throw new RetriableError(
      `could not claim a place in lane ${event.key} after ${MAX_SEQ_RACES} tries`,
      {
        reason: 'park-contention',
      },
    );
  };

  /**
   * Events of one lane, in order, at the lane's end in one insert. When a place or a message is
   * taken already (another writer, a redelivery), the ordered insert stops there and the rest
   * are parked one by one, in order, as `park` does.
   */
  const parkMany = async (events: readonly SetAsideEvent[]): Promise<void> => {
    const [first] = events;
    if (!first) return;
    const start = (await lastSeq(first.groupId, first.key)) + 1;
    try {
      await collection.insertMany(
        events.map((event, index) => documentOf(event, start + index)),
        { ordered: true },
      );
    } catch (error) {
      if (!isDuplicateKey(error)) throw unavailable('park events', error);
      for (const event of events) await park(event);
    }
  };

  return {
    park: (event) => mongoCall('park an event', () => park(event)),
    parkMany: (events) => mongoCall('park events', () => parkMany(events)),
    hasParked: (groupId, key) =>
      mongoCall(
        'check a lane',
        async () => (await collection.countDocuments({ groupId, key }, { limit: 1 })) > 0,
      ),
    parkedKeys: (groupId) =>
      mongoCall('list parked lanes', async () =>
        (await collection.distinct('key', { groupId })).map(String),
      ),
    list: (groupId, key, limit) =>
      mongoCall('list a lane', async () => {
        const cursor = collection.find({ groupId, key }).sort({ seq: 1 });
        if (limit !== undefined) cursor.limit(Math.max(1, Math.floor(limit)));
        return (await cursor.toArray()).map(toParkedEvent);
      }),
    remove: (id) =>
      mongoCall('remove a replayed event', async () => {
        await collection.deleteOne({ _id: id });
      }),
    recordFailedAttempt: (id, failure) =>
      mongoCall('record a failed replay', async () => {
        await collection.updateOne(
          { _id: id },
          {
            $set: {
              reason: failure.reason,
              error: failure.error,
              nextAttemptAt: failure.nextAttemptAt,
            },
            $inc: { attempts: 1 },
          },
        );
      }),
  };
}

function toParkedEvent(doc: ParkedDocument): ParkedEvent {
  return {
    id: doc._id,
    seq: doc.seq,
    parkedAt: doc.parkedAt,
    groupId: doc.groupId,
    key: doc.key,
    topic: doc.topic,
    partition: doc.partition,
    offset: doc.offset,
    value: doc.value ? Buffer.from(doc.value.buffer) : null,
    headers: doc.headers,
    reason: doc.reason,
    ...(doc.error === undefined ? {} : { error: doc.error }),
    attempts: doc.attempts,
    nextAttemptAt: doc.nextAttemptAt,
  };
}

function unavailable(what: string, error: unknown): Error {
  if (error instanceof RetriableError) return error;
  return new RetriableError(`cannot ${what} in MongoDB: ${errorMessage(error)}`, {
    cause: error,
    reason: 'mongo-unavailable',
  });
}

/** Every store failure is retriable: the consumer keeps the message until it is stored. */
async function mongoCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw unavailable(what, error);
  }
}
