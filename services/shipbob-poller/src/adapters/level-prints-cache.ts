import { Counter, Gauge, type Registry } from '@msync/platform';
import { underHead, type LevelPrints } from '../domain/level-prints.js';

/** SKUs whose prints a process keeps by default: about 29 MB (ADR 0146). */
export const DEFAULT_LEVEL_PRINTS_ENTRIES = 1_000_000;

/**
 * The prints of the accounts this process read last (ADR 0146), within a budget of SKUs: the
 * account read longest ago gives way first; an account larger than the budget is not kept.
 */
export interface LevelPrintsCache {
  /** The account's prints if they are those of `head` (counted as a hit), else null (a miss). */
  get(accountKey: string, head: string): LevelPrints | null;
  put(accountKey: string, prints: LevelPrints | null): void;
  /** A save that changed no item: kept prints of the head `from` stand for `to`. */
  moved(accountKey: string, from: string, to: string): void;
  /** Prints that could not tell what a read changed (a SKU gone or renamed): dropped, counted. */
  unusable(accountKey: string): void;
  size(): { entries: number; accounts: number };
}

export function createLevelPrintsCache(options: {
  maxEntries: number;
  registry?: Registry;
}): LevelPrintsCache {
  const kept = new Map<string, LevelPrints>();
  let entries = 0;
  const reads = options.registry
    ? new Counter({
        name: 'inventory_level_prints_total',
        help: 'Account reads that changed something, by the prints found (ADR 0146): hit (those of the snapshot head read), miss (none: the snapshot is read), unusable (a hit that could not tell, a SKU being gone or renamed: the snapshot is read).',
        labelNames: ['result'] as const,
        registers: [options.registry],
      })
    : undefined;
  if (options.registry)
    new Gauge({
      name: 'inventory_level_prints_entries',
      help: `SKUs whose prints are kept in memory (at most ${options.maxEntries}, LEVEL_PRINTS_ENTRIES).`,
      registers: [options.registry],
      collect() {
        this.set(entries);
      },
    });
  const drop = (accountKey: string) => {
    const was = kept.get(accountKey);
    if (!was) return;
    entries -= was.size;
    kept.delete(accountKey);
  };
  return {
    get(accountKey, head) {
      const prints = kept.get(accountKey);
      if (!prints || prints.head !== head) {
        reads?.inc({ result: 'miss' });
        return null;
      }
      // Read last: the last to give way.
      kept.delete(accountKey);
      kept.set(accountKey, prints);
      reads?.inc({ result: 'hit' });
      return prints;
    },
    put(accountKey, prints) {
      drop(accountKey);
      if (!prints || prints.size > options.maxEntries) return;
      for (const [other, was] of kept) {
        if (entries + prints.size <= options.maxEntries) break;
        entries -= was.size;
        kept.delete(other);
      }
      kept.set(accountKey, prints);
      entries += prints.size;
    },
    moved(accountKey, from, to) {
      const prints = kept.get(accountKey);
      if (prints?.head === from) kept.set(accountKey, underHead(prints, to));
    },
    unusable(accountKey) {
      drop(accountKey);
      reads?.inc({ result: 'unusable' });
    },
    size: () => ({ entries, accounts: kept.size }),
  };
}
