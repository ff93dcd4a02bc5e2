import {
  claimMiraklSlot,
  spacedMiraklCall,
  type GatedShop,
  type LimitedOperation,
  type MiraklStore,
} from '@msync/mirakl';
import type { CallGate } from '@msync/platform';
import type { PollPassContext } from '@msync/polling';
import type { StoreCredentials } from '@msync/stores';

/** What every Mirakl pass needs beyond the frame: the shared call gate and a client per store. */
export interface MiraklPassDeps extends PollPassContext {
  gate: CallGate;
  clientFor: (
    credentials: StoreCredentials & { miraklApiKey: NonNullable<StoreCredentials['miraklApiKey']> },
  ) => MiraklStore;
}

/** A store a pass may call: its client and the shop as the call gate counts it. */
export interface StoreAccess {
  client: MiraklStore;
  shop: GatedShop;
}

/** The store's client, once its key is known (null, logged, when the store has no key). */
export async function storeAccess(
  deps: MiraklPassDeps,
  storeId: string,
  stream: string,
): Promise<StoreAccess | null> {
  const credentials = await deps.credentials.get(storeId, {
    atLeastVersion: deps.configs.get(storeId)?.version,
  });
  const apiKey = credentials?.miraklApiKey;
  if (!credentials || !apiKey) {
    deps.logger.warn(`store has no Mirakl API key; ${stream} not polled`, { storeId });
    return null;
  }
  return {
    client: deps.clientFor({ ...credentials, miraklApiKey: apiKey }),
    shop: { storeUrl: credentials.miraklBaseUrl, shopId: credentials.miraklShopId },
  };
}

/** Claims the shop's slot for `operation` in the shared gate, counting a wait (ADR 0042). */
export async function claimSlot(
  deps: MiraklPassDeps,
  shop: GatedShop,
  operation: LimitedOperation,
  intervalMs: number,
): Promise<void> {
  await claimMiraklSlot(deps.gate, shop, operation, intervalMs, deps.metrics.gateWaits);
}

/** Runs a call claimed through the gate, spacing the next one from its answer (ADR 0086). */
export async function spacedCall<T>(
  deps: Pick<MiraklPassDeps, 'gate'>,
  shop: GatedShop,
  operation: LimitedOperation,
  intervalMs: number,
  call: () => Promise<T>,
): Promise<T> {
  return spacedMiraklCall(deps.gate, shop, operation, intervalMs, call);
}
