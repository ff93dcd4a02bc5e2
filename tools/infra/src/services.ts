/** The product's services, in start order (their folders under `services/`). */
export const SERVICE_NAMES = [
  'config-api',
  'scheduler',
  'mirakl-poller',
  'shipbob-poller',
  'sync-applier',
  'reporter',
] as const;
