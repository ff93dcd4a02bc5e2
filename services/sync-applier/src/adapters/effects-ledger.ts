import { MongoServerError, type Collection, type Db } from 'mongodb';
import { RetriableError, errorMessage } from '@msync/platform';
import type { Action, LedgerEntry } from '../domain/decision.js';
import type { LedgerRecord } from '../domain/preview.js';

interface EffectDocument {
  /** {@link effectId}: every lookup is by `_id`, the one key FerretDB finds without a scan. */
  _id: string;
  storeId: string;
  effectKey: string;
  action: Action;
  status: 'claimed' | 'done' | 'voided';
  /** The fact that claimed the effect. */
  factKey: string;
  claimedAt: Date;
  doneAt?: Date;
  externalIds?: Record<string, string>;
  /** What a claimed effect has reached at the vendor so far (e.g. the import Mirakl accepted). */
  progress?: Record<string, string>;
  outcomeRecorded?: boolean;
}

/** The effects ledger (design §4): claim before calling out, mark done after. */
export interface EffectsLedger {
  read(storeId: string, effectKey: string): Promise<LedgerEntry | null>;
  /** The entries of many effects of one store in one query; an effect without one is absent. */
  /**
   * The entries of many effects of the store, in one query: those of `action` only when given
   * (ADR 0165: FerretDB reads every entry of the collection for an `$in` on `_id`, but only the
   * store's entries of that action when the query names both).
   */
  readMany(
    storeId: string,
    effectKeys: readonly string[],
    action?: Action,
  ): Promise<Map<string, LedgerEntry>>;
  /** Claims the effect; false when it was claimed already (by an earlier run or another instance). */
  claim(
    storeId: string,
    effectKey: string,
    details: { action: Action; factKey: string },
  ): Promise<boolean>;
  /**
   * Keeps on a claimed effect what it reached at the vendor (ids a resumed run follows instead of
   * calling again); nothing changes once the effect is done or voided.
   */
  noteProgress(storeId: string, effectKey: string, progress: Record<string, string>): Promise<void>;
  /**
   * Marks a claimed effect done with its vendor ids. `outcomeRecorded`: its outcomes were already
   * published (a flow that publishes them before, and publishes them again if it ends before this
   * write); otherwise `markOutcomeRecorded` follows once they are.
   */
  markDone(
    storeId: string,
    effectKey: string,
    externalIds: Record<string, string>,
    options?: { outcomeRecorded?: boolean },
  ): Promise<void>;
  /**
   * Records an effect as done, its outcome recorded, without a claim: for an end reached without
   * a vendor call that a replay must find again. An entry already there stays as it is.
   */
  recordDone(
    storeId: string,
    effectKey: string,
    details: { action: Action; factKey: string },
    externalIds: Record<string, string>,
  ): Promise<void>;
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

/** The `_id` of an effect's entry: the store and the effect key, which are unique together. */
export const effectId = (storeId: string, effectKey: string) => `${storeId}|${effectKey}`;

/**
 * The ledger on MongoDB or FerretDB. The claim is an insert under the effect's deterministic
 * `_id`, the one compare-and-set FerretDB really has (ADR 0012); no transactions. Entries are read
 * and updated by `_id` only: FerretDB 1.24 on SQLite answers any other filter by reading the
 * whole collection, however it is indexed, and this one grows with every order (ADR 0059).
 * Entries written before they were keyed so (an ObjectId `_id`) are still found by their fields,
 * and only while such entries exist. Every database failure is retriable: the fact is parked and
 * tried again, never acknowledged half done.
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
  // Entries keyed by an ObjectId come from before ADR 0059; one look at start says if any is left.
  let legacy = await mongoCall('look for entries without a key id', async () =>
    Boolean(await effects.findOne({ _id: { $type: 'objectId' } } as never)),
  );
  /** The entry's filter: its `_id`, or for a legacy entry its fields. */
  const locate = async (storeId: string, effectKey: string) => {
    const _id = effectId(storeId, effectKey);
    if (!legacy) return { _id };
    const old = await effects.findOne({ storeId, effectKey, _id: { $ne: _id } });
    return old ? { _id: old._id } : { _id };
  };
  /** The fields every entry starts with: its key id, store, effect and the fact that made it. */
  const keyed = (
    storeId: string,
    effectKey: string,
    details: { action: Action; factKey: string },
  ) => ({
    _id: effectId(storeId, effectKey),
    storeId,
    effectKey,
    action: details.action,
    factKey: details.factKey,
  });
  /** Inserts an entry under its key id: the one compare-and-set; false when one was there. */
  const insertFirst = async (doc: EffectDocument): Promise<boolean> => {
    try {
      await effects.insertOne(doc);
      return true;
    } catch (error) {
      if (!(error instanceof MongoServerError && error.code === DUPLICATE_KEY)) throw error;
      return false;
    }
  };
  const read = (storeId: string, effectKey: string) =>
    mongoCall('read an effect', async (): Promise<LedgerEntry | null> => {
      let doc = await effects.findOne({ _id: effectId(storeId, effectKey) });
      if (!doc && legacy) doc = await effects.findOne({ storeId, effectKey });
      return doc ? entryOf(doc) : null;
    });
  const readMany = (storeId: string, effectKeys: readonly string[], action?: Action) =>
    mongoCall('read effects', async (): Promise<Map<string, LedgerEntry>> => {
      const out = new Map<string, LedgerEntry>();
      if (effectKeys.length === 0) return out;
      const ids = [...new Set(effectKeys)].map((key) => effectId(storeId, key));
      // FerretDB evaluates `$in` itself on every entry it reads; the store's and the action's
      // equality reach PostgreSQL, so it reads only those entries (ADR 0165).
      const scope = action === undefined ? { storeId } : { storeId, action };
      for (const doc of await effects.find({ ...scope, _id: { $in: ids } }).toArray())
        out.set(doc.effectKey, entryOf(doc));
      if (legacy) {
        const missing = effectKeys.filter((key) => !out.has(key));
        if (missing.length > 0)
          for (const doc of await effects.find({ ...scope, effectKey: { $in: missing } }).toArray())
            out.set(doc.effectKey, entryOf(doc));
      }
      return out;
    });
  return {
    read,
    readMany,
    claim: (storeId, effectKey, details) =>
      mongoCall('claim an effect', async () => {
        const inserted = await insertFirst({
          ...keyed(storeId, effectKey, details),
          status: 'claimed',
          claimedAt: new Date(),
        });
        if (inserted) return true;
        // Claimed under its id, or an older instance's entry holds (storeId, effectKey).
        if (!legacy && !(await effects.findOne({ _id: effectId(storeId, effectKey) })))
          legacy = true;
        return false;
      }),
    noteProgress: (storeId, effectKey, progress) =>
      mongoCall('note the progress of an effect', async () => {
        await effects.updateOne(
          { ...(await locate(storeId, effectKey)), status: 'claimed' },
          { $set: { progress } },
        );
      }),
    markDone: (storeId, effectKey, externalIds, options = {}) =>
      mongoCall('mark an effect done', async () => {
        await effects.updateOne(await locate(storeId, effectKey), {
          $set: {
            status: 'done',
            doneAt: new Date(),
            externalIds,
            outcomeRecorded: options.outcomeRecorded ?? false,
          },
        });
      }),
    recordDone: (storeId, effectKey, details, externalIds) =>
      mongoCall('record a done effect', async () => {
        const at = new Date();
        await insertFirst({
          ...keyed(storeId, effectKey, details),
          status: 'done',
          claimedAt: at,
          doneAt: at,
          externalIds,
          outcomeRecorded: true,
        });
      }),
    markOutcomeRecorded: (storeId, effectKey) =>
      mongoCall('mark an outcome recorded', async () => {
        await effects.updateOne(await locate(storeId, effectKey), {
          $set: { outcomeRecorded: true },
        });
      }),
    voidUnlessClaimed: async (storeId, effectKey, details) => {
      await mongoCall('void an effect', async () => {
        const at = new Date();
        // An insert, like a claim: of a void and a claim racing, exactly one wins.
        await insertFirst({
          ...keyed(storeId, effectKey, details),
          status: 'voided',
          claimedAt: at,
          doneAt: at,
        });
      });
      const entry = await read(storeId, effectKey);
      if (!entry)
        throw new RetriableError(`effect ${effectKey} vanished`, { reason: 'mongo-unavailable' });
      return entry;
    },
    voidClaim: async (storeId, effectKey) => {
      await mongoCall('void a claimed effect', async () =>
        effects.updateOne(
          { ...(await locate(storeId, effectKey)), status: 'claimed' },
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
        if (legacy)
          legacy = Boolean(await effects.findOne({ _id: { $type: 'objectId' } } as never));
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

/** The entry a stored document stands for. */
function entryOf(doc: EffectDocument): LedgerEntry {
  if (doc.status === 'claimed')
    return doc.progress ? { status: 'claimed', progress: doc.progress } : { status: 'claimed' };
  if (doc.status === 'voided') return { status: 'voided' };
  return {
    status: 'done',
    externalIds: doc.externalIds ?? {},
    outcomeRecorded: doc.outcomeRecorded ?? false,
  };
}

/** Reads the ledger without writing anything (no index created): for previews and operators. */
export interface EffectsLedgerReader {
  /** The effect's entry with its claim and done times; null when it was never claimed. */
  read(storeId: string, effectKey: string): Promise<LedgerRecord | null>;
}

/** A read-only view of the ledger, by `_id` like the ledger itself (ADR 0059). */
export function createEffectsLedgerReader(db: Db): EffectsLedgerReader {
  const effects: Collection<EffectDocument> = db.collection(EFFECTS_COLLECTION);
  let legacy: Promise<boolean> | undefined;
  const hasLegacy = () =>
    (legacy ??= mongoCall('look for entries without a key id', async () =>
      Boolean(await effects.findOne({ _id: { $type: 'objectId' } } as never)),
    ));
  return {
    read: (storeId, effectKey) =>
      mongoCall('read an effect', async () => {
        let doc = await effects.findOne({ _id: effectId(storeId, effectKey) });
        if (!doc && (await hasLegacy())) doc = await effects.findOne({ storeId, effectKey });
        if (!doc) return null;
        return {
          entry: entryOf(doc),
          claimedAt: doc.claimedAt ?? null,
          doneAt: doc.doneAt ?? null,
        };
      }),
  };
}
