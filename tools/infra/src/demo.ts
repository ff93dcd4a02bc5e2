/**
 * What `npm start` and the compose file's `demo` profile both set up: the backbone (topics and
 * schemas), the local secrets, the simulators' demo settings, and the demo tenant and store with
 * a first poll, all through the same code so the two runs show the same system.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  bootstrapTopics,
  type createKafka,
  envelope,
  EventCodec,
  registerSchemas,
  RegistryClient,
  type Publisher,
} from '@msync/events';
import { errorMessage, type Logger } from '@msync/platform';
import { ensureDemoTenant, type DemoTenant } from './demo-tenant.js';
import { ensureDemoStore, type DemoStore } from './demo-store.js';

/** Demo credentials of the simulators (not secrets: they open nothing but the local simulators). */
export const DEMO = {
  miraklShopId: 2001,
  miraklApiKey: 'demo-mirakl-key-2001',
  shipbobPat: 'sim-pat',
} as const;
/** The demo shop gets a new order this often; the ShipBob simulator labels and ships by itself. */
export const NEW_ORDER_EVERY_MS = 20_000;
/**
 * The demo shop's offers: the first two are the ShipBob simulator's demo products (reused, their
 * stock less the buffer pushed to Mirakl), the third is new to ShipBob (created as a product).
 */
export const DEMO_OFFERS = ['DEMO-SKU-1', 'DEMO-SKU-2', 'DEMO-SKU-3'] as const;
/** Units of ShipBob's stock the demo store keeps back from Mirakl. */
export const DEMO_INVENTORY_BUFFER = 2;
/**
 * The ShipBob simulator's warehouse receives stock of an item whose fulfillable units at a center
 * fall below `below`, back up to `upTo`: the demo orders never run it out, and its Mirakl quantity
 * is seen going down with the orders and up with each receiving.
 */
export const DEMO_RESTOCK = { below: 5, upTo: 25 } as const;
/** Partitions of the local runs' topics (one broker; production uses the catalog's counts). */
export const LOCAL_PARTITIONS = 3;
export const MIRAKL_SIM_PORT = 18090;
export const SHIPBOB_SIM_PORT = 18091;

/** The simulators' environment for the demo: the demo shop, the order feed, the warehouse pace. */
export function demoSimulatorEnv(host: string) {
  return {
    'mirakl-sim': {
      MIRAKL_SIM_HOST: host,
      MIRAKL_SIM_PORT: String(MIRAKL_SIM_PORT),
      MIRAKL_SIM_SHOPS: `${DEMO.miraklShopId}:${DEMO.miraklApiKey}`,
      MIRAKL_SIM_NEW_ORDER_EVERY_MS: String(NEW_ORDER_EVERY_MS),
      MIRAKL_SIM_NEW_ORDER_SKUS: 'DEMO-SKU-1',
      MIRAKL_SIM_OFFERS: DEMO_OFFERS.join(','),
      MIRAKL_SIM_PAYMENT_DELAY_MS: '3000',
    },
    'shipbob-sim': {
      SHIPBOB_SIM_HOST: host,
      SHIPBOB_SIM_PORT: String(SHIPBOB_SIM_PORT),
      SHIPBOB_SIM_PAT: DEMO.shipbobPat,
      SHIPBOB_SIM_LABEL_AFTER_MS: '5000',
      SHIPBOB_SIM_SHIP_AFTER_MS: '10000',
      // The demo orders' SKU would run out in about ten minutes: the warehouse receives more.
      SHIPBOB_SIM_RESTOCK_BELOW: String(DEMO_RESTOCK.below),
      SHIPBOB_SIM_RESTOCK_TO: String(DEMO_RESTOCK.upTo),
    },
  };
}

export interface LocalSecrets {
  /** config-api's, the pollers' and the applier's key ring (ADR 0041). */
  encryptionKeys: string;
  /** config-api's ADMIN_BOOTSTRAP_TOKEN. */
  adminToken: string;
}

/** A new key ring and admin token for a local run (made once, then kept with its data). */
export function newLocalSecrets(): LocalSecrets {
  return {
    encryptionKeys: `local1:${randomBytes(32).toString('base64')}`,
    adminToken: randomBytes(24).toString('base64url'),
  };
}

/**
 * The secrets as the compose file's services read them: one file per variable in the state
 * volume, exported by each service's command before it starts (docker-compose.yml).
 */
export function composeSecretFiles(secrets: LocalSecrets): Record<string, string> {
  return { ENCRYPTION_KEYS: secrets.encryptionKeys, ADMIN_BOOTSTRAP_TOKEN: secrets.adminToken };
}

/** Creates the catalog's topics and registers every schema; safe to run again. */
export async function prepareBackbone(options: {
  kafka: ReturnType<typeof createKafka>;
  schemaRegistryUrl: string;
  logger: Logger;
  /** Overrides the catalog's partition counts (one-broker local runs). */
  partitions?: number | undefined;
  /** The services' TOPIC_NAMESPACE (topic names and schema subjects). */
  namespace?: string;
}): Promise<{ topics: number; schemas: number }> {
  const namespace = options.namespace ?? '';
  const topics = await bootstrapTopics({
    kafka: options.kafka,
    logger: options.logger,
    namespace,
    ...(options.partitions !== undefined ? { partitions: options.partitions } : {}),
  });
  const ids = await registerSchemas(
    new EventCodec(new RegistryClient(options.schemaRegistryUrl), namespace),
  );
  return {
    topics: topics.created.length + topics.existing.length,
    schemas: Object.keys(ids).length,
  };
}

