import type { Collection, Db } from 'mongodb';
import { RetriableError } from '../errors.js';

/** A slice of a shared budget some process claimed: `size` calls, claimed at `at`. */
export interface ClaimedSlice {
  seq: number;
  size: number;
  at: number;
}

/** The shape of a request budget: `limit` calls in any sliding `windowMs`. */
export interface BudgetShape {
  limit: number;
  windowMs: number;
  /** A slice's calls may be started until this long after its claim. */
  sliceTtlMs: number;
  /**
   * Between a call's start and its arrival at the vendor, plus clock differences between the
   * processes that share the budget.
   */
  slackMs: number;
}

/**
 * How long a claimed slice counts against the budget: its calls start within `sliceTtlMs`,
 * arrive within `slackMs`, and the vendor counts each for one window.
 */
export const sliceHorizonMs = (shape: BudgetShape): number =>
  shape.windowMs + shape.sliceTtlMs + shape.slackMs;

export type SliceDecision =
  { granted: true; seq: number; size: number } | { granted: false; retryAfterMs: number };

/**
 * Whether a slice of up to `want` calls may be claimed now, given the newest claims (newest
 * first): granted with as many calls as the budget has left (at least one), or refused with the
 * wait until the oldest counting claims stop counting. Any window of the vendor then sees at most
 * `limit` calls: every slice whose calls could fall in it counted when the newest of them was
 * claimed. Pure; the Mongo budget turns a grant into a unique insert.
 */
export function decideSlice(
  newestFirst: readonly ClaimedSlice[],
  now: number,
  shape: BudgetShape,
  want: number,
): SliceDecision {
  const since = now - sliceHorizonMs(shape);
  const counting = newestFirst.filter((slice) => slice.at > since);
  const used = counting.reduce((sum, slice) => sum + slice.size, 0);
  const left = shape.limit - used;
  if (left >= 1) {
    return {
      granted: true,
      seq: (newestFirst[0]?.seq ?? 0) + 1,
      size: Math.max(1, Math.min(want, left)),
    };
  }
  // Oldest first: the wait is over once enough of them stopped counting to free one call.
  let over = used - shape.limit + 1;
  for (const slice of [...counting].reverse()) {
    over -= slice.size;
    if (over <= 0) return { granted: false, retryAfterMs: Math.max(1, slice.at - since) };
  }
  return { granted: false, retryAfterMs: 1 };
}

/**
 * What a claim gave this process: calls to start within `validForMs` of asking, or how long to
 * wait before asking again.
 */
export type SliceGrant =
  { granted: true; calls: number; validForMs: number } | { granted: false; retryAfterMs: number };

/** A request budget shared by every process of the product, claimed in slices (see ADR 0057). */
export interface SharedBudget {
  readonly shape: BudgetShape;
  /** Claims up to `want` calls on `key` for this process. */
  claim(key: string, want: number): Promise<SliceGrant>;
}

interface SliceDocument {
  _id: string;
  key: string;
  seq: number;
  size: number;
  at: number;
  holder?: string;
}

export interface MongoSharedBudgetOptions {
  db: Db;
  /** Every process that shares a budget uses the same collection. */
  collection: string;
  shape: BudgetShape;
  /** Shown in the slice documents (which process claimed them). */
  holder?: string;
  now?: () => number;
}

const DUPLICATE_KEY = 11000;
const MAX_RACES = 25;
/** Slices older than the horizon are deleted every this many claims on a key. */
const PRUNE_EVERY = 16;

/**
 * The shared budget on MongoDB or FerretDB: one sequence of slice claims per key,
 * `{_id: "<key>#<seq>", size, at}`. A claim reads the newest claims, decides, and inserts the
 * next sequence number; two processes that read the same state race for the same `_id` and the
 * unique key lets one win (FerretDB has no transactions; ADR 0012, 0042). One round trip pair
 * per slice, not per call.
 *
 * A process remembers each key's claims as of its last read and its own claims since (ADR 0123),
 * and first inserts the slice they grant, without reading: the insert of the next sequence
 * number succeeds only if nobody claimed since, in which case what it remembers is every claim
 * there is. When another process claimed meanwhile, the insert collides and the claim reads as
 * before. A process that claims a key again and again pays one round trip per slice.
 */
export function createMongoSharedBudget(options: MongoSharedBudgetOptions): SharedBudget {
  const slices: Collection<SliceDocument> = options.db.collection<SliceDocument>(
    options.collection,
  );
  const { shape } = options;
  const now = options.now ?? Date.now;
  let indexed: Promise<unknown> | undefined;

  /**
   * Per key, the claims (newest first) this process knows to be all there were at its last read
   * or successful insert: an insert that follows them without colliding proves them complete.
   */
  const known = new Map<string, ClaimedSlice[]>();
  const remember = (key: string, newestFirst: ClaimedSlice[], at: number) => {
    const since = at - sliceHorizonMs(shape);
    // The newest one always (it gives the next sequence number), older ones while they count.
    known.set(
      key,
      newestFirst.filter((slice, i) => i === 0 || slice.at > since).slice(0, shape.limit + 1),
    );
  };

  const newest = async (key: string): Promise<ClaimedSlice[]> => {
    indexed ??= slices.createIndex({ key: 1, seq: -1 });
    await indexed;
    // Each counting slice holds at least one call, so `limit` of them cover the horizon.
    const docs = await slices
      .find({ key })
      .sort({ seq: -1 })
      .limit(shape.limit + 1)
      .toArray();
    return docs.map((d) => ({ seq: d.seq, size: d.size, at: d.at }));
  };

  const insert = async (key: string, slice: ClaimedSlice): Promise<boolean> => {
    try {
      await slices.insertOne({
        _id: `${key}#${slice.seq}`,
        key,
        ...slice,
        ...(options.holder ? { holder: options.holder } : {}),
      });
    } catch (error) {
      if ((error as { code?: unknown }).code === DUPLICATE_KEY) return false;
      throw error;
    }
    if (slice.seq % PRUNE_EVERY === 0) {
      await slices
        .deleteMany({ key, at: { $lt: slice.at - 2 * sliceHorizonMs(shape) } })
        .catch(() => undefined);
    }
    return true;
  };

  return {
    shape,
    async claim(key, want) {
      // First what this process knows: a grant from it is claimed by one insert if nobody claimed
      // since. A refusal, or a collision, is decided again on a fresh read (others' claims only
      // make the wait longer).
      let claims = known.get(key);
      for (let race = 0; race < MAX_RACES;) {
        const fresh = claims === undefined;
        if (fresh) race++;
        claims ??= await newest(key);
        const at = now();
        const decision = decideSlice(claims, at, shape, want);
        if (decision.granted) {
          const slice = { seq: decision.seq, size: decision.size, at };
          if (await insert(key, slice)) {
            remember(key, [slice, ...claims], at);
            return { granted: true, calls: slice.size, validForMs: shape.sliceTtlMs };
          }
        } else if (fresh) {
          remember(key, claims, at);
          return { granted: false, retryAfterMs: decision.retryAfterMs };
        }
        known.delete(key);
        claims = undefined;
      }
      throw new RetriableError(`${key}: lost ${MAX_RACES} races for the shared budget in a row`, {
        reason: 'budget-contention',
      });
    },
  };
}
