import { MongoServerError, type Collection, type Db } from 'mongodb';
import { RetriableError, errorMessage } from '@msync/platform';
import type { Action, LedgerEntry } from '../domain/decision.js';

interface EffectDocument {
  storeId: string;
  effectKey: string;
  action: Action;
  status: 'claimed' | 'done' | 'voided';
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
  /**
   * Voids an effect nobody claimed yet, so it is never made (a later claim fails); answers the
   * entry as it now is: voided, or what was there first.
   */
  voidUnlessClaimed(
    storeId: string,
    effectKey: string,
    details: { action: Action; factKey: string },
  ): Promise<LedgerEntry>;
  /** Voids an effect that is claimed but was not made; answers the entry as it now is. */
  voidClaim(storeId: string, effectKey: string): Promise<LedgerEntry | null>;
  /** Drops done and voided effects older than `before`; returns how many. */
  pruneDoneBefore(before: Date): Promise<number>;
}

export const EFFECTS_COLLECTION = 'effects';
const DUPLICATE_KEY = 11000;

/**
 * The ledger on MongoDB or FerretDB. The unique index on (storeId, effectKey) makes the claim an
 * insert, the one compare-and-set FerretDB really has (ADR 0012); no transactions. Every database
 * failure is retriable: the fact is parked and tried again, never acknowledged half done.
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
  const read = (storeId: string, effectKey: string) =>
    mongoCall('read an effect', async (): Promise<LedgerEntry | null> => {
      const doc = await effects.findOne({ storeId, effectKey });
      if (!doc) return null;
      if (doc.status === 'claimed') return { status: 'claimed' };
      if (doc.status === 'voided') return { status: 'voided' };
      return {
        status: 'done',
        externalIds: doc.externalIds ?? {},
        outcomeRecorded: doc.outcomeRecorded ?? false,
      };
    });
  return {
    read,
    claim: (storeId, effectKey, details) =>
      mongoCall('claim an effect', async () => {
        try {
          await effects.insertOne({
            storeId,
            effectKey,
            action: details.action,
            factKey: details.factKey,
            status: 'claimed',
            claimedAt: new Date(),
          });
          return true;
        } catch (error) {
          if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) return false;
          throw error;
        }
      }),
    markDone: (storeId, effectKey, externalIds) =>
      mongoCall('mark an effect done', async () => {
        await effects.updateOne(
          { storeId, effectKey },
          { $set: { status: 'done', doneAt: new Date(), externalIds, outcomeRecorded: false } },
        );
      }),
    markOutcomeRecorded: (storeId, effectKey) =>
      mongoCall('mark an outcome recorded', async () => {
        await effects.updateOne({ storeId, effectKey }, { $set: { outcomeRecorded: true } });
      }),
    voidUnlessClaimed: async (storeId, effectKey, details) => {
      await mongoCall('void an effect', async () => {
        try {
          const at = new Date();
          // An insert, like a claim: of a void and a claim racing, exactly one wins.
          await effects.insertOne({
            storeId,
            effectKey,
            action: details.action,
            factKey: details.factKey,
            status: 'voided',
            claimedAt: at,
            doneAt: at,
          });
        } catch (error) {
          if (!(error instanceof MongoServerError && error.code === DUPLICATE_KEY)) throw error;
        }
      });
      const entry = await read(storeId, effectKey);
      if (!entry)
        throw new RetriableError(`effect ${effectKey} vanished`, { reason: 'mongo-unavailable' });
      return entry;
    },
    voidClaim: async (storeId, effectKey) => {
      await mongoCall('void a claimed effect', () =>
        effects.updateOne(
          { storeId, effectKey, status: 'claimed' },
          { $set: { status: 'voided', doneAt: new Date() } },
        ),
      );
      return read(storeId, effectKey);
    },
    pruneDoneBefore: (before) =>
      mongoCall('prune done effects', async () => {
        const result = await effects.deleteMany({
          status: { $in: ['done', 'voided'] },
          doneAt: { $lt: before },
        });
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
