import { closedGate, type Flow, type GateNeeds, type StoreConfig } from './store-config.js';

/** What the applier did about one fact, as recorded on `sync.outcome.recorded.v1`. */
export type OutcomeKind = 'APPLIED' | 'DUPLICATE' | 'SKIPPED' | 'FAILED';

export type Target = 'MIRAKL' | 'SHIPBOB';

/** One step of a flow, named in effect keys and metrics. */
export type Action =
  /** One ShipBob product for an offer's shop SKU. */
  | 'product'
  | 'accept'
  | 'create'
  | 'ship'
  /** OR29: an order canceled in ShipBob is canceled in Mirakl. */
  | 'cancel'
  /** Lines of a Mirakl order whose ShipBob shipment was canceled while the rest ships. */
  | 'cancel-lines'
  /** The ShipBob order of an order canceled on the marketplace. */
  | 'cancel-in-shipbob'
  /** A ShipBob return for one incident line. */
  | 'return'
  /** One stock import of a store's changed quantities (Sync Inventory). */
  | 'push-stock'
  /** Mirakl's quantities compared with the product's (ADR 0088). */
  | 'reconcile-stock';

export interface Outcome {
  outcome: OutcomeKind;
  flow: Flow;
  action: Action;
  /** Unique per store: the effect this fact asks for (`create:<miraklOrderId>`). */
  effectKey: string;
  target: Target;
  /** The Mirakl order the effect belongs to (empty: not an order's, e.g. an offer's product). */
  miraklOrderId: string;
  /** What the effect is about when it is not an order (a SKU); defaults to `miraklOrderId`. */
  subjectId?: string;
  /** Machine-readable, for SKIPPED and FAILED (`flow-disabled`, `unknown-sku`, ...). */
  reason: string | null;
  /** A sentence the seller can read. */
  detail: string | null;
  externalIds: Record<string, string>;
}

/** What every outcome of one fact shares. */
export type OutcomeBase = Pick<
  Outcome,
  'flow' | 'action' | 'effectKey' | 'target' | 'miraklOrderId' | 'subjectId'
>;

/** The effects ledger's record of one effect (`null` in a state: never claimed). */
export type LedgerEntry =
  /** `progress`: what the claimed effect reached at the vendor before its run stopped. */
  | { status: 'claimed'; progress?: Readonly<Record<string, string>> }
  | { status: 'done'; externalIds: Record<string, string>; outcomeRecorded: boolean }
  /** Must never be made: its order was canceled on the marketplace before it was (ADR 0069). */
  | { status: 'voided' };

/**
 * What to do next about a fact. A decision is a pure function of the fact, the store's
 * configuration and what is known so far; the shell carries it out and, for `ask`, decides again
 * with the answer.
 */
export type Decision<Query, Command> =
  /** The decision needs an answer from the target system first (resume, product lookup). */
  | { type: 'ask'; query: Query }
  /**
   * Claim the effect (unless `resumed`: the claim exists), run the command, mark it done, record
   * APPLIED — or DUPLICATE when the target already had it and nothing of ours was pending.
   */
  | { type: 'apply'; command: Command; resumed: boolean; base: OutcomeBase }
  /** The target already shows the effect: mark the claim done and record the outcome. */
  | { type: 'complete'; externalIds: Record<string, string>; outcome: Outcome }
  /** Nothing to call: record the outcome (SKIPPED, DUPLICATE, or APPLIED not yet recorded). */
  | { type: 'record'; outcome: Outcome; markRecorded: boolean }
  /**
   * Not now: try this fact again later, never drop it. `wait` says how: behind the store's lane
   * with the usual backoff, or on its own after a long pause (something a person must fix).
   */
  | { type: 'retry'; reason: string; message: string; wait: 'backoff' | 'long'; outcome?: Outcome }
  /** Retrying cannot help: FAILED outcome, and the fact goes to its DLQ with the reason. */
  | { type: 'reject'; reason: string; outcome: Outcome };

/** The outcome skeleton of a fact; each flow fills its constants. */
export function outcomeOf(
  base: OutcomeBase,
  outcome: OutcomeKind,
  details: {
    reason?: string | null;
    detail?: string | null;
    externalIds?: Record<string, string>;
  } = {},
): Outcome {
  return {
    ...base,
    outcome,
    reason: details.reason ?? null,
    detail: details.detail ?? null,
    externalIds: details.externalIds ?? {},
  };
}

/** The outcome a done effect gets when its fact comes again (or its APPLIED was never recorded). */
export function doneDecision<Q, C>(
  base: OutcomeBase,
  entry: Extract<LedgerEntry, { status: 'done' }>,
): Decision<Q, C> {
  if (!entry.outcomeRecorded) {
    // Marked done, but the process stopped before its outcome was published.
    return {
      type: 'record',
      outcome: outcomeOf(base, 'APPLIED', { externalIds: entry.externalIds }),
      markRecorded: true,
    };
  }
  return {
    type: 'record',
    outcome: outcomeOf(base, 'DUPLICATE', {
      reason: 'already-applied',
      detail: 'this effect was already applied; nothing was sent again',
      externalIds: entry.externalIds,
    }),
    markRecorded: false,
  };
}

/**
 * The gate's answer: `open` with the store's configuration, or a decision that needs no vendor
 * and no ledger (wait for configuration, or record SKIPPED).
 */
export type GateDecision =
  | { type: 'open'; config: StoreConfig }
  | { type: 'retry'; reason: string; message: string; wait: 'backoff' }
  | { type: 'record'; outcome: Outcome; markRecorded: false };

/**
 * Every flow's first question: has the store's configuration been seen (else retry: the config
 * topic may still be loading), and may this flow act for it now (else SKIPPED)?
 */
export function gateDecision(
  storeId: string,
  config: StoreConfig | undefined,
  base: OutcomeBase,
  needs?: GateNeeds,
): GateDecision {
  if (config === undefined) {
    return {
      type: 'retry',
      reason: 'config-not-loaded',
      message: `no configuration seen yet for store ${storeId}`,
      wait: 'backoff',
    };
  }
  const closed = closedGate(config, base.flow, needs);
  if (closed) {
    return { type: 'record', outcome: outcomeOf(base, 'SKIPPED', closed), markRecorded: false };
  }
  return { type: 'open', config };
}
