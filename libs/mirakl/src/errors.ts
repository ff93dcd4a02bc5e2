import { PermanentError } from '@msync/platform';

/**
 * Mirakl answered 400 because the order is not in the state the call needs (e.g. accepting an
 * order that is already accepted, shipping one already shipped). Callers that resume an effect
 * treat this as "already done" after checking the order.
 */
export class MiraklWrongStateError extends PermanentError {
  constructor(
    message: string,
    readonly operation: string,
    readonly orderId: string,
    /** The state Mirakl reported ("Current status is ..."), when it said. */
    readonly currentState?: string,
    readonly code?: string,
  ) {
    super(message, { reason: 'wrong-state' });
  }
}

/** True when `error` says the order was not in the state the call needed. */
export function isWrongState(error: unknown): error is MiraklWrongStateError {
  return error instanceof MiraklWrongStateError;
}
