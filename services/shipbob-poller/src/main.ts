import { runPoller } from '@msync/polling';
import { SERVICE, configSchema } from './config.js';
import { createShipBobPoller } from './service.js';

// Composition root: read config, build adapters, start, register shutdown. Nothing else.
await runPoller({
  name: SERVICE,
  env: configSchema,
  create: (wiring, config) =>
    createShipBobPoller({
      ...wiring,
      shipbobBaseUrl: config.SHIPBOB_BASE_URL,
      updateOverlapMs: config.UPDATE_OVERLAP_MS,
      initialLookbackMs: config.INITIAL_LOOKBACK_MS,
      resyncLookbackMs: config.RESYNC_LOOKBACK_MS,
      returnsLookbackMs: config.RETURNS_LOOKBACK_MS,
      seenRetentionMs: config.SEEN_RETENTION_MS,
      inventoryShareWindowMs: config.INVENTORY_SHARE_WINDOW_MS,
      inventoryFlagsMaxAgeMs: config.INVENTORY_FLAGS_MAX_AGE_MS,
      levelPrintsEntries: config.LEVEL_PRINTS_ENTRIES,
      inventoryLevelsPerFact: config.INVENTORY_LEVELS_PER_FACT,
      inventoryReadDeferral: {
        behindLimit: config.INVENTORY_DEFER_BEHIND,
        maxDeferMs: config.INVENTORY_DEFER_MAX_MS,
        ...(config.APPLIER_GROUP_ID ? { applierGroupId: config.APPLIER_GROUP_ID } : {}),
      },
      ...(config.WEBHOOK_PORT === undefined
        ? {}
        : {
            webhooks: {
              port: config.WEBHOOK_PORT,
              host: config.WEBHOOK_HOST,
              maxBodyBytes: config.WEBHOOK_MAX_BODY_BYTES,
              receiptRetentionMs: config.WEBHOOK_RECEIPT_RETENTION_MS,
              claimTimeoutMs: 30_000,
            },
          }),
    }),
});
