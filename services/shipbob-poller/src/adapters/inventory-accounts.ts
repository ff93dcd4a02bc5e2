import { createHash } from 'node:crypto';
import type { Db } from 'mongodb';
import { createChunkedMap, type MapCache } from '@msync/platform';
import type { Secret } from '@msync/stores';
import {
  changedItems,
  type AccountHead,
  type AccountSnapshot,
  type LevelsDiff,
  type SkuLevel,
} from '../domain/inventory-facts.js';
import { headKeyOf, printsOf, type LevelPrints } from '../domain/level-prints.js';
import type { LevelPrintsCache } from './level-prints-cache.js';

/** Account snapshots: heads by account key, SKUs in `<name>_chunks` (ADR 0110). */
export const INVENTORY_SNAPSHOTS = 'shipbob_inventory_snapshots';
/** The layout before ADR 0110: one document per account; read until the account's next save. */
export const INVENTORY_ACCOUNTS = 'shipbob_inventory_accounts';

/**
 * The ShipBob account a PAT reads, as a key that reveals nothing of the PAT (ADR 0075): a
 * domain-separated SHA-256 of it. Stores holding the same PAT share one account key.
 */
export function accountKeyOf(pat: Secret): string {
  return createHash('sha256')
    .update(`msync:shipbob-account:${pat.reveal()}`)
    .digest('hex')
    .slice(0, 40);
}

/** A snapshot's meta: everything but its items. */
type AccountMeta = AccountHead;

/** A snapshot of the layout before ADR 0110: one document per account, items included. */
interface LegacyAccountDoc extends AccountMeta {
  _id: string;
  items: SkuLevel[];
}

/** Per-account inventory snapshots, addressed by `_id` only (FerretDB scans other filters). */
export interface InventoryAccounts {
  get(accountKey: string): Promise<AccountSnapshot | null>;
  /** The snapshot without its items (its head alone); null when none was saved. */
  head(accountKey: string): Promise<AccountHead | null>;
  /**
   * The prints of the items of the snapshot whose head is `head`, kept since this process saved
   * them (ADR 0146); null when it has none of that head (another process saved since, or none
   * kept).
   */
  prints(accountKey: string, head: AccountHead): LevelPrints | null;
  /** Prints of the account that could not tell what a read changed: dropped (ADR 0146). */
  printsUnusable(accountKey: string): void;
  /**
   * Saves `next` if nobody saved another since it was read (`revision`); false when someone did
   * (the caller retries and finds the other read). `entries` are what changed since the snapshot
   * `next` was made from ({@link LevelsDiff}): only those are written (every SKU in a first save).
   */
  save(accountKey: string, next: AccountSnapshot, entries: LevelsDiff['entries']): Promise<boolean>;
  /**
   * Saves a read that changed no item (ADR 0137): the head alone, if nobody saved another since
   * `next.revision`; false when someone did. `previous` is the head `next` was made from.
   */
  saveHead(accountKey: string, next: AccountHead, previous: AccountHead): Promise<boolean>;
}

/**
 * Each account's snapshot as a chunked map of its SKUs under a small head holding the meta (ADR
 * 0110): a read's save appends the SKUs that changed (a 1 % cycle of 10,000 SKUs: one chunk of
 * 100) instead of rewriting a document of every SKU, which FerretDB rewrites whole on any update
 * (about 4 s at 10,000 under load, two accounts at a time). An account still in the layout before
 * (`shipbob_inventory_accounts`) is read from there until its next save writes it into the map.
 */
export function createInventoryAccounts(
  db: Db,
  options: { cache?: MapCache; prints?: LevelPrintsCache } = {},
): InventoryAccounts {
  const { cache, prints } = options;
  const map = createChunkedMap<SkuLevel, AccountMeta>(db, {
    name: INVENTORY_SNAPSHOTS,
    ...(cache ? { cache } : {}),
  });
  const legacy = db.collection<LegacyAccountDoc>(INVENTORY_ACCOUNTS);
  const headOf = (meta: Partial<AccountMeta>, revision: number): AccountHead => ({
    readAt: meta.readAt ?? null,
    flagsReadAt: meta.flagsReadAt ?? null,
    stores: meta.stores ?? [],
    revision,
    levelsDigest: meta.levelsDigest ?? null,
    closing: meta.closing ?? null,
  });
  const metaOf = (next: AccountHead): AccountMeta => ({
    readAt: next.readAt,
    flagsReadAt: next.flagsReadAt ?? null,
    stores: next.stores,
    revision: next.revision + 1,
    levelsDigest: next.levelsDigest ?? null,
    closing: next.closing ?? null,
  });
  const accounts: InventoryAccounts = {
    async head(accountKey) {
      const meta = await map.meta(accountKey);
      // None saved, or saved in the layout before: read as a whole (once, until its next save).
      if (meta?.revision === undefined) return accounts.get(accountKey);
      return headOf(meta, meta.revision);
    },
    async get(accountKey) {
      const { entries, meta } = await map.read(accountKey);
      if (meta.revision === undefined) {
        const doc = await legacy.findOne({ _id: accountKey });
        if (!doc) return null;
        // Revision 0: the next save writes every SKU into the map, as a first save does.
        return {
          items: doc.items,
          readAt: doc.readAt,
          flagsReadAt: doc.flagsReadAt ?? null,
          stores: doc.stores,
          revision: 0,
        };
      }
      const items = [...entries.values()].sort((a, b) =>
        a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0,
      );
      return { items, ...headOf(meta, meta.revision) };
    },
    prints: (accountKey, head) => prints?.get(accountKey, headKeyOf(head)) ?? null,
    printsUnusable: (accountKey) => prints?.unusable(accountKey),
    async save(accountKey, next, entries) {
      const meta = metaOf(next);
      if (next.revision === 0) {
        // The account's first save (or its move from the layout before): every SKU. Two first
        // reads of one account in two processes at once both write all of theirs; the later
        // meta stands, and both reads were whole.
        await map.write(accountKey, changedItems([], next.items), { set: meta });
        await legacy.deleteOne({ _id: accountKey });
      } else if (
        !(await map.write(accountKey, entries, { set: meta, when: { revision: next.revision } }))
      ) {
        return false;
      }
      prints?.put(accountKey, printsOf(next.items, headKeyOf(meta)));
      return true;
    },
    async saveHead(accountKey, next, previous) {
      const meta = metaOf(next);
      const saved = await map.write(accountKey, [], {
        set: meta,
        when: { revision: next.revision },
      });
      // The items stay: prints of the head read stand for the one saved.
      if (saved) prints?.moved(accountKey, headKeyOf(previous), headKeyOf(meta));
      return saved !== false;
    },
  };
  return accounts;
}
