/**
 * Which step of a Mirakl order's journey an event is: pure, and tolerant of flows, actions,
 * effect keys and outcomes it does not know (they stay activity entries; the timeline ignores
 * them). The mapping is documented in the README and ADR 0049.
 */

/** The steps of an order's timeline, in the order they normally happen. */
export const ORDER_STEPS = [
  'seen',
  'accepted',
  'readyToShip',
  'createdInShipBob',
  'labeled',
  'trackingSent',
  'shipped',
  'canceled',
  'canceledInShipBob',
] as const;

export type OrderStep = (typeof ORDER_STEPS)[number];

/** Steps after which an order no longer waits for acceptance. */
export const PAST_ACCEPTANCE: readonly OrderStep[] = ORDER_STEPS.filter((s) => s !== 'seen');

/** Steps that end an order's journey (retention counts from the earliest of them). */
export const FINAL_STEPS: readonly OrderStep[] = ['shipped', 'canceled', 'canceledInShipBob'];

/** Whether reaching these steps ends the order's journey (shipped or canceled). */
export const finishesOrder = (reached: readonly OrderStep[]): boolean =>
  reached.some((step) => FINAL_STEPS.includes(step));

/** What the applier recorded, as far as the activity needs it (newer fields optional). */
export interface OutcomeRecord {
  flow: string;
  effectKey: string;
  outcome: string;
  subjectId: string;
  /** The step the applier names, e.g. `accept`, `OR21`, `create-order`, `OR23`, `OR24`. */
  action?: string | null;
  miraklOrderId?: string | null;
}

/** Flows whose `subjectId` is a Mirakl order id (design §1). */
const ORDER_FLOWS = new Set(['orders', 'tracking', 'cancellations']);

/**
 * Known names of an effect, as an `action` or as the first part of an effect key
 * (`accept:<orderId>`), lower-cased. `ship` is the applier's one effect for OR23 then OR24;
 * `cancel` is OR29 (a ShipBob cancellation reported to Mirakl), `cancel-in-shipbob` the ShipBob
 * order canceled after a marketplace cancellation.
 */
const STEPS_OF_EFFECT = new Map<string, readonly OrderStep[]>([
  ['accept', ['accepted']],
  ['accept-order', ['accepted']],
  ['or21', ['accepted']],
  ['create', ['createdInShipBob']],
  ['create-order', ['createdInShipBob']],
  ['shipbob-order', ['createdInShipBob']],
  ['ship', ['trackingSent', 'shipped']],
  ['tracking', ['trackingSent']],
  ['send-tracking', ['trackingSent']],
  ['or23', ['trackingSent']],
  ['confirm-shipment', ['shipped']],
  ['or24', ['shipped']],
  ['cancel', ['canceled']],
  ['cancel-order', ['canceled']],
  ['or29', ['canceled']],
  // Lines ShipBob canceled while the rest of the order ships: about the order's cancellation.
  ['cancel-lines', ['canceled']],
  ['cancel-in-shipbob', ['canceledInShipBob']],
]);

/** How an outcome moves an order's timeline. */
export type OutcomeEffect = 'reached' | 'failed' | 'none';

/** APPLIED and DUPLICATE (formerly ALREADY_APPLIED) mean the target shows the step done. */
export function effectOfOutcome(outcome: string): OutcomeEffect {
  switch (outcome.trim().toUpperCase()) {
    case 'APPLIED':
    case 'DUPLICATE':
    case 'ALREADY_APPLIED':
      return 'reached';
    case 'FAILED':
      return 'failed';
    default:
      // SKIPPED (nothing done, e.g. a flow switched off) and values added later.
      return 'none';
  }
}

/** The steps an effect stands for: by its action, else by the first known part of its key. */
export function stepsOfEffect(record: Pick<OutcomeRecord, 'action' | 'effectKey'>): OrderStep[] {
  const byAction = record.action ? STEPS_OF_EFFECT.get(record.action.trim().toLowerCase()) : null;
  if (byAction) return [...byAction];
  for (const part of record.effectKey.split(':')) {
    const steps = STEPS_OF_EFFECT.get(part.trim().toLowerCase());
    if (steps) return [...steps];
  }
  return [];
}

/** The Mirakl order an outcome is about, when it is about one. */
export function orderIdOfOutcome(record: OutcomeRecord): string | null {
  const named = record.miraklOrderId?.trim();
  if (named) return named;
  if (ORDER_FLOWS.has(record.flow.trim().toLowerCase()) && record.subjectId.trim()) {
    return record.subjectId.trim();
  }
  return null;
}

/** What one outcome does to its order's timeline. */
export type TimelineChange =
  | { kind: 'none' }
  | { kind: 'reached'; orderId: string; steps: OrderStep[] }
  | { kind: 'failed'; orderId: string; steps: OrderStep[] };

/**
 * The change an outcome makes to an order's timeline: the steps it reached, or a failure (kept
 * as the order's last failure, with the step it was about when known). Outcomes about no order,
 * and SKIPPED or unknown outcomes, change nothing.
 */
export function timelineChangeOf(record: OutcomeRecord): TimelineChange {
  const orderId = orderIdOfOutcome(record);
  if (orderId === null) return { kind: 'none' };
  const effect = effectOfOutcome(record.outcome);
  const steps = stepsOfEffect(record);
  switch (effect) {
    case 'reached':
      return steps.length > 0 ? { kind: 'reached', orderId, steps } : { kind: 'none' };
    case 'failed':
      return { kind: 'failed', orderId, steps };
    case 'none':
      return { kind: 'none' };
  }
}

/** The steps of one timeline, as times (absent: not reached). */
export type StepTimes = Partial<Record<OrderStep, Date | null>>;

/** Seen, and nothing since: neither accepted (or later) nor canceled. */
export function isAwaitingAcceptance(steps: StepTimes): boolean {
  return Boolean(steps.seen) && PAST_ACCEPTANCE.every((step) => !steps[step]);
}

/** A failure is resolved once every step it was about was reached after it. */
export function isFailureResolved(
  failure: { at: Date; steps: readonly OrderStep[] },
  steps: StepTimes,
): boolean {
  if (failure.steps.length === 0) return false;
  return failure.steps.every((step) => {
    const at = steps[step];
    return at instanceof Date && at.getTime() >= failure.at.getTime();
  });
}
