import {
  ITEMS_HEADER,
  offersOf,
  type ConsumedEventOf,
  type EventEnvelope,
  type MiraklOfferObserved,
} from '@msync/events';
import { isWrongState, type MiraklWrongStateError } from '@msync/mirakl';
import {
  PermanentError,
  RateLimitedError,
  RetriableError,
  classifyError,
  errorMessage,
  errorReason,
  type Logger,
} from '@msync/platform';
import { acceptBase, decideAccept, type AcceptCommand, type AcceptState } from './domain/accept.js';
import {
  cancelBase,
  decideCancel,
  type CancelCommand,
  type CancelQuery,
  type CancelState,
} from './domain/cancel.js';
import {
  createBase,
  decideCreate,
  type CreateCommand,
  type CreateQuery,
  type CreateState,
} from './domain/create.js';
import { outcomeOf, type Decision, type LedgerEntry, type OutcomeBase } from './domain/decision.js';
import {
  cancelInShipBobBase,
  decideCancelInShipBob,
  type MarketplaceCancelQuery,
  type MarketplaceCancelState,
  type ShipBobCancelCommand,
} from './domain/marketplace-cancel.js';
import type { MiraklOrderQuery, MiraklStateKnown } from './domain/mirakl-resume.js';
import {
  decideOffer,
  productBase,
  productEffectKey,
  type OfferState,
  type ProductMatch,
  type ProductCommand,
  type ProductQuery,
} from './domain/offers.js';
import {
  decideReturn,
  returnBase,
  type ReturnCommand,
  type ReturnQuery,
  type ReturnState,
} from './domain/returns.js';
import { createEffectKey } from './domain/create.js';
import { laneOfFlow, type LaneFlow } from './domain/lanes.js';
import type { StoreConfig } from './domain/store-config.js';
import {
  decideTracking,
  trackingBase,
  type ShipCommand,
  type TrackingState,
} from './domain/tracking.js';
import type { EffectsLedger } from './adapters/effects-ledger.js';
import type { OutcomeRecorder } from './adapters/outcomes.js';
import type { StoreConfigs } from './adapters/store-configs.js';
import type { StoreRef, Vendors } from './adapters/vendors.js';
import type { WaitingRoom } from './adapters/waiting-room.js';
import type { createInventoryFlow } from './inventory-flow.js';

/** The facts the applier acts on (offers, orders, tracking, cancellations, returns and inventory flows). */
export const FACT_TOPICS = [
  'offerObserved',
  'orderAwaitingAcceptance',
  'orderReadyToShip',
  'shipmentLabeled',
  'incidentOpened',
  'orderCanceledInShipBob',
  'orderCanceledOnMarketplace',
  'inventoryObserved',
  'stockObserved',
] as const;
export type FactTopic = (typeof FACT_TOPICS)[number];
export type Fact = ConsumedEventOf<FactTopic>;

/** The flow of each fact, whose lane it goes in (ADR 0100). */
const FLOW_OF: Record<FactTopic, LaneFlow> = {
  offerObserved: 'offers',
  orderAwaitingAcceptance: 'orders',
  orderReadyToShip: 'orders',
  shipmentLabeled: 'orders',
  incidentOpened: 'orders',
  orderCanceledInShipBob: 'orders',
  orderCanceledOnMarketplace: 'orders',
  // The store's levels, its one import per cycle and the reconciliation of what it pushed.
  inventoryObserved: 'inventory',
  stockObserved: 'inventory',
};

/** The lane of a store's fact: handled in order, and set aside behind, its flow's other facts. */
export const factLane = (topic: FactTopic, storeId: string): string =>
  laneOfFlow(FLOW_OF[topic], storeId);

/** The fact closing a store's inventory cycle: it sends the store's stock import (ADR 0101). */
export const mayImport = (fact: Fact): boolean =>
  fact.topicKey === 'inventoryObserved' && fact.value.endOfCycle;

type OfferFact = Extract<Fact, { topicKey: 'offerObserved' }>;

/**
 * A fact's offers as facts of one offer each (ADR 0168), as the poller would have published them
 * one by one: their own keys and event ids in value and headers, no `items` header. An offer of
 * `more` is at `<offset>/<n>` of the fact's message, so that two offers of one message set aside
 * or dead-lettered are two entries. A fact of one offer is itself.
 */
