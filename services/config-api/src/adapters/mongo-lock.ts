import { randomUUID } from 'node:crypto';
import type { Collection } from 'mongodb';
import { RetriableError } from '@msync/platform';

export interface LockDocument {
  /** What is locked: a unique key, so only one writer holds it. */
  _id: string;
  token: string;
  at: Date;
}

export interface InsertLockOptions {
  /** A crashed holder's lock is taken over after this long. */
  leaseMs: number;
  /** How long to wait for the lock before giving up with a retriable error. */
  waitMs: number;
  /** Names the busy thing in the error, e.g. `store`. */
  what: string;
}

export const isDuplicateKey = (error: unknown): boolean =>
  (error as { code?: unknown } | null)?.code === 11000;

/**
 * Runs `fn` as the only writer of `key`. FerretDB evaluates an update's filter and then writes
 * the whole document by id, so neither a conditional update nor two concurrent updates of one
 * document are safe there; an insert of a unique key is, on both databases (ADR 0012).
 */
export async function withInsertLock<T>(
  locks: Collection<LockDocument>,
  key: string,
  options: InsertLockOptions,
  fn: () => Promise<T>,
): Promise<T> {
  const token = randomUUID();
  const deadline = Date.now() + options.waitMs;
  for (;;) {
    try {
      await locks.insertOne({ _id: key, token, at: new Date() });
      break;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    const held = await locks.findOne({ _id: key });
    if (held && Date.now() - held.at.getTime() > options.leaseMs) {
      await locks.deleteOne({ _id: key, token: held.token });
      continue;
    }
    if (Date.now() > deadline) {
      throw new RetriableError(`${options.what} ${key} is busy`, {
        reason: `${options.what}-busy`,
      });
    }
    await new Promise((r) => setTimeout(r, 15 + Math.random() * 20));
  }
  try {
    return await fn();
  } finally {
    await locks.deleteOne({ _id: key, token });
  }
}
