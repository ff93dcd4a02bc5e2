import type { Db, Collection } from 'mongodb';
import { RateLimitedError, RetriableError } from '../errors.js';

/** The newest claim on a gate key: its sequence number and when the next call may happen. */
export interface LatestClaim {
  seq: number;
  nextAt: number;
}

export type ClaimDecision =
  { granted: true; seq: number; nextAt: number } | { granted: false; retryAfterMs: number };

/**
 * Whether a call may happen now, given the newest claim on its key: granted with the next
 * sequence number and the instant after which the following call may happen, or refused with
 * the wait. Pure; the Mongo gate turns a grant into a unique insert.
 */
export function decideClaim(
  latest: LatestClaim | null,
  now: number,
  intervalMs: number,
): ClaimDecision {
  if (latest && latest.nextAt > now) return { granted: false, retryAfterMs: latest.nextAt - now };
  return { granted: true, seq: (latest?.seq ?? 0) + 1, nextAt: now + intervalMs };
}

/** A "next allowed at" gate shared by every process of the product (see ADR 0042). */
export interface CallGate {
  /**
   * Claims the right to call now. Throws a `RateLimitedError` carrying the wait when the
   * previous call on `key` was less than its interval ago (in any process).
   */
  claim(key: string, intervalMs: number): Promise<void>;
  /** Milliseconds until `key` may be claimed (0 when it may be now). */
  waitMs(key: string): Promise<number>;
  /** Pushes the next allowed call on `key` back, e.g. after a 429 with `Retry-After`. */
  pushBack(key: string, retryAfterMs: number): Promise<void>;
}

interface ClaimDocument {
  _id: string;
  key: string;
  seq: number;
  nextAt: number;
  claimedAt: Date;
  kind: 'call' | 'push-back';
}

export interface MongoCallGateOptions {
  db: Db;
  /** Default `call_gate`; every process that must count together uses the same one. */
  collection?: string;
  now?: () => number;
  /** Claims kept per key (older ones are deleted as new ones arrive). Default 16. */
  keep?: number;
}

/**
 * A key's head (`_id` = the key itself): where its newest sequence number was last seen, and the
 * latest instant any claim or push-back set for its next call (ADR 0115).
 */
interface HeadDocument {
  _id: string;
  /** The newest sequence number seen (every version writes it). */
  head?: number;
  /** The newest sequence number whose `nextAt` is counted in `nextAt` (ADR 0115). */
  top?: number;
  /** The latest next-call instant of the claims up to `top` and of every push-back since. */
  nextAt?: number;
}

const DUPLICATE_KEY = 11000;
const MAX_RACES = 25;

/**
 * The gate on MongoDB or FerretDB. A claim is an insert of `<key>#<seq>`: two processes that
 * read the same newest claim race for the same `_id`, and the unique key lets exactly one win,
 * on both databases (FerretDB's conditional updates are not compare-and-set, ADR 0012).
 *
 * The newest claim is found by `_id` alone, which FerretDB 1.24 on SQLite looks up without
 * reading the whole collection (ADR 0059): a head document per key (`_id` = the key) says which
 * sequence number was newest when last written and the latest next-call instant written with it,
 * and the claims after it, inserted since, are found by trying the next numbers once an insert
 * collided with one of them (ADR 0159). A push-back raises the head's instant in one write (ADR
 * 0115). A key without a head (claims made before heads existed) is read the old way once.
 */
