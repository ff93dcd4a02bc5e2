import type { EventPosition } from '@msync/events';
import type { Db } from 'mongodb';

/** Where a poller last published a store's facts of a stream, and when (ADR 0169). */
export interface PublishedPosition {
  /** The position of the last fact of the store's last publish on the stream's topic. */
  position: EventPosition;
  /** When that publish was done (epoch ms). */
  publishedAt: number;
}

/** What a store's facts of a stream are told apart by: the system and stream that emit them. */
export interface PublishedStream {
  storeId: string;
  system: 'MIRAKL' | 'SHIPBOB';
  stream: string;
}

/**
 * Where each store's last facts of a stream landed, kept in the database so that another poller,
 * a restarted one, or another instance can ask how far the applier is behind them (ADR 0169: the
 * shipbob-poller's inventory read waits while the store's offers are not applied).
 */
export interface PublishedPositions {
  record(of: PublishedStream, last: PublishedPosition): Promise<void>;
  last(of: PublishedStream): Promise<PublishedPosition | null>;
}

/**
 * Shared by the pollers and the applier: the mirakl-poller writes its offers' positions, the
 * shipbob-poller (ADR 0169) and the applier (ADR 0180) read them.
 */
export const PUBLISHED_POSITIONS_COLLECTION = 'poll_published_positions';

interface PositionDoc {
  _id: string;
  topic: string;
  partition: number;
  offset: string;
  publishedAt: Date;
}

export function createPublishedPositions(
  db: Db,
  name: string = PUBLISHED_POSITIONS_COLLECTION,
): PublishedPositions {
  const positions = db.collection<PositionDoc>(name);
  const idOf = (of: PublishedStream) => `${of.storeId}|${of.system}|${of.stream}`;
  return {
    async record(of, { position, publishedAt }) {
      // A store's passes of one stream run one at a time (the poll lease): the last write is
      // the last publish.
      await positions.updateOne(
        { _id: idOf(of) },
        {
          $set: {
            topic: position.topic,
            partition: position.partition,
            offset: position.offset,
            publishedAt: new Date(publishedAt),
          },
        },
        { upsert: true },
      );
    },
    async last(of) {
      const doc = await positions.findOne({ _id: idOf(of) });
      if (!doc) return null;
      return {
        position: { topic: doc.topic, partition: doc.partition, offset: doc.offset },
        publishedAt: doc.publishedAt.getTime(),
      };
    },
  };
}