export interface DemoSetup {
  /** The demo tenant, or why it could not be set up. */
  tenant: DemoTenant | string;
  /** The demo store, or why it could not be set up. */
  store: DemoStore | string;
}

/**
 * The demo tenant and its store on the simulators' demo accounts, set up through config-api's
 * API (the same ones on every start), then one poll of orders, shipments, offers and inventory
 * at once so a restart shows progress without waiting for the scheduler's minute.
 */
export async function setUpDemo(options: {
  apiUrl: string;
  adminToken: string;
  /** The tenant token an earlier start printed, reused while config-api accepts it. */
  savedTenantToken?: string | undefined;
  /** The Mirakl simulator's URL as config-api, the pollers and the applier reach it. */
  miraklUrl: string;
  publisher: Publisher;
}): Promise<DemoSetup> {
  const tenant = await orWhyNot(() =>
    ensureDemoTenant({
      apiUrl: options.apiUrl,
      adminToken: options.adminToken,
      savedToken: options.savedTenantToken,
    }),
  );
  if (typeof tenant === 'string') return { tenant, store: 'no demo tenant' };
  const store = await orWhyNot(() =>
    ensureDemoStore({
      apiUrl: options.apiUrl,
      token: tenant.token,
      miraklUrl: options.miraklUrl,
      miraklApiKey: DEMO.miraklApiKey,
      shipbobPat: DEMO.shipbobPat,
      pollIntervalMinutes: 1,
      inventoryBuffer: DEMO_INVENTORY_BUFFER,
    }),
  );
  if (typeof store === 'string') return { tenant, store };
  await requestFirstPolls(options.publisher, store);
  return { tenant, store };
}

/** The work's result, or the message of its failure. */
async function orWhyNot<T>(work: () => Promise<T>): Promise<T | string> {
  try {
    return await work();
  } catch (error) {
    return errorMessage(error);
  }
}

async function requestFirstPolls(
  publisher: Publisher,
  { storeId, configVersion }: DemoStore,
): Promise<void> {
  for (const [system, stream] of [
    ['MIRAKL', 'orders'],
    ['SHIPBOB', 'shipments'],
    ['MIRAKL', 'offers'],
    ['SHIPBOB', 'inventory'],
    // The simulators start afresh with every run while the database keeps what was pushed to
    // the earlier ones (Mirakl's quantities back at 0): a reconciliation compares Mirakl's
    // quantities with the computed ones and a later cycle puts the drift right. At a first run
    // it compares nothing (no quantity pushed yet).
    ['MIRAKL', 'reconcile'],
  ] as const) {
    const now = new Date();
    await publisher.publish('pollRequested', {
      envelope: envelope({
        storeId,
        idempotencyKey: `npm-start:${storeId}:${stream}:${now.toISOString()}`,
        source: 'npm-start',
        occurredAt: now,
        observedAt: now,
        correlationId: randomUUID(),
      }),
      system,
      stream,
      reason: 'manual',
      since: null,
      // Polled once the pollers have seen the flows turned on.
      configVersion,
    });
  }
}

/** The lines that tell where to look at the demo, for both runs' closing tables. */
export function demoRows(setup: DemoSetup, adminToken: string, miraklSimUrl: string): string[][] {
  const { tenant, store } = setup;
  return [
    ['  admin token', `${adminToken}  (tenants, tokens, every store)`],
    [
      '  tenant token',
      typeof tenant === 'string'
        ? `none: ${tenant}`
        : `${tenant.token}  (tenant "${tenant.tenantName}": Integrate New Store)`,
    ],
    [
      '  demo store',
      typeof store === 'string'
        ? `none: ${store}`
        : `${store.name} (${store.storeId}): Order Sync, Tracking, Sync Offers and Sync ` +
          `Inventory on (buffer ${DEMO_INVENTORY_BUFFER}), polled every minute`,
    ],
    ['  demo Mirakl shop', `URL ${miraklSimUrl}, API key ${DEMO.miraklApiKey}`],
    ['  demo ShipBob PAT', DEMO.shipbobPat],
    [
      '  orders',
      `a new one every ${NEW_ORDER_EVERY_MS / 1000} s in the Mirakl simulator; ` +
        `http://127.0.0.1:${MIRAKL_SIM_PORT}/_sim/shops/${DEMO.miraklShopId} shows their states`,
    ],
    [
      '  catalog',
      `offers ${DEMO_OFFERS.join(', ')}: ${DEMO_OFFERS[2]} becomes a ShipBob product, ` +
        `ShipBob's stock less ${DEMO_INVENTORY_BUFFER} their Mirakl quantity (the store page's ` +
        `SKU table; the simulator's shop page above shows the offers)`,
    ],
    [
      '  outcomes',
      '`npm run -s stream -- tail syncOutcome` (accepted, created, shipped, products, stock)',
    ],
  ];
}
