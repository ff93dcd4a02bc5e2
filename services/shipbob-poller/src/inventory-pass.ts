import { randomUUID } from 'node:crypto';
import { RetriableError, retry, type PollPassInput } from '@msync/platform';
import { publishFacts, type PollPassContext } from '@msync/polling';
import type { ShipBobClientFor } from './adapters/shipbob-clients.js';
import { accountKeyOf, type InventoryAccounts } from './adapters/inventory-accounts.js';
import {
  decideAccountRead,
  decideInventoryFacts,
  skuLevelsOf,
  type AccountSnapshot,
  type AccountStore,
  type StoreFacts,
} from './domain/inventory-facts.js';

export const INVENTORY = 'inventory';

export interface InventoryPassDeps extends PollPassContext {
  clientFor: ShipBobClientFor;
  accounts: InventoryAccounts;
  /** A read of the account that began this long before a request serves it (ADR 0075). */
  shareWindowMs: number;
}

/**
 * One inventory pass for a store, shared by every store on its ShipBob account (ADR 0075): the
 * account is read (every page) unless a read began within the share window; the SKUs that
 * changed since the previous read are emitted to each store of the account (every SKU to a
 * store that never got them), each store's last fact closing its cycle; then the account's
 * snapshot is saved. A resync (`resync: true`) always reads and gives the store every SKU.
 */
export function inventoryPass(deps: InventoryPassDeps, options: { resync: boolean }) {
  return async (input: PollPassInput): Promise<void> => {
    const { storeId, demand, startedAt } = input;
    const stream = input.stream;
    const credentials = await deps.credentials.get(storeId, {
      atLeastVersion: deps.configs.get(storeId)?.version,
    });
    const pat = credentials?.shipbobPat;
    if (!credentials || !pat) {
      deps.logger.info('store has no ShipBob token; inventory not polled', { storeId });
      deps.metrics.polls.inc({ stream, outcome: 'not-configured' });
      return;
    }
    const timer = deps.metrics.pollDuration.startTimer({ stream });
    const accountKey = accountKeyOf(pat);
    const snapshot: AccountSnapshot = (await deps.accounts.get(accountKey)) ?? {
      items: [],
      readAt: null,
      stores: [],
      revision: 0,
    };
    const decision = decideAccountRead(
      snapshot,
      { storeId, requestedAt: demand.requestedAt, resync: options.resync },
      deps.shareWindowMs,
    );
    const correlationId = randomUUID();
    const cycleId = `${storeId}@${startedAt.getTime()}`;
    const publish = async (perStore: StoreFacts[]) => {
      for (const { storeId: target, facts } of perStore) {
        await publishFacts(deps.publisher, ['inventoryObserved'], facts, {
          storeId: target,
          source: deps.source,
          correlationId,
          causationId: demand.requestId ?? null,
        });
        deps.metrics.factsEmitted.inc({ type: 'inventoryObserved' }, facts.length);
      }
    };
    const withStore = (stores: AccountStore[], baseline: boolean): AccountStore[] => [
      ...stores.filter((s) => s.storeId !== storeId),
      { storeId, baseline },
    ];

    switch (decision.type) {
      case 'shared':
        break;
      case 'baseline': {
        const { perStore } = decideInventoryFacts({
          previous: snapshot.items,
          current: snapshot.items,
          stores: [{ storeId, baseline: false }],
          cycleId,
          observedAt: snapshot.readAt ?? startedAt,
        });
        await publish(perStore);
        await save(deps, accountKey, { ...snapshot, stores: withStore(snapshot.stores, true) });
        break;
      }
      case 'read': {
        const client = deps.clientFor({
          storeId,
          version: credentials.version,
          pat,
          channelId: credentials.shipbobChannelId,
        });
        const levels = await retry(() => client.listInventoryLevels(), {
          retries: 1,
          initialDelayMs: 500,
          maxDelayMs: 5_000,
        });
        const current = skuLevelsOf(levels);
        deps.metrics.itemsSeen.inc({ stream }, current.length);
        const stores = await sharingStores(
          deps,
          accountKey,
          withStore(snapshot.stores, !options.resync && isBaselined(snapshot, storeId)),
        );
        const { perStore, changed } = decideInventoryFacts({
          previous: snapshot.items,
          current,
          stores,
          cycleId,
          observedAt: startedAt,
        });
        await publish(perStore);
        await save(deps, accountKey, {
          items: current,
          readAt: startedAt,
          stores: stores.map((s) => ({ storeId: s.storeId, baseline: true })),
          revision: snapshot.revision,
        });
        deps.logger.info('inventory read', {
          storeId,
          correlationId,
          cycleId,
          skus: current.length,
          changed,
          stores: stores.length,
        });
        break;
      }
      default: {
        const never: never = decision;
        throw new Error(`unhandled decision ${JSON.stringify(never)}`);
      }
    }
    await deps.state.saveCursor(storeId, stream, { cursor: null, startedAt });
    timer();
    deps.metrics.polls.inc({ stream, outcome: decision.type });
  };
}

const isBaselined = (snapshot: AccountSnapshot, storeId: string) =>
  snapshot.stores.some((s) => s.storeId === storeId && s.baseline);

/**
 * The stores the read is emitted to: those registered on the account that still hold a PAT of
 * it and are not deleted (a store whose token moved to another account leaves this one).
 */
async function sharingStores(
  deps: InventoryPassDeps,
  accountKey: string,
  registered: AccountStore[],
): Promise<AccountStore[]> {
  const kept: AccountStore[] = [];
  for (const store of registered) {
    const config = deps.configs.get(store.storeId);
    if (!config || config.status === 'DELETED') continue;
    const credentials = await deps.credentials.get(store.storeId, {
      atLeastVersion: config.version,
    });
    const pat = credentials?.shipbobPat;
    if (pat && accountKeyOf(pat) === accountKey) kept.push(store);
  }
  return kept;
}

async function save(deps: InventoryPassDeps, accountKey: string, snapshot: AccountSnapshot) {
  if (!(await deps.accounts.save(accountKey, snapshot))) {
    // Another store's pass saved a read meanwhile: this request is retried and served by it.
    throw new RetriableError('the account inventory was read concurrently', {
      reason: 'account-read-concurrently',
    });
  }
}