export function createMongoCallGate(options: MongoCallGateOptions): CallGate {
  const collection = options.collection ?? 'call_gate';
  const claims: Collection<ClaimDocument> = options.db.collection<ClaimDocument>(collection);
  const heads: Collection<HeadDocument> = options.db.collection<HeadDocument>(collection);
  const now = options.now ?? Date.now;
  const keep = options.keep ?? 16;
  let indexed: Promise<unknown> | undefined;

  const claimAt = async (key: string, seq: number): Promise<LatestClaim | null> => {
    const doc = await claims.findOne({ _id: `${key}#${seq}` });
    return doc ? { seq: doc.seq, nextAt: doc.nextAt } : null;
  };

  /**
   * The newest claim on `key` as its head says, without trying the numbers after it: a claim
   * inserted past the head (its process's head update lagging or lost) makes the next insert
   * collide, and the claim reads past the head then; a refusal is decided with them too (ADR
   * 0159).
   */
  const fromHead = async (key: string): Promise<LatestClaim | null> => {
    const head = await heads.findOne({ _id: key });
    const pushed = head?.nextAt ?? 0;
    let newest: LatestClaim | null;
    if (head?.top !== undefined && head.top >= (head.head ?? 0)) {
      // The head's instant counts its newest claim: nothing else to read (ADR 0115).
      newest = { seq: head.top, nextAt: pushed };
    } else if (head?.head) {
      // A head written before ADR 0115, or by such a process since: its claim says the instant.
      // A claim gone from under its head is older than `keep` others: it limits nothing now.
      const claim = await claimAt(key, head.head);
      newest = { seq: head.head, nextAt: Math.max(claim?.nextAt ?? 0, pushed) };
    } else {
      indexed ??= claims.createIndex({ key: 1, seq: -1 });
      await indexed;
      const [doc] = await claims.find({ key }).sort({ seq: -1 }).limit(1).toArray();
      newest = doc
        ? { seq: doc.seq, nextAt: Math.max(doc.nextAt, pushed) }
        : head
          ? { seq: 0, nextAt: pushed }
          : null;
    }
    return newest;
  };

  /** The newest claim, given the head's: the numbers after it tried until one is free. */
  const pastHead = async (key: string, headClaim: LatestClaim | null) => {
    let newest = headClaim;
    for (let seq = (newest?.seq ?? 0) + 1; ; seq++) {
      const next = await claimAt(key, seq);
      if (!next) return newest;
      newest = { seq: next.seq, nextAt: Math.max(next.nextAt, newest?.nextAt ?? 0) };
    }
  };

  const latest = async (key: string) => pastHead(key, await fromHead(key));

  /** Inserts the next claim; false when another process took that sequence number first. */
  const insert = async (key: string, claim: LatestClaim) => {
    try {
      await claims.insertOne({
        _id: `${key}#${claim.seq}`,
        key,
        seq: claim.seq,
        nextAt: claim.nextAt,
        claimedAt: new Date(now()),
        kind: 'call',
      });
    } catch (error) {
      if ((error as { code?: unknown }).code === DUPLICATE_KEY) return false;
      throw error;
    }
    // A hint only: a lagging head costs the next reader one more try, never a wrong answer.
    // `head` too, for a process of the version before ADR 0115 during a rolling update.
    await heads
      .updateOne(
        { _id: key },
        { $max: { head: claim.seq, top: claim.seq, nextAt: claim.nextAt } },
        { upsert: true },
      )
      .catch(() => undefined);
    // Old claims carry no information once newer ones exist; keeping a few helps debugging.
    await claims.deleteOne({ _id: `${key}#${claim.seq - keep}` }).catch(() => undefined);
    return true;
  };

  return {
    async claim(key, intervalMs) {
      for (let race = 0; race < MAX_RACES; race++) {
        // A grant on the head alone is proved by its insert; after a collision, and before a
        // refusal, the claims past the head count too (a refusal names the wait of all of them).
        const head = await fromHead(key);
        let decision = decideClaim(head, now(), intervalMs);
        if (race > 0 || !decision.granted)
          decision = decideClaim(await pastHead(key, head), now(), intervalMs);
        if (!decision.granted) {
          throw new RateLimitedError(
            `${key}: the previous call was less than ${intervalMs} ms ago`,
            decision.retryAfterMs,
            { reason: 'call-frequency' },
          );
        }
        if (await insert(key, { seq: decision.seq, nextAt: decision.nextAt })) return;
      }
      throw new RetriableError(`${key}: lost ${MAX_RACES} races for the call gate in a row`, {
        reason: 'call-gate-contention',
      });
    },
    async waitMs(key) {
      const last = await latest(key);
      return last ? Math.max(0, last.nextAt - now()) : 0;
    },
    async pushBack(key, retryAfterMs) {
      // Never brings the next call forward. One write, not a claim of its own (ADR 0115).
      const update = { $max: { nextAt: now() + retryAfterMs } };
      await heads
        .updateOne({ _id: key }, update, { upsert: true })
        .catch(async (error: unknown) => {
          // The key's first head, written meanwhile by another process: raise it.
          if ((error as { code?: unknown }).code !== DUPLICATE_KEY) throw error;
          await heads.updateOne({ _id: key }, update);
        });
    },
  };
}
