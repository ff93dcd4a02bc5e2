import { errorMessage, type Logger } from '@msync/platform';
import type { Fact } from '../applier.js';
import { productEffectKey } from '../domain/offers.js';
import { closedGate } from '../domain/store-config.js';
import type { LedgerSnapshots } from './ledger-snapshots.js';
import type { StoreConfigs } from './store-configs.js';
import type { Vendors } from './vendors.js';

/**
 * Looks up, per store, the SKUs of every offer fact of a fetched batch in one go (50 SKUs per
 * ShipBob call), and reads their ledger entries in one query, so each fact then finds both
 * without a call of its own. Only for stores whose Sync Offers is open now; a failure is logged
 * and each fact looks its SKU (or reads its entry) itself. Resolves with the function letting
 * the answers go once the batch is handled.
 */
export function offerPrefetch(deps: {
  configs: StoreConfigs;
  vendors: Vendors;
  ledger: LedgerSnapshots;
  logger: Logger;
}) {
  return async (facts: readonly Fact[]): Promise<() => void> => {
    const byStore = new Map<string, { version: number; skus: Set<string> }>();
    for (const fact of facts) {
      if (fact.topicKey !== 'offerObserved') continue;
      const { storeId } = fact.value.envelope;
      const config = deps.configs.get(storeId);
      if (!config || closedGate(config, 'offers')) continue;
      const entry = byStore.get(storeId) ?? { version: config.version, skus: new Set<string>() };
      byStore.set(storeId, entry);
      for (const offer of [fact.value, ...fact.value.more]) {
        const sku = offer.shopSku.trim();
        if (sku && !offer.deleted) entry.skus.add(sku);
      }
    }
    const releases: (() => void)[] = [];
    for (const [storeId, { version, skus }] of byStore) {
      const wanted = [...skus];
      const prefetched = await Promise.allSettled([
        deps.ledger.hold(storeId, wanted.map(productEffectKey), 'product'),
        deps.vendors.prefetchProducts({ storeId, version }, wanted),
      ]);
      const fallbacks = [
        'ledger prefetch failed; each offer reads its entry',
        'product prefetch failed; each offer looks its SKU up',
      ];
      prefetched.forEach((result, i) => {
        if (result.status === 'fulfilled') releases.push(result.value);
        else deps.logger.warn(fallbacks[i]!, { storeId, error: errorMessage(result.reason) });
      });
    }
    return () => {
      for (const release of releases) release();
    };
  };
}
