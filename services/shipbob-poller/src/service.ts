import { OFFERS_CHANGED_REASON, createGroupProgress } from '@msync/events';
import {
  createKeyedMutex,
  createMeteredMapCache,
  createMongoPollState,
  errorMessage,
} from '@msync/platform';
import {
  createPoller,
  createPublishedPositions,
  passOf,
  POLLER_DEFAULTS,
  resyncOf,
  type Poller,
  type PollerOptions,
} from '@msync/polling';
import { shipbobClients } from './adapters/shipbob-clients.js';
import { createInventoryAccounts } from './adapters/inventory-accounts.js';
import {
  createLevelPrintsCache,
  DEFAULT_LEVEL_PRINTS_ENTRIES,
} from './adapters/level-prints-cache.js';
import { createWebhookReceipts } from './adapters/webhook-receipts.js';
import { RETURNS, returnsPass } from './returns-pass.js';
import {
  DEFAULT_INVENTORY_FLAGS_MAX_AGE_MS,
  DEFAULT_READ_DEFERRAL,
  INVENTORY,
  inventoryPass,
  type AppliedFacts,
} from './inventory-pass.js';
import { DEFAULT_LEVELS_PER_FACT, type ReadDeferral } from './domain/inventory-facts.js';
import {
  SHIPMENTS,
  shipmentsPass,
  shipmentsResyncPass,
  type ShipmentsPassDeps,
} from './shipments-pass.js';
import { createWebhookIntake } from './webhooks/intake.js';
import { createWebhookMetrics } from './webhooks/metrics.js';
import {
  createWebhookApp,
  startWebhookReceiver,
  type RunningWebhookReceiver,
} from './webhooks/receiver.js';

/** Where and how the webhook receiver listens (ADR 0063). */
export interface WebhookReceiverSettings {
  port: number;
  host: string;
  maxBodyBytes: number;
  /** Receipts (`webhook-id`s handled) are kept this long: longer than ShipBob retries. */
  receiptRetentionMs: number;
  /** A claim held longer than this is taken to be a dead holder's. */
  claimTimeoutMs: number;
}

export interface ShipBobPollerOptions extends PollerOptions {
  shipbobBaseUrl: string;
  updateOverlapMs: number;
  initialLookbackMs: number;
  resyncLookbackMs: number;
  /** Open and canceled returns created longer ago are not read any more (ADR 0079). */
  returnsLookbackMs: number;
  seenRetentionMs: number;
  /** A read of an account's inventory that began this long before a request serves it (ADR 0075). */
  inventoryShareWindowMs: number;
  /**
   * Items' catalog flags from an earlier read are used instead of reading the catalog for this
   * long (default 10 min, ADR 0109; 0: the catalog is read every time).
   */
  inventoryFlagsMaxAgeMs?: number;
  /**
   * SKUs whose levels as their account's last save left them are kept in memory (default
   * 1,000,000, ADR 0146; 0: none, the snapshot is read on every read that changed something).
   */
  levelPrintsEntries?: number;
  /** SKUs one inventory fact carries at most (ADR 0166; default 250). */
  inventoryLevelsPerFact?: number;
  /**
   * A read waits while the applier's group has more than `behindLimit` of the facts up to the
   * store's last ones (its levels, and its offers: ADR 0169) to commit, at most `maxDeferMs`
   * after they were published (ADR 0154; default 40 and 30 min; `behindLimit` 0: never).
   * `applierGroupId`: default `<namespace>sync-applier`.
   */
  inventoryReadDeferral?: Partial<ReadDeferral> & { applierGroupId?: string };
  /** Receive ShipBob's webhooks too; polling alone without it. */
  webhooks?: WebhookReceiverSettings;
}

/** The sync-applier's consumer group, under the namespace. */
export const APPLIER_GROUP = 'sync-applier';

export interface ShipBobPoller extends Poller {
  /** The webhook receiver's port once started; null without a receiver. */
  readonly webhookPort: number | null;
}

export const SOURCE = 'shipbob-poller';

/** Collections this service owns: cursors, seen orders, poll leases; webhook receipts; inventory snapshots. */
export const COLLECTIONS = {
  prefix: 'shipbob_poll',
  leases: 'shipbob_poll_leases',
} as const;

const RECEIPT_PRUNE_INTERVAL_MS = 60 * 60_000;

/**
 * The ShipBob poller: the shared poller frame with a pass per ShipBob stream, and the webhook
 * receiver, which decides against the same seen-set and emits the same facts.
 */