export function offerFactsOf(fact: OfferFact, offers = offersOf(fact.value)): OfferFact[] {
  if (offers.length === 1) return [fact];
  const { [ITEMS_HEADER]: _items, ...headers } = fact.headers;
  return offers.map((value, i) => ({
    ...fact,
    offset: i === 0 ? fact.offset : `${fact.offset}/${i}`,
    value,
    headers: {
      ...headers,
      'event-id': value.envelope.eventId,
      'idempotency-key': value.envelope.idempotencyKey,
    },
  }));
}

/** How a fact reached the handler: live from Kafka, or replayed from a parked lane. */
export type Delivery = { via: 'consumer' } | { via: 'parked'; lane: 'store' | 'waiting' };

/**
 * A fact that must wait for a person (e.g. a missing product) and was already in its waiting
 * lane: tried again after `retryAfterMs`. Not a rate limit, but the same promise: come back later.
 */
export class RetryLaterError extends RateLimitedError {}

export interface ApplierDeps {
  configs: StoreConfigs;
  ledger: EffectsLedger;
  vendors: Vendors;
  record: OutcomeRecorder;
  /**
   * Records an outcome that changes no vendor and no ledger entry at the next flush, made before
   * the consumer commits (ADR 0097); only for facts from the consumer, and flows that ask for it.
   */
  recordLater?: OutcomeRecorder;
  waiting: WaitingRoom;
  /** Sync Inventory: levels and offers projections, one import per store and cycle. */
  inventory: ReturnType<typeof createInventoryFlow>;
  logger: Logger;
  /** How long a fact waiting for a person waits between tries (default 15 min). */
  waitingRetryMs?: number;
  /**
   * Writes one offer of a fact of several to the dead-letter topic, alone (ADR 0168). Without it,
   * an offer refused for good fails its whole fact, which goes there whole.
   */
  deadLetter?: (fact: Fact, error: unknown) => Promise<void>;
  /** The answers of a batch's prefetch, for offers it settles at once (ADR 0176). */
  prefetched?: PrefetchedOffers;
  /** Counts an offer settled on its batch's prefetch. */
  onSettled?: () => void;
}

/** What running a command gave: the effect made, or the target's refusal to decide on again. */
type Executed<S> =
  { externalIds: Record<string, string>; alreadyThere: boolean } | { refused: Partial<S> };

/**
 * What the prefetch of a fetched batch holds for its offers (ADR 0176), read without a call:
 * each effect's ledger entry and each SKU's product, taken once used, as a read and a look-up
 * take them.
 */
export interface PrefetchedOffers {
  /** The effect's entry as the batch's read found it (`undefined`: not read ahead). */
  effect(storeId: string, effectKey: string): LedgerEntry | null | undefined;
  /** The SKU's product as looked up ahead (`null`: none; `undefined`: not looked up). */
  product(storeId: string, sku: string): ProductMatch | null | undefined;
  /** Both were used: the entry is taken, and the product's answer when given a SKU. */
  take(storeId: string, effectKey: string, sku: string | null): void;
}

/** Decide → ask → decide … → apply: one flow's pure decision and its I/O. */
interface FlowRun<S extends { effect: LedgerEntry | null }, Q, C> {
  base: OutcomeBase;
  decide(state: S): Decision<Q, C>;
  answer(query: Q, state: S): Promise<Partial<S>>;
  execute(command: C): Promise<Executed<S>>;
  /** Outcomes that change nothing may wait for the consumer's next commit (many at once). */
  recordsLater?: boolean;
}

const MAX_STEPS = 8;

