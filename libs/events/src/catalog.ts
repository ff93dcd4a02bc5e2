import type { EventSchemas } from './generated/types.js';

export type CleanupPolicy = 'delete' | 'compact';

export interface TopicSpec {
  /** `<source>.<entity>.<fact>.v<major>`; a breaking change means a new major topic. */
  name: string;
  /** Record name of the value schema (one `.avsc` file in `libs/events/schemas`). */
  schema: keyof EventSchemas;
  partitions: number;
  /** Every topic is keyed by storeId, so one store's events stay in order. */
  key: 'storeId';
  cleanupPolicy: CleanupPolicy;
  retentionMs: number;
  description: string;
}

const DAY = 24 * 60 * 60 * 1000;
const FACT_RETENTION = 30 * DAY;

/**
 * `PollRequested.reason` of the sync-applier's request, once a store's offers were written, that
 * the store's inventory cycle end again (ADR 0155): the shipbob-poller closes it with the last
 * read when that read is recent, reads otherwise.
 */
export const OFFERS_CHANGED_REASON = 'offers-changed';

/** Every topic of the product. DLQ topics are `<name>.dlq` (see {@link dlqTopicName}). */
export const topics = {
  pollRequested: {
    name: 'scheduler.poll.requested.v1',
    schema: 'PollRequested',
    partitions: 6,
    key: 'storeId',
    cleanupPolicy: 'delete',
    retentionMs: 2 * DAY,
    description: 'Command: poll one stream of one store (scheduler → pollers).',
  },
  reportRequested: {
    name: 'scheduler.report.requested.v1',
    schema: 'ReportRequested',
    partitions: 3,
    key: 'storeId',
    cleanupPolicy: 'delete',
    retentionMs: 7 * DAY,
    description: 'Command: send the daily returns report of one store (scheduler → reporter).',
  },
  storeConfigChanged: {
    name: 'config.store.changed.v1',
    schema: 'StoreConfigChanged',
    partitions: 3,
    key: 'storeId',
    cleanupPolicy: 'compact',
    retentionMs: -1,
    description: 'Latest secret-free configuration of every store (config-api → all).',
  },
  offerObserved: {
    name: 'mirakl.offer.observed.v1',
    schema: 'MiraklOfferObserved',
    partitions: 6,
    key: 'storeId',
    cleanupPolicy: 'delete',
    retentionMs: FACT_RETENTION,
    description: 'A new or changed Mirakl offer (mirakl-poller → sync-applier).',
  },
  stockObserved: {
    name: 'mirakl.offer.stock.v1',
    schema: 'MiraklStockObserved',
    partitions: 6,
    key: 'storeId',
    cleanupPolicy: 'delete',
    retentionMs: 7 * DAY,
    description:
      'The quantities of a full OF52 export, in chunks, to reconcile stock (mirakl-poller → sync-applier).',
  },
  orderAwaitingAcceptance: {
    name: 'mirakl.order.awaiting-acceptance.v1',
    schema: 'MiraklOrderAwaitingAcceptance',
    partitions: 6,
    key: 'storeId',
    cleanupPolicy: 'delete',
    retentionMs: FACT_RETENTION,
    description: 'A Mirakl order waiting for acceptance (mirakl-poller → sync-applier).',
  },
  orderReadyToShip: {
    name: 'mirakl.order.ready-to-ship.v1',
    schema: 'MiraklOrderReadyToShip',
    partitions: 6,
    key: 'storeId',
    cleanupPolicy: 'delete',
    retentionMs: FACT_RETENTION,
    description: 'A Mirakl order in SHIPPING with its address (mirakl-poller → sync-applier).',
  },
  orderCanceledOnMarketplace: {
    name: 'mirakl.order.canceled.v1',
    schema: 'MiraklOrderCanceled',
    partitions: 6,
    key: 'storeId',
    cleanupPolicy: 'delete',
    retentionMs: FACT_RETENTION,
    description:
      'A Mirakl order canceled or refused on the marketplace (mirakl-poller → sync-applier).',
  },
  incidentOpened: {
    name: 'mirakl.incident.opened.v1',
    schema: 'MiraklIncidentOpened',
    partitions: 6,
    key: 'storeId',
    cleanupPolicy: 'delete',
    retentionMs: FACT_RETENTION,
    description: 'A Mirakl order line in INCIDENT_OPEN (mirakl-poller → sync-applier).',
  },
  shipmentLabeled: {
    name: 'shipbob.shipment.labeled.v1',
    schema: 'ShipBobShipmentLabeled',
    partitions: 6,
    key: 'storeId',
    cleanupPolicy: 'delete',
    retentionMs: FACT_RETENTION,
    description: 'A ShipBob shipment labeled, with tracking (shipbob-poller → sync-applier).',
  },
  orderCanceledInShipBob: {
    name: 'shipbob.order.canceled.v1',
    schema: 'ShipBobOrderCanceled',
    partitions: 6,
    key: 'storeId',
    cleanupPolicy: 'delete',
    retentionMs: FACT_RETENTION,
    description: 'A ShipBob order canceled in ShipBob (shipbob-poller → sync-applier).',
  },
  inventoryObserved: {
    name: 'shipbob.inventory.observed.v1',
    schema: 'ShipBobInventoryObserved',
    partitions: 6,
    key: 'storeId',
    cleanupPolicy: 'delete',
    retentionMs: 7 * DAY,
    description: 'Changed ShipBob inventory of one SKU (shipbob-poller → sync-applier).',
  },
  returnUpdated: {
    name: 'shipbob.return.updated.v1',
    schema: 'ShipBobReturnUpdated',
    partitions: 6,
    key: 'storeId',
    cleanupPolicy: 'delete',
    retentionMs: FACT_RETENTION,
    description: 'A ShipBob return order changed status (shipbob-poller → reporter).',
  },
  syncOutcome: {
    name: 'sync.outcome.recorded.v1',
    schema: 'SyncOutcomeRecorded',
    partitions: 6,
    key: 'storeId',
    cleanupPolicy: 'delete',
    retentionMs: 90 * DAY,
    description: 'Audit trail of every effect the applier applied, skipped or failed.',
  },
} as const satisfies Record<string, TopicSpec>;

export type TopicKey = keyof typeof topics;

/** The payload type of a topic, derived from its Avro schema. */
export type EventOf<K extends TopicKey> = EventSchemas[(typeof topics)[K]['schema']];

/** Dead-letter topic of a topic: same name with `.dlq`; raw original bytes plus reason headers. */
export function dlqTopicName(topicName: string): string {
  return `${topicName}.dlq`;
}

/** Registry subject of a topic's value schema (TopicNameStrategy). */
export function subjectName(topicName: string): string {
  return `${topicName}-value`;
}

/**
 * Physical topic name. A namespace (e.g. `staging.` or a per-test prefix) lets several
 * environments or test runs share one cluster and registry without touching each other.
 */
export function physicalTopic(key: TopicKey, namespace = ''): string {
  return `${namespace}${topics[key].name}`;
}

export const topicKeys = Object.keys(topics) as TopicKey[];
