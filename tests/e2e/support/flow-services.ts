import { startService, type ServiceProcess } from './services.js';

// The five services of the orders flow, configured as production configures them (environment
// only), on one topic namespace and database, pointed at the two simulators. The end-to-end test
// and the orders benchmark start the same system this way.

export const FLOW_SERVICES = [
  'config-api',
  'scheduler',
  'mirakl-poller',
  'shipbob-poller',
  'sync-applier',
] as const;
export type FlowService = (typeof FLOW_SERVICES)[number];

export interface FlowSystem {
  /** The services' PATH: the one variable they get from the caller's environment. */
  path: string;
  infra: { KAFKA_BROKERS: string; SCHEMA_REGISTRY_URL: string; MONGO_URL: string };
  namespace: string;
  database: string;
  /** config-api's key ring, shared by the pollers and the applier (ADR 0041). */
  encryptionKeys: string;
  adminToken: string;
  miraklUrl: string;
  shipbobUrl: string;
  logLevel?: string;
  /** Variables added to (or overriding) one service's, e.g. shorter intervals in a test. */
  tuning?: Partial<Record<FlowService, Record<string, string>>>;
}

/** The environment of one service of the flow: all it gets (PATH included), nothing inherited. */
export function flowServiceEnv(name: FlowService, system: FlowSystem): Record<string, string> {
  const common = {
    PATH: system.path,
    KAFKA_BROKERS: system.infra.KAFKA_BROKERS,
    SCHEMA_REGISTRY_URL: system.infra.SCHEMA_REGISTRY_URL,
    MONGO_URL: system.infra.MONGO_URL,
    MONGO_DB: system.database,
    TOPIC_NAMESPACE: system.namespace,
    ENCRYPTION_KEYS: system.encryptionKeys,
    LOG_LEVEL: system.logLevel ?? 'info',
    SHUTDOWN_TIMEOUT_MS: '10000',
  };
  const miraklOrigin = new URL(system.miraklUrl).origin;
  const own: Record<FlowService, Record<string, string>> = {
    'config-api': {
      HTTP_PORT: '0',
      HTTP_HOST: '127.0.0.1',
      ADMIN_BOOTSTRAP_TOKEN: system.adminToken,
      MIRAKL_TRUSTED_ORIGINS: miraklOrigin,
      SHIPBOB_BASE_URL: system.shipbobUrl,
    },
    scheduler: {},
    'mirakl-poller': { MIRAKL_TRUSTED_HOSTS: new URL(system.miraklUrl).hostname },
    'shipbob-poller': { SHIPBOB_BASE_URL: system.shipbobUrl },
    'sync-applier': { MIRAKL_TRUSTED_ORIGINS: miraklOrigin, SHIPBOB_BASE_URL: system.shipbobUrl },
  };
  return { ...common, ...own[name], ...system.tuning?.[name] };
}

/** Starts one service of the flow from its build and waits until it is ready. */
export function startFlowService(name: FlowService, system: FlowSystem): Promise<ServiceProcess> {
  return startService(name, flowServiceEnv(name, system));
}

/** Starts the five services at once; resolves when every one is ready. */
export async function startFlowServices(
  system: FlowSystem,
): Promise<Map<FlowService, ServiceProcess>> {
  const started = await Promise.all(FLOW_SERVICES.map((name) => startFlowService(name, system)));
  return new Map(started.map((s, i) => [FLOW_SERVICES[i]!, s]));
}
