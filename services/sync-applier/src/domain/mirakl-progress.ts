/**
 * Where a Mirakl order stands relative to the state an effect moves it to. Used to resume a
 * half-done effect and to read a wrong-state answer (design §4: an order already past the
 * target state means the effect is done).
 */
export type Progress =
  /** In the state where the call makes the effect. */
  | 'pending'
  /** At or past the target state: the effect is done. */
  | 'reached'
  /** Canceled or refused: the effect can no longer happen. */
  | 'unreachable'
  /** Not yet in the state the call needs (e.g. shipping an order still waiting for payment). */
  | 'too-early'
  /** A state Mirakl added after this code was written. */
  | 'unknown';

/** The states an order goes through, in order (reference §5.2). */
const PATH = [
  'STAGING',
  'WAITING_ACCEPTANCE',
  'WAITING_DEBIT',
  'WAITING_DEBIT_PAYMENT',
  'SHIPPING',
  'SHIPPED',
  'TO_COLLECT',
  'RECEIVED',
  'CLOSED',
] as const;

/** End states off the path: the effect can no longer happen. */
const DEAD_ENDS = new Set(['REFUSED', 'CANCELED']);

/** The state after which the effect counts as done, and the one in which it can be made. */
const TARGETS = {
  accepted: { reachedFrom: 'WAITING_DEBIT', madeIn: 'WAITING_ACCEPTANCE' },
  shipped: { reachedFrom: 'SHIPPED', madeIn: 'SHIPPING' },
} as const;

export type MiraklTarget = keyof typeof TARGETS;

/** Progress of an order in `state` towards `target`. */
export function progressTowards(state: string, target: MiraklTarget): Progress {
  if (DEAD_ENDS.has(state)) return 'unreachable';
  const at = PATH.indexOf(state as (typeof PATH)[number]);
  if (at < 0) return 'unknown';
  const { reachedFrom, madeIn } = TARGETS[target];
  if (at >= PATH.indexOf(reachedFrom)) return 'reached';
  if (at === PATH.indexOf(madeIn)) return 'pending';
  return 'too-early';
}
