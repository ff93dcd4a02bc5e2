import { Counter, Gauge, Histogram, type Registry } from '@msync/platform';

export interface ApplierMetrics {
  outcomes: Counter<'flow' | 'action' | 'outcome'>;
  effectLatency: Histogram<'flow' | 'action'>;
  parkedLanes: Gauge<'lane'>;
  retrierAttempts: Counter<'lane' | 'result'>;
  /** Offer facts that waited for kept outcomes to be written (backpressure). */
  offerOutcomeWaits: Counter;
  /** Offers decided on their batch's prefetch, without a read or a call (ADR 0176). */
  offersSettled: Counter;
  vendorCalls: Counter<'system' | 'operation' | 'status'>;
  inventoryCycles: Counter<'result'>;
  inventoryReconciliations: Counter<'result'>;
  inventoryDriftSkus: Counter<'kind'>;
  inventoryDriftingSkus: Gauge<'store'>;
  gateWaits: Counter<'operation'>;
  catalogFacts: Counter<'kind'>;
  catalogStateWrites: Counter<'kind'>;
  /** Catalog-sized phases of stores' cycle ends running in their slots, and waiting for one. */
  cycleEndPhases: Gauge<'state'>;
  /** Cycle ends decided on the store's map, on its stock index, and without either (ADR 0142, 0147). */
  cycleEndDecisions: Counter<'on'>;
  /** SKUs of the stores' stock indexes kept in memory (ADR 0147). */
  stockIndexEntries: Gauge;
  /** Requests that a store's inventory cycle end again, its offers written (ADR 0155). */
  offersStockRequests: Counter;
}

/** The applier's metrics, registered once per registry. */
export function applierMetrics(registry: Registry): ApplierMetrics {
  const existing = registry.getSingleMetric('sync_applier_outcomes_total');
  if (existing) return cached.get(registry)!;
  const metrics: ApplierMetrics = {
    outcomes: new Counter({
      name: 'sync_applier_outcomes_total',
      help: 'Outcomes recorded, by flow, action (accept, create, ship) and outcome (APPLIED, DUPLICATE, SKIPPED, FAILED).',
      labelNames: ['flow', 'action', 'outcome'],
      registers: [registry],
    }),
    effectLatency: new Histogram({
      name: 'sync_applier_effect_latency_seconds',
      help: 'From the fact being observed at its source to its effect applied in the other system.',
      labelNames: ['flow', 'action'],
      buckets: [0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600],
      registers: [registry],
    }),
    parkedLanes: new Gauge({
      name: 'sync_applier_parked_lanes',
      help: 'Lanes holding parked facts: stores whose vendor failed (store), orders waiting for a fix such as a missing product (waiting).',
      labelNames: ['lane'],
      registers: [registry],
    }),
    offerOutcomeWaits: new Counter({
      name: 'sync_applier_offer_outcome_waits_total',
      help: 'Offer facts that waited for kept outcomes to be written (the view and the publish behind the flow: backpressure)',
      registers: [registry],
    }),
    offersSettled: new Counter({
      name: 'sync_applier_offers_settled_total',
      help: "Offers decided on what their batch's prefetch read ahead (entry and product), with no read or call of their own",
      registers: [registry],
    }),
    retrierAttempts: new Counter({
      name: 'sync_applier_retrier_attempts_total',
      help: 'Retrier passes over a parked lane, by result (drained, failed, not-due, busy: another instance holds it, lease-lost: taken over while draining, stopped: shutdown).',
      labelNames: ['lane', 'result'],
      registers: [registry],
    }),
    vendorCalls: new Counter({
      name: 'sync_applier_vendor_calls_total',
      help: 'Calls to Mirakl and ShipBob by operation and status (ok, or the error reason such as http-500, wrong-state, rate-limited).',
      labelNames: ['system', 'operation', 'status'],
      registers: [registry],
    }),
    inventoryCycles: new Counter({
      name: 'sync_applier_inventory_cycles_total',
      help: 'Ends of a store inventory cycle, by result (imported, unchanged: no import, skipped, duplicate, failed).',
      labelNames: ['result'],
      registers: [registry],
    }),
    inventoryReconciliations: new Counter({
      name: 'sync_applier_inventory_reconciliations_total',
      help: 'Stock reconciliations decided, by result (clean, drift, skipped, duplicate).',
      labelNames: ['result'],
      registers: [registry],
    }),
    inventoryDriftSkus: new Counter({
      name: 'sync_applier_inventory_drift_skus_total',
      help: 'SKUs whose Mirakl quantity differed from the computed one at a reconciliation, by kind (drift: sent again with the next import; persistent: drifting again after a fix was sent).',
      labelNames: ['kind'],
      registers: [registry],
    }),
    inventoryDriftingSkus: new Gauge({
      name: 'sync_applier_inventory_drifting_skus',
      help: "SKUs found drifting at the store's latest reconciliation.",
      labelNames: ['store'],
      registers: [registry],
    }),
    catalogFacts: new Counter({
      name: 'sync_applier_catalog_facts_total',
      help: 'SKUs of catalog facts handled, by kind (level: a SKU of a ShipBobInventoryObserved, which carries up to 250; offer: a MiraklOfferObserved).',
      labelNames: ['kind'],
      registers: [registry],
    }),
    catalogStateWrites: new Counter({
      name: 'sync_applier_catalog_state_writes_total',
      help: 'Chunk documents written recording catalog facts (inventory_skus: levels and offers), by kind; a fetched batch of one store is one per 500 SKUs.',
      labelNames: ['kind'],
      registers: [registry],
    }),
    gateWaits: new Counter({
      name: 'sync_applier_gate_waits_total',
      help: 'Mirakl calls refused by the shared per-shop call gate (another process called too recently): an OR11 fact waits parked, an import status read (STO02/OF02) reads again once allowed.',
      labelNames: ['operation'],
      registers: [registry],
    }),
    cycleEndPhases: new Gauge({
      name: 'sync_applier_cycle_end_phases',
      help: "Catalog-sized phases of stores' inventory cycle ends (the decision on the store's maps, the recording of an import's results) and stock reconciliations running in one of the process's slots (running) and waiting for one (waiting), ADR 0140, 0143.",
      labelNames: ['state'],
      registers: [registry],
    }),
    offersStockRequests: new Counter({
      name: 'sync_applier_offers_stock_requests_total',
      help: "Requests that a store's inventory cycle end again with the last ShipBob read, made once its offers were written and quiet (ADR 0155).",
      registers: [registry],
    }),
    cycleEndDecisions: new Counter({
      name: 'sync_applier_cycle_end_decisions_total',
      help: "Stores' inventory cycle ends decided on the store's map read in a slot (on=map), on the store's stock index and the chunks written since (on=index, ADR 0147), and without either (on=no-map: the gate was closed, the ledger had the cycle, or the map and configuration were still those of a decision that found no line to send), ADR 0142; left to the cycle end after the store's offers still to be applied (on=after-offers, ADR 0180).",
      labelNames: ['on'],
      registers: [registry],
    }),
    stockIndexEntries: new Gauge({
      name: 'sync_applier_stock_index_entries',
      help: "SKUs of the stores' stock indexes kept in memory between cycle ends, 17 bytes each (at most STOCK_INDEX_ENTRIES), ADR 0147.",
      registers: [registry],
    }),
  };
  cached.set(registry, metrics);
  return metrics;
}

const cached = new WeakMap<Registry, ApplierMetrics>();