export function createShipBobPoller(options: ShipBobPollerOptions): ShipBobPoller {
  const clients = shipbobClients({
    logger: options.logger,
    baseUrl: options.shipbobBaseUrl,
    db: options.db,
  });
  const state =
    options.state ?? createMongoPollState({ db: options.db, prefix: COLLECTIONS.prefix });
  const now = options.now ?? Date.now;
  const printsEntries = options.levelPrintsEntries ?? DEFAULT_LEVEL_PRINTS_ENTRIES;
  const levelPrints =
    printsEntries > 0
      ? createLevelPrintsCache({ maxEntries: printsEntries, registry: options.metrics })
      : undefined;
  const deferral = { ...DEFAULT_READ_DEFERRAL, ...options.inventoryReadDeferral };
  const applierProgress =
    deferral.behindLimit > 0
      ? createGroupProgress({
          kafka: options.kafka,
          groupId: deferral.applierGroupId ?? `${options.namespace}${APPLIER_GROUP}`,
        })
      : undefined;
  const applier: AppliedFacts | undefined = applierProgress && {
    progress: applierProgress,
    deferral,
    // A read also waits while the store's offers are not applied (ADR 0169).
    offers: createPublishedPositions(options.db),
  };
  const created = createPoller(
    { ...options, state },
    {
      source: SOURCE,
      system: 'SHIPBOB',
      collections: COLLECTIONS,
      // Stream → pass, and a stream's resync pass (ADR 0055).
      streams: (context) => {
        const deps: ShipmentsPassDeps = {
          ...context,
          clientFor: (store) => clients.for(store),
          updateOverlapMs: options.updateOverlapMs,
          initialLookbackMs: options.initialLookbackMs,
          resyncLookbackMs: options.resyncLookbackMs,
          seenRetentionMs: options.seenRetentionMs,
        };
        const inventory = {
          ...context,
          clientFor: deps.clientFor,
          // The process's budget of map entries kept in memory (ADR 0108): an account's next
          // read finds its snapshot in memory and reads only what a read elsewhere appended; and
          // of the accounts' prints, which tell what a read changed without it (ADR 0146).
          accounts: createInventoryAccounts(options.db, {
            cache: createMeteredMapCache(
              options.metrics,
              options.mapCacheEntries ?? POLLER_DEFAULTS.mapCacheEntries,
            ),
            prints: levelPrints,
          }),
          shareWindowMs: options.inventoryShareWindowMs,
          flagsMaxAgeMs: options.inventoryFlagsMaxAgeMs ?? DEFAULT_INVENTORY_FLAGS_MAX_AGE_MS,
          levelsPerFact: options.inventoryLevelsPerFact ?? DEFAULT_LEVELS_PER_FACT,
          // Shared by the ordinary and the resync pass: one pass of an account at a time.
          oneAtATime: createKeyedMutex(),
          lastFacts: new Map(),
          ...(applier ? { applier } : {}),
        };
        return {
          [SHIPMENTS]: shipmentsPass(deps),
          [resyncOf(SHIPMENTS)]: shipmentsResyncPass(deps),
          [RETURNS]: returnsPass({ ...deps, returnsLookbackMs: options.returnsLookbackMs }),
          [INVENTORY]: inventoryPass(inventory, { resync: false }),
          [resyncOf(INVENTORY)]: inventoryPass(inventory, { resync: true }),
          // The applier asks a store's cycle to end again once new offers are written (ADR 0155).
          [passOf(INVENTORY, OFFERS_CHANGED_REASON)]: inventoryPass(inventory, {
            resync: false,
            close: true,
          }),
        };
      },
    },
  );
  const poller: Poller = {
    ...created,
    async stop() {
      await created.stop();
      await applierProgress?.stop();
    },
  };
  const settings = options.webhooks;
  if (!settings) return { ...poller, webhookPort: null };

  const receipts = createWebhookReceipts({
    db: options.db,
    claimTimeoutMs: settings.claimTimeoutMs,
  });
  const intake = createWebhookIntake({
    source: SOURCE,
    publisher: options.publisher,
    state,
    credentials: options.credentials,
    configs: poller.configs,
    receipts,
    metrics: createWebhookMetrics(options.metrics),
    logger: options.logger,
    now,
  });
  const log = options.logger.child({ component: 'webhooks' });
  const prune = () =>
    receipts
      .prune(new Date(now() - settings.receiptRetentionMs))
      .then((deleted) => log.debug('webhook receipts pruned', { deleted }))
      .catch((error: unknown) =>
        log.warn('pruning webhook receipts failed', { error: errorMessage(error) }),
      );
  let receiver: RunningWebhookReceiver | undefined;
  let pruning: NodeJS.Timeout | undefined;
  return {
    configs: poller.configs,
    get webhookPort() {
      return receiver?.port ?? null;
    },
    async start() {
      // Store configurations first: a delivery is checked against the store's latest version.
      await poller.start();
      receiver = await startWebhookReceiver({
        app: createWebhookApp({ intake, maxBodyBytes: settings.maxBodyBytes }),
        port: settings.port,
        host: settings.host,
        logger: options.logger,
      });
      void prune();
      pruning = setInterval(() => void prune(), RECEIPT_PRUNE_INTERVAL_MS);
      pruning.unref();
    },
    async stop() {
      clearInterval(pruning);
      await receiver?.close();
      await poller.stop();
    },
  };
}
