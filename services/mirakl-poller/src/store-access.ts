import {
  claimMiraklCall,
  afterMiraklCall,
  type GatedShop,
  type LimitedOperation,
  type MiraklStore,
} from '@msync/mirakl';
import { RateLimitedError, type CallGate } from '@msync/platform';
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

/**
 * Claims the shop's slot for `operation` in the shared gate. "Too early" throws a
 * `RateLimitedError`: the request is redelivered after the wait, never dropped (ADR 0042).
 */
export async function claimSlot(
  deps: MiraklPassDeps,
  shop: GatedShop,
  operation: LimitedOperation,
  intervalMs: number,
): Promise<void> {
  try {
    await claimMiraklCall(deps.gate, shop, operation, intervalMs);
  } catch (error) {
    if (error instanceof RateLimitedError) deps.metrics.gateWaits.inc({ operation });
    throw error;
  }
}

/**
 * Runs a call claimed through the gate; once it is answered, every process's next call of the
 * operation waits the interval from now, or a 429's `Retry-After` (ADR 0086).
 */
export async function spacedCall<T>(
  deps: Pick<MiraklPassDeps, 'gate'>,
  shop: GatedShop,
  operation: LimitedOperation,
  intervalMs: number,
  call: () => Promise<T>,
): Promise<T> {
  let result: T;
  try {
    result = await call();
  } catch (error) {
    await afterMiraklCall(deps.gate, shop, operation, intervalMs, error);
    throw error;
  }
  await afterMiraklCall(deps.gate, shop, operation, intervalMs);
  return result;
}
