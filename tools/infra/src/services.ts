/** The product's services, in start order (their folders under `services/`). */
export const SERVICE_NAMES = [
  'config-api',
  'scheduler',
  'mirakl-poller',
  'shipbob-poller',
  'sync-applier',
  'reporter',
] as const;

export type ServiceName = (typeof SERVICE_NAMES)[number];

/** A service's V8 heap limits, in MB: old generation, and each of the young generation's semi-spaces. */
export interface HeapLimits {
  oldSpaceMb: number;
  semiSpaceMb: number;
}

/**
 * The V8 heap limits each service runs with (ADR 0122): the Kubernetes and Compose manifests set
 * them as its `NODE_OPTIONS`, `npm start`, the end-to-end tests and the benchmarks pass the same.
 * Without them V8 sizes its heap from the machine's memory and collects late: in the catalog
 * benchmark the services' RSS grew to 300–1,000 MB, mostly garbage (the applier's above its
 * container's memory limit). The pollers and the applier hold a store's catalog while they work on it (an export, an
 * account's inventory, unfinished facts) and get more. A deployment with larger catalogs raises
 * them with its own `NODE_OPTIONS`. The mirakl-poller and the applier get 112 MB instead of 160:
 * with glibc's malloc returning what it frees ({@link SERVICE_MALLOC_ENV}) that holds them under
 * 200 MB of RSS (ADR 0133). The semi-spaces of the pollers and the applier are 8 MB: an account
 * read allocates ~50 MB of short-lived page objects (ADR 0148), an export pass or a batch of offer
 * facts as much, fewer of which survive a scavenge with twice the room; the mirakl-poller's and
 * the applier's scavenges took 40 % less time, their old spaces 8 MB less for the RSS the larger
 * young generation takes (ADR 0179).
 */
export const SERVICE_HEAP: Record<ServiceName, HeapLimits> = {
  'config-api': { oldSpaceMb: 128, semiSpaceMb: 4 },
  scheduler: { oldSpaceMb: 128, semiSpaceMb: 4 },
  'mirakl-poller': { oldSpaceMb: 112, semiSpaceMb: 8 },
  'shipbob-poller': { oldSpaceMb: 160, semiSpaceMb: 8 },
  'sync-applier': { oldSpaceMb: 112, semiSpaceMb: 8 },
  reporter: { oldSpaceMb: 128, semiSpaceMb: 4 },
};

/** Heap limits as Node's command-line flags; a limit of 0 is left to V8. */
export const nodeOptionsOf = (heap: HeapLimits): string =>
  [
    ...(heap.oldSpaceMb > 0 ? [`--max-old-space-size=${heap.oldSpaceMb}`] : []),
    ...(heap.semiSpaceMb > 0 ? [`--max-semi-space-size=${heap.semiSpaceMb}`] : []),
  ].join(' ');

/** The `NODE_OPTIONS` a service runs with. */
export const serviceNodeOptions = (name: ServiceName): string => nodeOptionsOf(SERVICE_HEAP[name]);

/**
 * glibc malloc settings every service runs with (ADR 0133), in its environment: a block of 128 KiB
 * or more is mapped on its own and unmapped when freed, and free memory above 128 KiB at the top of
 * the heap goes back to the system. glibc's default raises the first threshold to the largest block
 * freed so far (a fetch response, an export file), after which such blocks come from the heap and
 * stay in the process's RSS once freed: 15–20 MB of a poller's or the applier's RSS at catalog
 * scale. The images set the same (`Dockerfile`).
 */
export const SERVICE_MALLOC_ENV: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: '131072',
  MALLOC_TRIM_THRESHOLD_: '131072',
};

/**
 * What a service process runs with beside its configuration: heap limits and malloc settings.
 * `nodeOptions` (an operator's own) come after the limits and win.
 */
export const serviceProcessEnv = (name: ServiceName, nodeOptions = ''): Record<string, string> => ({
  NODE_OPTIONS: [serviceNodeOptions(name), nodeOptions].filter(Boolean).join(' '),
  ...SERVICE_MALLOC_ENV,
});
