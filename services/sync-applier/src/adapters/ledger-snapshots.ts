import type { Action, LedgerEntry } from '../domain/decision.js';
import { effectId, type EffectsLedger } from './effects-ledger.js';

interface Held {
  entry: LedgerEntry | null;
  hold: symbol;
}

/**
 * Ledger entries read many at a time for a fetched batch: one query per store and batch instead
 * of one per fact. The first read of an effect takes its snapshot; any later read (a claim lost
 * meanwhile, the next fact of the same effect) asks the database. A snapshot may be a little old,
 * and that is safe: an entry only moves forward (none → claimed → done), a claim is the ledger's
 * compare-and-set and reads again when it loses, and a claimed entry is resumed by asking the
 * vendor first.
 */
export function createLedgerSnapshots(ledger: EffectsLedger) {
  const held = new Map<string, Held>();
  return {
    /** The ledger, its reads answered from the snapshots first. */
    ledger: {
      ...ledger,
      async read(storeId: string, effectKey: string): Promise<LedgerEntry | null> {
        const id = effectId(storeId, effectKey);
        const snapshot = held.get(id);
        if (!snapshot) return ledger.read(storeId, effectKey);
        held.delete(id);
        return snapshot.entry;
      },
    } satisfies EffectsLedger,
    /**
     * Reads the effects' entries at once (those of `action`: the effects' own, ADR 0165); the
     * returned function lets go of those not taken.
     */
    async hold(
      storeId: string,
      effectKeys: readonly string[],
      action?: Action,
    ): Promise<() => void> {
      const found = await ledger.readMany(storeId, effectKeys, action);
      const hold = Symbol('ledger snapshot');
      const ids = effectKeys.map((key) => {
        const id = effectId(storeId, key);
        held.set(id, { entry: found.get(key) ?? null, hold });
        return id;
      });
      return () => {
        for (const id of ids) if (held.get(id)?.hold === hold) held.delete(id);
      };
    },
    /** The held entry of an effect, left held (`undefined`: none is). */
    peek(storeId: string, effectKey: string): LedgerEntry | null | undefined {
      return held.get(effectId(storeId, effectKey))?.entry;
    },
    /** Takes the held entry of an effect, as a read of it does. */
    take(storeId: string, effectKey: string): void {
      held.delete(effectId(storeId, effectKey));
    },
    /** Snapshots held and not yet taken (a gauge of what a batch keeps). */
    get size(): number {
      return held.size;
    },
  };
}

export type LedgerSnapshots = ReturnType<typeof createLedgerSnapshots>;
