import type { Db } from 'mongodb';
import type { Publisher } from '@msync/events';
import type { Express } from 'express';
import { Registry, type Logger } from '@msync/platform';
import { AccessService } from './access.js';
import { MongoAccess } from './adapters/mongo-access.js';
import { MongoStores } from './adapters/mongo-stores.js';
import { createSecretBox, type EncryptionKey } from '@msync/stores';
import { miraklGateway, shipbobGateway, systemResolver } from './adapters/vendor-gateways.js';
import type { HostResolver, MiraklGateway, ShipBobGateway } from './domain/ports.js';
import type { UrlPolicy } from '@msync/mirakl';
import { createHttpApp } from './http/app.js';
import { createRelay, type Relay } from './relay.js';
import { StoreService } from './stores.js';
import { configApiMetrics } from './metrics.js';

export interface ConfigApiOptions {
  db: Db;
  publisher: Publisher;
  logger: Logger;
  encryptionKeys: readonly EncryptionKey[];
  adminBootstrapToken: string;
  urlPolicy: UrlPolicy;
  shipbobBaseUrl: string;
  relayIntervalMs: number;
  /** The service's Prometheus registry; a private one when absent. */
  metrics?: Registry;
  /** Replaceable for tests that need a fixed DNS answer; the system resolver otherwise. */
  resolver?: HostResolver;
  mirakl?: MiraklGateway;
  shipbob?: ShipBobGateway;
  /** Cap on the vendor calls of one request (credential checks); default 10 s. */
  verificationDeadlineMs?: number;
}

export interface ConfigApi {
  /** The HTTP API and UI (an express app, usable as a `node:http` request listener). */
  app: Express;
  relay: Relay;
  stores: MongoStores;
  service: StoreService;
  access: AccessService;
}

/** Wires config-api on its dependencies: the HTTP app plus the publication relay (not started). */
export async function createConfigApi(options: ConfigApiOptions): Promise<ConfigApi> {
  const logger = options.logger;
  const metrics = configApiMetrics(options.metrics ?? new Registry());
  logger.addSecret(options.adminBootstrapToken);
  const stores = new MongoStores(options.db);
  const accessStore = new MongoAccess(options.db);
  await Promise.all([stores.ensureIndexes(), accessStore.ensureIndexes()]);
  const relay = createRelay({
    stores,
    publisher: options.publisher,
    logger,
    intervalMs: options.relayIntervalMs,
    metrics,
  });
  const service = new StoreService({
    stores,
    mirakl:
      options.mirakl ??
      miraklGateway({
        logger,
        // The simulators and local runs config-api may call are the ones it lets stores use.
        trustedHosts: options.urlPolicy.trustedOrigins.map((origin) => new URL(origin).hostname),
      }),
    shipbob: options.shipbob ?? shipbobGateway({ baseUrl: options.shipbobBaseUrl, logger }),
    resolver: options.resolver ?? systemResolver,
    secrets: createSecretBox(options.encryptionKeys),
    urlPolicy: options.urlPolicy,
    logger,
    onChange: () => relay.kick(),
    ...(options.verificationDeadlineMs !== undefined
      ? { verificationDeadlineMs: options.verificationDeadlineMs }
      : {}),
  });
  const access = new AccessService(accessStore, options.adminBootstrapToken);
  const app = createHttpApp({ stores: service, access, logger, metrics });
  return { app, relay, stores, service, access };
}