/** The handler of every fact, for the consumer and for the retrier. */
export function createApplier(
  deps: ApplierDeps,
): (fact: Fact, delivery: Delivery) => Promise<void> {
  const { configs, ledger, vendors, record, logger } = deps;
  const waitingRetryMs = deps.waitingRetryMs ?? 15 * 60_000;

  const miraklState = async (
    store: StoreRef,
    orderId: string,
    via: MiraklStateKnown['via'],
    known?: string,
  ): Promise<MiraklStateKnown> => {
    if (known !== undefined) return { state: known, via };
    const order = await vendors.miraklOrderState(store, orderId);
    return { state: order?.state ?? null, trackingNumber: order?.trackingNumber ?? null, via };
  };

  const run = async <S extends { effect: LedgerEntry | null }, Q, C>(
    fact: Fact,
    delivery: Delivery,
    flow: FlowRun<S, Q, C>,
    initial: (effect: LedgerEntry | null) => S,
    onWrongState: (error: MiraklWrongStateError, state: S) => Promise<Partial<S>>,
  ): Promise<void> => {
    const { storeId } = fact.value.envelope;
    const { effectKey } = flow.base;
    try {
      let state = initial(await ledger.read(storeId, effectKey));
      for (let step = 0; step < MAX_STEPS; step++) {
        const decision = flow.decide(state);
        switch (decision.type) {
          case 'ask':
            state = { ...state, ...(await flow.answer(decision.query, state)) };
            continue;
          case 'record':
            if (
              flow.recordsLater &&
              deps.recordLater &&
              !decision.markRecorded &&
              delivery.via === 'consumer'
            )
              await deps.recordLater(decision.outcome, fact.value);
            else await record(decision.outcome, fact.value);
            if (decision.markRecorded) await ledger.markOutcomeRecorded(storeId, effectKey);
            return;
          case 'complete':
            await ledger.markDone(storeId, effectKey, decision.externalIds);
            await record(decision.outcome, fact.value);
            await ledger.markOutcomeRecorded(storeId, effectKey);
            return;
          case 'apply': {
            if (!decision.resumed && state.effect === null) {
              const claimed = await ledger.claim(storeId, effectKey, {
                action: flow.base.action,
                factKey: fact.value.envelope.idempotencyKey,
              });
              if (!claimed) {
                // Claimed meanwhile (another instance during a rebalance): decide again on it.
                state = initial(await ledger.read(storeId, effectKey));
                continue;
              }
              state = { ...state, effect: { status: 'claimed' } };
            }
            let result: Executed<S>;
            try {
              result = await flow.execute(decision.command);
            } catch (error) {
              if (!isWrongState(error)) throw error;
              state = {
                ...state,
                effect: { status: 'claimed' },
                ...(await onWrongState(error, state)),
              };
              continue;
            }
            if ('refused' in result) {
              // Not made: the claim stays (a retry asks the target first) and the flow decides again.
              state = { ...state, effect: { status: 'claimed' }, ...result.refused };
              continue;
            }
            await ledger.markDone(storeId, effectKey, result.externalIds);
            const duplicate = result.alreadyThere && !decision.resumed;
            await record(
              outcomeOf(decision.base, duplicate ? 'DUPLICATE' : 'APPLIED', {
                externalIds: result.externalIds,
                ...(duplicate
                  ? { reason: 'already-in-target', detail: 'the target already had this effect' }
                  : {}),
              }),
              fact.value,
            );
            await ledger.markOutcomeRecorded(storeId, effectKey);
            return;
          }
          case 'retry':
            await retryLater(fact, delivery, decision);
            return;
          case 'reject':
            await record(decision.outcome, fact.value);
            throw new Rejected(decision.outcome.detail ?? decision.reason, decision.reason);
          default: {
            const never: never = decision;
            throw new Error(`unhandled decision ${JSON.stringify(never)}`);
          }
        }
      }
      throw new RetriableError(`no decision settled after ${MAX_STEPS} steps for ${effectKey}`, {
        reason: 'decision-loop',
      });
    } catch (error) {
      if (classifyError(error) === 'permanent' && !(error instanceof Rejected)) {
        // Credentials refused, a request the vendor will never take: the seller must see it.
        await record(
          outcomeOf(flow.base, 'FAILED', {
            reason: errorReason(error),
            detail: errorMessage(error),
          }),
          fact.value,
        );
      }
      throw error;
    }
  };

  /** Not now: behind the store's lane (the consumer parks it), or in a waiting lane of its own. */
  const retryLater = async (
    fact: Fact,
    delivery: Delivery,
    decision: Extract<Decision<unknown, unknown>, { type: 'retry' }>,
  ): Promise<void> => {
    if (decision.wait === 'backoff') {
      throw new RetriableError(decision.message, { reason: decision.reason });
    }
    if (delivery.via === 'parked' && delivery.lane === 'waiting') {
      throw new RetryLaterError(decision.message, waitingRetryMs, { reason: decision.reason });
    }
    if (decision.outcome) await record(decision.outcome, fact.value);
    const lane = `${fact.value.envelope.storeId}|${decision.outcome?.effectKey ?? decision.reason}`;
    await deps.waiting.put(fact, lane, {
      reason: decision.reason,
      message: decision.message,
      retryAfterMs: waitingRetryMs,
    });
    logger.warn('fact set aside until it can be applied', {
      storeId: fact.value.envelope.storeId,
      lane,
      reason: decision.reason,
    });
  };

  const product = (fact: OfferFact, delivery: Delivery) => {
    const value = fact.value;
    const { store } = storeOf(value.envelope);
    return run<OfferState, ProductQuery, ProductCommand>(
      fact,
      delivery,
      {
        base: productBase(value.shopSku.trim() || value.shopSku),
        recordsLater: true,
        // The toggle is read again at every step, up to the call.
        decide: (state) => decideOffer(value, storeOf(value.envelope).config, state),
        answer: async (query) => {
          const found = await vendors.findProducts(store, query.skus);
          return { product: found.get(query.skus[0] ?? '') ?? null };
        },
        execute: async (command) => {
          const created = await vendors.createShipBobProduct(store, command.product);
          return {
            externalIds: { shipbobProductId: created.id, sku: command.product.sku },
            alreadyThere: !created.created,
          };
        },
      },
      (effect) => ({ effect }),
      // ShipBob never answers with a Mirakl wrong-state error.
      (error) => Promise.reject(error),
    );
  };

  /**
   * A fact of several offers (ADR 0168): each decided and applied as a fact of its own, in order.
   * One refused for good (its FAILED outcome recorded) is dead-lettered alone and the others carry
   * on; any other failure fails the fact, and the offers done before it find their effects done
   * (or their products) when it is handled again.
   */
  const products = async (fact: OfferFact, delivery: Delivery): Promise<void> => {
    const offers = offersOf(fact.value);
    let facts: OfferFact[] | undefined;
    for (let i = 0; i < offers.length; i++) {
      const quick = settled(offers[i]!, delivery);
      if (quick) {
        await quick;
        continue;
      }
      // A fact of its own only for an offer that goes the whole way (its own place and headers).
      facts ??= offerFactsOf(fact, offers);
      const offer = facts[i]!;
      try {
        await product(offer, delivery);
      } catch (error) {
        if (classifyError(error) !== 'permanent' || !deps.deadLetter) throw error;
        await deps.deadLetter(offer, error);
      }
    }
  };

  /**
   * An offer from the consumer settled on what its batch's prefetch holds (ADR 0176): when its
   * decision, on the effect's entry read ahead and the SKU's product looked up ahead, is an
   * outcome that changes nothing (a product reused, an effect already applied, the flow off), the
   * outcome is kept for the next flush, as `run` keeps it, with no read, call or fact of its own.
   * Anything else (a product to create, an entry or a product not read ahead) goes the whole way:
   * `null`, and nothing is taken.
   */
  const settled = (value: MiraklOfferObserved, delivery: Delivery): Promise<void> | null => {
    const { prefetched, recordLater } = deps;
    if (!prefetched || !recordLater || delivery.via !== 'consumer') return null;
    const { storeId } = value.envelope;
    const sku = value.shopSku.trim();
    const effectKey = productEffectKey(sku || value.shopSku);
    const effect = prefetched.effect(storeId, effectKey);
    if (effect === undefined) return null;
    const product = sku ? prefetched.product(storeId, sku) : undefined;
    const decision = decideOffer(
      value,
      storeOf(value.envelope).config,
      product === undefined ? { effect } : { effect, product },
    );
    if (decision.type !== 'record' || decision.markRecorded) return null;
    prefetched.take(storeId, effectKey, product === undefined ? null : sku);
    deps.onSettled?.();
    return recordLater(decision.outcome, value);
  };

  const accept = (
    fact: Extract<Fact, { topicKey: 'orderAwaitingAcceptance' }>,
    delivery: Delivery,
  ) => {
    const value = fact.value;
    const { config, store } = storeOf(value.envelope);
    return run<AcceptState, MiraklOrderQuery, AcceptCommand>(
      fact,
      delivery,
      {
        base: acceptBase(value.orderId),
        decide: (state) => decideAccept(value, config, state),
        answer: async (query) => ({
          mirakl: await miraklState(store, query.orderId, 'resume-check'),
        }),
        execute: async (command) => {
          await vendors.acceptOrder(store, command.orderId, command.lineIds);
          return { externalIds: { miraklOrderId: command.orderId }, alreadyThere: false };
        },
      },
      (effect) => ({ effect }),
      async (error) => ({
        mirakl: await miraklState(store, value.orderId, 'wrong-state', error.currentState),
      }),
    );
  };

  const create = (fact: Extract<Fact, { topicKey: 'orderReadyToShip' }>, delivery: Delivery) => {
    const value = fact.value;
    const { config, store } = storeOf(value.envelope);
    return run<CreateState, CreateQuery, CreateCommand>(
      fact,
      delivery,
      {
        base: createBase(value.orderId),
        decide: (state) => decideCreate(value, config, state),
        answer: async (query): Promise<Partial<CreateState>> => {
          switch (query.kind) {
            case 'shipbob-order-by-reference':
              return { shipbobOrder: await vendors.findShipBobOrder(store, query.referenceId) };
            case 'shipbob-known-skus':
              return { knownSkus: await vendors.knownSkus(store, query.skus) };
          }
        },
        execute: async (command) => {
          const created = await vendors.createShipBobOrder(store, command.order);
          return { externalIds: { shipbobOrderId: created.id }, alreadyThere: !created.created };
        },
      },
      (effect) => ({ effect }),
      // ShipBob never answers with a Mirakl wrong-state error.
      (error) => Promise.reject(error),
    );
  };

  const ship = (fact: Extract<Fact, { topicKey: 'shipmentLabeled' }>, delivery: Delivery) => {
    const value = fact.value;
    const { config, store } = storeOf(value.envelope);
    return run<TrackingState, MiraklOrderQuery, ShipCommand>(
      fact,
      delivery,
      {
        base: trackingBase(value.referenceId),
        decide: (state) => decideTracking(value, config, state),
        answer: async (query) => ({
          mirakl: await miraklState(store, query.orderId, 'resume-check'),
        }),
        execute: async (command) => {
          await vendors.shipOrder(store, command.orderId, command.tracking, {
            trackingSet: command.trackingSet ?? false,
          });
          return {
            externalIds: { miraklOrderId: command.orderId, ...command.externalIds },
            alreadyThere: false,
          };
        },
      },
      (effect) => ({ effect }),
      async (error) => ({
        mirakl: await miraklState(store, value.referenceId, 'wrong-state', error.currentState),
      }),
    );
  };

  const giveBack = (fact: Extract<Fact, { topicKey: 'incidentOpened' }>, delivery: Delivery) => {
    const value = fact.value;
    const { store } = storeOf(value.envelope);
    return run<ReturnState, ReturnQuery, ReturnCommand>(
      fact,
      delivery,
      {
        base: returnBase(value.orderId, value.orderLineId),
        // The gate (toggle, approval, return center) is read again at every step, up to the call.
        decide: (state) => decideReturn(value, storeOf(value.envelope).config, state),
        answer: async (query): Promise<Partial<ReturnState>> => {
          switch (query.kind) {
            case 'shipbob-return-by-reference':
              return { shipbobReturn: await vendors.findShipBobReturn(store, query.referenceId) };
            case 'shipbob-return-line':
              return { line: await vendors.returnLine(store, query) };
          }
        },
        execute: async (command) => {
          const created = await vendors.createShipBobReturn(store, command.returnOrder);
          return {
            externalIds: {
              shipbobReturnId: created.id,
              referenceId: command.returnOrder.referenceId,
            },
            alreadyThere: !created.created,
          };
        },
      },
      (effect) => ({ effect }),
      // ShipBob never answers with a Mirakl wrong-state error.
      (error) => Promise.reject(error),
    );
  };

  const cancel = (
    fact: Extract<Fact, { topicKey: 'orderCanceledInShipBob' }>,
    delivery: Delivery,
  ) => {
    const value = fact.value;
    const { config, store } = storeOf(value.envelope);
    return run<CancelState, CancelQuery, CancelCommand>(
      fact,
      delivery,
      {
        base: cancelBase(value),
        decide: (state) => decideCancel(value, config, state),
        answer: async (query) => ({
          mirakl: { order: await vendors.miraklOrder(store, query.orderId), via: 'read' },
        }),
        execute: async (command) => {
          await vendors.cancelMiraklOrder(store, command.orderId);
          return { externalIds: command.externalIds, alreadyThere: false };
        },
      },
      (effect) => ({ effect }),
      async (error, state) => {
        // Refused for the order's state: what Mirakl said, else a fresh read; never OR29 again.
        const known = state.mirakl?.order;
        const order =
          error.currentState && known
            ? { ...known, state: error.currentState }
            : await vendors.miraklOrder(store, value.referenceId);
        return { mirakl: { order: order && { ...order, canCancel: false }, via: 'wrong-state' } };
      },
    );
  };

  const cancelInShipBob = (
    fact: Extract<Fact, { topicKey: 'orderCanceledOnMarketplace' }>,
    delivery: Delivery,
  ) => {
    const value = fact.value;
    const { config, store } = storeOf(value.envelope);
    const { storeId } = value.envelope;
    return run<MarketplaceCancelState, MarketplaceCancelQuery, ShipBobCancelCommand>(
      fact,
      delivery,
      {
        base: cancelInShipBobBase(value.orderId),
        decide: (state) => decideCancelInShipBob(value, config, state),
        answer: async (query): Promise<Partial<MarketplaceCancelState>> => {
          switch (query.kind) {
            case 'block-create':
              return {
                create: await ledger.voidUnlessClaimed(storeId, createEffectKey(query.orderId), {
                  action: 'create',
                  factKey: value.envelope.idempotencyKey,
                }),
              };
            case 'void-claimed-create':
              // The ShipBob order is asked again if the create finished meanwhile.
              return {
                create: await ledger.voidClaim(storeId, createEffectKey(query.orderId)),
                shipbobOrder: undefined,
              };
            case 'shipbob-order':
              return { shipbobOrder: await vendors.shipbobOrder(store, query) };
          }
        },
        execute: async (command) => {
          const result = await vendors.cancelShipBobOrder(store, command.shipbobOrderId);
          if (!result.canceled) {
            return {
              refused: {
                refused: result.reasons,
                ...(result.order ? { shipbobOrder: result.order } : {}),
              },
            };
          }
          return {
            externalIds: { miraklOrderId: value.orderId, shipbobOrderId: command.shipbobOrderId },
            alreadyThere: false,
          };
        },
      },
      (effect) => ({ effect }),
      // ShipBob never answers with a Mirakl wrong-state error.
      (error) => Promise.reject(error),
    );
  };

  const storeOf = (envelope: EventEnvelope): { config?: StoreConfig; store: StoreRef } => {
    const config = configs.get(envelope.storeId);
    return { config, store: { storeId: envelope.storeId, version: config?.version ?? 0 } };
  };

  return async (fact, delivery) => {
    switch (fact.topicKey) {
      case 'offerObserved':
        // The store's offers decide which SKUs get quantities (state, whatever the toggles).
        await deps.inventory.offerObserved(fact, delivery);
        return fact.value.more.length === 0
          ? (settled(fact.value, delivery) ?? product(fact, delivery))
          : products(fact, delivery);
      case 'orderAwaitingAcceptance':
        return accept(fact, delivery);
      case 'orderReadyToShip':
        return create(fact, delivery);
      case 'shipmentLabeled':
        return ship(fact, delivery);
      case 'incidentOpened':
        return giveBack(fact, delivery);
      case 'orderCanceledInShipBob':
        return cancel(fact, delivery);
      case 'orderCanceledOnMarketplace':
        return cancelInShipBob(fact, delivery);
      case 'inventoryObserved':
        return deps.inventory.inventoryObserved(fact, delivery);
      case 'stockObserved':
        return deps.inventory.stockObserved(fact);
      default: {
        const never: never = fact;
        throw new PermanentError(`unexpected fact ${JSON.stringify(never)}`, {
          reason: 'unexpected-topic',
        });
      }
    }
  };
}

/** A decision's rejection: its FAILED outcome is recorded already; the fact goes to the DLQ. */
class Rejected extends PermanentError {
  constructor(message: string, reason: string) {
    super(message, { reason });
  }
}
