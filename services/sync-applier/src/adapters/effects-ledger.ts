import { MongoServerError, type Collection, type Db } from 'mongodb';
import { RetriableError, errorMessage } from '@msync/platform';
import type { Action, LedgerEntry } from '../domain/decision.js';

interface EffectDocument {
  /** `<storeId>|<effectKey>` ({@link effectId}); entries of older versions have an ObjectId. */
  _id: string;
  storeId: string;
  effectKey: string;
  action: Action;
  status: 'claimed' | 'done';
  /** The fact that claimed the effect. */
  factKey: string;
  claimedAt: Date;
  doneAt?: Date;
  externalIds?: Record<string, string>;
  outcomeRecorded?: boolean;
}

/** The effects ledger (design §4): claim before calling out, mark done after. */
export interface EffectsLedger {
  read(storeId: string, effectKey: string): Promise<LedgerEntry | null>;
  /** Claims the effect; false when it was claimed already (by an earlier run or another instance). */
  claim(
    storeId: string,
    effectKey: string,
    details: { action: Action; factKey: string },
  ): Promise<boolean>;
  markDone(storeId: string, effectKey: string, externalIds: Record<string, string>): Promise<void>;
  markOutcomeRecorded(storeId: string, effectKey: string): Promise<void>;
  /** Drops done effects older than `before`; returns how many. */
  pruneDoneBefore(before: Date): Promise<number>;
}

export const EFFECTS_COLLECTION = 'effects';
const DUPLICATE_KEY = 11000;

/**
 * The `_id` of an effect's entry. FerretDB answers a lookup by `_id` from its primary key but
 * scans the whole collection for any other filter, so every read and update of an effect goes
 * by `_id` (store ids are UUIDs: the first `|` separates).
 */
export const effectId = (storeId: string, effectKey: string): string => `${storeId}|${effectKey}`;

/**
 * The ledger on MongoDB or FerretDB. The claim is an insert under the effect's `_id` (and the
 * unique index on (storeId, effectKey)), the one compare-and-set FerretDB really has (ADR 0012);
 * no transactions. Every database failure is retriable: the fact is parked and tried again,
 * never acknowledged half done.
 *
 * Entries written before effects had their `_id` carry an ObjectId: while the collection holds
 * any (seen at start, or met when a claim collides with one an older instance wrote), effects
 * are looked up by their fields instead, which finds both kinds.
 */
export async function createEffectsLedger(db: Db): Promise<EffectsLedger> {
  const effects: Collection<EffectDocument> = db.collection(EFFECTS_COLLECTION);
  await mongoCall('create the effects index', () =>
    effects.createIndex(
      { storeId: 1, effectKey: 1 },
      { unique: true, name: 'store_effect_unique' },
    ),
  );
  await mongoCall('create the effects retention index', () =>
    effects.createIndex({ status: 1, doneAt: 1 }, { name: 'status_done_at' }),
  );
  let byFields = await mongoCall(
    'look for effects without a composite id',
    async () => (await effects.findOne({ _id: { $type: 'objectId' } })) !== null,
  );
  const entry = (storeId: string, effectKey: string) =>
    byFields ? { storeId, effectKey } : { _id: effectId(storeId, effectKey) };
  return {
    read: (storeId, effectKey) =>
      mongoCall('read an effect', async () => {
        const doc = await effects.findOne(entry(storeId, effectKey));
        if (!doc) return null;
        if (doc.status === 'claimed') return { status: 'claimed' };
        return {
          status: 'done',
          externalIds: doc.externalIds ?? {},
          outcomeRecorded: doc.outcomeRecorded ?? false,
        };
      }),
    claim: (storeId, effectKey, details) =>
      mongoCall('claim an effect', async () => {
        try {
          await effects.insertOne({
            _id: effectId(storeId, effectKey),
            storeId,
            effectKey,
            action: details.action,
            factKey: details.factKey,
            status: 'claimed',
            claimedAt: new Date(),
          });
          return true;
        } catch (error) {
          if (!(error instanceof MongoServerError) || error.code !== DUPLICATE_KEY) throw error;
          // Claimed under its id, or an older instance's entry holds (storeId, effectKey).
          if (!byFields && !(await effects.findOne({ _id: effectId(storeId, effectKey) })))
            byFields = true;
          return false;
        }
      }),
    markDone: (storeId, effectKey, externalIds) =>
      mongoCall('mark an effect done', async () => {
        await effects.updateOne(entry(storeId, effectKey), {
          $set: { status: 'done', doneAt: new Date(), externalIds, outcomeRecorded: false },
        });
      }),
    markOutcomeRecorded: (storeId, effectKey) =>
      mongoCall('mark an outcome recorded', async () => {
        await effects.updateOne(entry(storeId, effectKey), { $set: { outcomeRecorded: true } });
      }),
    pruneDoneBefore: (before) =>
      mongoCall('prune done effects', async () => {
        const result = await effects.deleteMany({ status: 'done', doneAt: { $lt: before } });
        return result.deletedCount;
      }),
  };
}

async function mongoCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof RetriableError) throw error;
    throw new RetriableError(`cannot ${what} in MongoDB: ${errorMessage(error)}`, {
      cause: error,
      reason: 'mongo-unavailable',
    });
  }
}
