import { envelope, idempotencyKey, OFFERS_CHANGED_REASON, type Publisher } from '@msync/events';
import { errorMessage, type Logger } from '@msync/platform';
import { closedGate } from '../domain/store-config.js';
import { closeRequestAt, type CloseRequestTiming } from '../domain/stock-after-offers.js';
import type { StoreConfigs } from './store-configs.js';

/**
 * Asks for a store's inventory cycle to end again once its offers were written (ADR 0155), and not
 * while offers of it published are still to be applied (ADR 0180).
 */
export interface StockAfterOffers {
  /** Offers of the store were written into its map (new, changed or gone). */
  offersWritten(storeId: string): void;
  /** Drops the requests not made yet: the stores' next inventory cycles push their offers. */
  stop(): void;
}

interface StoreTimer {
  writtenAt: number;
  askedAt: number | null;
  timer?: NodeJS.Timeout;
}

/**
 * Per store with Sync Inventory on, a `PollRequested` (ShipBob, `inventory`, reason
 * `offers-changed`) once its offers were quiet for a moment ({@link closeRequestAt}): the
 * shipbob-poller ends the store's cycle with its last read, so the stock of offers matched since
 * that read's cycle end reaches Mirakl now, not at the next scheduled read. Kept in memory: a
 * request lost with the process leaves it to that next read.
 */
export function createStockAfterOffers(deps: {
  publisher: Publisher;
  configs: StoreConfigs;
  source: string;
  timing: CloseRequestTiming;
  logger: Logger;
  /** Told of each request published. */
  onAsked?: () => void;
  /**
   * Whether offers of the store published are still to be applied (ADR 0180): their writes come,
   * and the quiet after them is waited for. Default: never.
   */
  offersPending?: (storeId: string) => Promise<boolean>;
  now?: () => number;
}): StockAfterOffers {
  const now = deps.now ?? Date.now;
  const stores = new Map<string, StoreTimer>();
  let stopped = false;
  /** The store's configuration while its Sync Inventory runs, else undefined. */
  const inventoryConfig = (storeId: string) => {
    const config = deps.configs.get(storeId);
    return config && !closedGate(config, 'inventory', { shipbob: true }) ? config : undefined;
  };

  const schedule = (storeId: string, state: StoreTimer): void => {
    const wait = closeRequestAt(state.writtenAt, state.askedAt, deps.timing) - now();
    state.timer = setTimeout(() => void ask(storeId, state), Math.max(0, wait));
    state.timer.unref();
  };

  /** Written since the timer was set: the quiet after those is waited for. */
  const early = (state: StoreTimer) =>
    now() < closeRequestAt(state.writtenAt, state.askedAt, deps.timing);

  const ask = async (storeId: string, state: StoreTimer): Promise<void> => {
    if (stopped) return;
    // The store's offers published and not applied yet (an applier behind the mirakl-poller
    // writes a catalog with pauses longer than the quiet): taken as written now, so the request
    // waits a quiet more. The fired timer stays set meanwhile, so that offers written while this
    // is asked set no second one.
    if (!early(state) && (await deps.offersPending?.(storeId))) state.writtenAt = now();
    if (stopped) return;
    if (early(state)) {
      schedule(storeId, state);
      return;
    }
    state.timer = undefined;
    const at = now();
    state.askedAt = at;
    const config = inventoryConfig(storeId);
    if (!config) return;
    try {
      await deps.publisher.publish('pollRequested', {
        envelope: envelope({
          storeId,
          idempotencyKey: idempotencyKey(deps.source, storeId, 'poll', 'inventory', 'offers', at),
          source: deps.source,
          occurredAt: at,
        }),
        system: 'SHIPBOB',
        stream: 'inventory',
        reason: OFFERS_CHANGED_REASON,
        since: null,
        configVersion: config.version,
      });
      deps.onAsked?.();
      deps.logger.debug('asked for the inventory cycle to end again: offers written', { storeId });
    } catch (error) {
      deps.logger.warn(
        'asking for the stock of new offers failed; the next inventory cycle pushes it',
        { storeId, error: errorMessage(error) },
      );
    }
  };

  return {
    offersWritten(storeId) {
      if (stopped || !inventoryConfig(storeId)) return;
      const state = stores.get(storeId) ?? { writtenAt: 0, askedAt: null };
      state.writtenAt = now();
      stores.set(storeId, state);
      if (!state.timer) schedule(storeId, state);
    },
    stop() {
      stopped = true;
      for (const state of stores.values()) clearTimeout(state.timer);
      stores.clear();
    },
  };
}
