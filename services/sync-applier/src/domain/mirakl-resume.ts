import { outcomeOf, type Decision, type OutcomeBase } from './decision.js';
import { progressTowards, type MiraklTarget } from './mirakl-progress.js';

/** What the applier knows of the Mirakl order's current state. */
export interface MiraklStateKnown {
  /** The order's state; `null`: Mirakl does not know the order. */
  state: string | null;
  /**
   * The tracking number the order carries (OR11 `shipping_tracking`), when it was read; a resumed
   * ship effect whose OR23 went through does not send it again.
   */
  trackingNumber?: string | null;
  /** `resume-check`: asked before calling; `wrong-state`: Mirakl refused the call for its state. */
  via: 'resume-check' | 'wrong-state';
}

export type MiraklOrderQuery = { kind: 'mirakl-order-state'; orderId: string };

/**
 * The decision once the order's state is known, for an effect that is claimed and may or may not
 * have reached Mirakl: done if the order is past the target, call (again) if it is where the call
 * is made, otherwise wait or give up.
 */
export function decideFromMiraklState<C>(
  base: OutcomeBase,
  known: MiraklStateKnown,
  target: MiraklTarget,
  command: C,
  /** Ids the outcome names when the effect turns out done. */
  ids: Record<string, string>,
): Decision<MiraklOrderQuery, C> {
  if (known.state === null) {
    return {
      type: 'reject',
      reason: 'order-not-found',
      outcome: outcomeOf(base, 'FAILED', {
        reason: 'order-not-found',
        detail: `Mirakl does not know order ${base.miraklOrderId}`,
      }),
    };
  }
  const progress = progressTowards(known.state, target);
  switch (progress) {
    case 'reached': {
      const externalIds = { miraklOrderId: base.miraklOrderId, ...ids };
      // A refused call means someone else made the change; a state found on resuming means our
      // own call went through before the process stopped.
      const outcome =
        known.via === 'wrong-state'
          ? outcomeOf(base, 'DUPLICATE', {
              reason: 'already-in-target-state',
              detail: `the order is already ${known.state} in Mirakl`,
              externalIds,
            })
          : outcomeOf(base, 'APPLIED', {
              detail: `resumed: the order was already ${known.state} in Mirakl`,
              externalIds,
            });
      return { type: 'complete', externalIds, outcome };
    }
    case 'pending':
      if (known.via === 'wrong-state') {
        // Refused for its state although it is in the right one: Mirakl disagrees with itself.
        return {
          type: 'retry',
          reason: 'state-mismatch',
          message: `Mirakl refused order ${base.miraklOrderId} in state ${known.state}`,
          wait: 'backoff',
        };
      }
      return { type: 'apply', command, resumed: true, base };
    case 'unreachable':
      return {
        type: 'reject',
        reason: 'order-closed',
        outcome: outcomeOf(base, 'FAILED', {
          reason: 'order-closed',
          detail: `the order is ${known.state} in Mirakl; it can no longer be ${target}`,
        }),
      };
    case 'too-early':
    case 'unknown':
      return {
        type: 'retry',
        reason: progress === 'unknown' ? 'unknown-order-state' : 'order-not-ready',
        message: `order ${base.miraklOrderId} is ${known.state} in Mirakl; trying again later`,
        wait: 'backoff',
      };
    // Stryker disable all: unreachable, the compiler proves every progress is handled above
    default: {
      const never: never = progress;
      throw new Error(`unhandled progress ${String(never)}`);
    }
    // Stryker restore all
  }
}
