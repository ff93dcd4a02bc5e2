import type { Collection, Db } from 'mongodb';

/** Who holds a webhook: a delivery being handled now, or one handled already. */
export type ReceiptClaim = { claimed: true } | { claimed: false; state: 'done' | 'in-progress' };

interface ReceiptDocument {
  /** `<storeId>|<webhook-id>`: the unique key two copies of a delivery race for. */
  _id: string;
  storeId: string;
  webhookId: string;
  state: 'claimed' | 'done';
  at: Date;
}

export const RECEIPTS_COLLECTION = 'shipbob_webhook_receipts';

export interface WebhookReceipts {
  /**
   * Claims a delivery by its `webhook-id` (unique insert). A copy arriving while another is
   * handled is `in-progress`; a claim older than `claimTimeoutMs` (its holder died) is taken over.
   */
  claim(storeId: string, webhookId: string, now: Date): Promise<ReceiptClaim>;
  /** The delivery's facts are on Kafka: later copies are duplicates. */
  done(storeId: string, webhookId: string, now: Date): Promise<void>;
  /** Gives a claim back after a failure, so ShipBob's retry is handled afresh. */
  release(storeId: string, webhookId: string): Promise<void>;
  /** Deletes receipts older than `before` (FerretDB has no TTL indexes). */
  prune(before: Date): Promise<number>;
}

const isDuplicateKey = (error: unknown): boolean =>
  (error as { code?: unknown } | null)?.code === 11000;

/** Webhook receipts on MongoDB or FerretDB: unique inserts and single-document writes only. */
export function createWebhookReceipts(options: {
  db: Db;
  claimTimeoutMs: number;
}): WebhookReceipts {
  const receipts: Collection<ReceiptDocument> = options.db.collection(RECEIPTS_COLLECTION);
  const key = (storeId: string, webhookId: string) => `${storeId}|${webhookId}`;
  let indexed: Promise<unknown> | undefined;
  const ready = () => (indexed ??= receipts.createIndex({ at: 1 }));

  return {
    async claim(storeId, webhookId, now) {
      await ready();
      const _id = key(storeId, webhookId);
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          await receipts.insertOne({ _id, storeId, webhookId, state: 'claimed', at: now });
          return { claimed: true };
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
        }
        const held = await receipts.findOne({ _id });
        if (!held) continue;
        if (held.state === 'done') return { claimed: false, state: 'done' };
        if (now.getTime() - held.at.getTime() < options.claimTimeoutMs)
          return { claimed: false, state: 'in-progress' };
        // The holder died mid-way: its claim is dropped and raced for again.
        await receipts.deleteOne({ _id, state: 'claimed', at: held.at });
      }
      return { claimed: false, state: 'in-progress' };
    },
    async done(storeId, webhookId, now) {
      await receipts.updateOne(
        { _id: key(storeId, webhookId) },
        { $set: { state: 'done', at: now } },
      );
    },
    async release(storeId, webhookId) {
      await receipts.deleteOne({ _id: key(storeId, webhookId), state: 'claimed' });
    },
    async prune(before) {
      await ready();
      return (await receipts.deleteMany({ at: { $lt: before } })).deletedCount;
    },
  };
}
