import { SimHttpError } from './errors.js';

/** What a fault does to the requests it matches. */
export type FaultKind =
  /** Answer with this status instead of running the handler (429 carries the retry headers). */
  | { kind: 'status'; status: number; retryAfterSeconds?: number }
  /** Delay the answer; combines with one other fault. */
  | { kind: 'latency'; ms: number }
  /** Close the connection without an answer, before anything is processed. */
  | { kind: 'drop' }
  /** Process the request, then close the connection: a crash between commit and answer. */
  | { kind: 'drop-after-commit' }
  /** Process the request, then answer 200 with a body that is not JSON. */
  | { kind: 'malformed' }
  /** Headers announce the whole body, half of it is sent, then the connection closes. */
  | { kind: 'truncated' }
  /** A complete answer whose JSON stops halfway (the length header matches what is sent). */
  | { kind: 'truncated-json' }
  /** Valid JSON that lacks the fields the vendor documents as required. */
  | { kind: 'wrong-shape' }
  /** Pagination edge: on pages after the first, one earlier item disappears (offsets shift). */
  | { kind: 'page-drift' }
  /** An enum value the vendor has not documented yet (the simulator picks the field). */
  | { kind: 'unknown-enum' };

export type FaultKindName = FaultKind['kind'];

export const FAULT_KINDS: readonly FaultKindName[] = [
  'status',
  'latency',
  'drop',
  'drop-after-commit',
  'malformed',
  'truncated',
  'truncated-json',
  'wrong-shape',
  'page-drift',
  'unknown-enum',
];

/** Faults the handler itself reads to shape its data (the kit cannot know the vendor's lists). */
export const DATA_FAULTS: ReadonlySet<FaultKindName> = new Set(['page-drift', 'unknown-enum']);

/** Faults that let the handler run and then deform or drop its answer. */
export const OUTPUT_FAULTS: ReadonlySet<FaultKindName> = new Set([
  'drop-after-commit',
  'malformed',
  'truncated',
  'truncated-json',
]);

/** A fault as given: the operation it targets (or `*`) and how many requests it affects. */
export type FaultInput<Op extends string> = FaultKind & { operation: Op | '*'; times?: number };

/** A fault in the book. */
export type Fault<Op extends string> = FaultKind & {
  id: string;
  /** Operation it applies to, or `*` for all. */
  operation: Op | '*';
  /** How many more requests it affects; unlimited when absent. */
  remaining?: number;
};

/** Active faults, keyed by operation; each matching request consumes one use of each fault it takes. */
export class FaultBook<Op extends string> {
  private faults: Fault<Op>[] = [];
  private nextId = 1;

  add(input: FaultInput<Op>): Fault<Op> {
    const { times, ...rest } = input;
    const fault = { ...rest, id: `fault-${this.nextId++}`, remaining: times } as Fault<Op>;
    this.faults.push(fault);
    return fault;
  }

  clear(): void {
    this.faults = [];
  }

  list(): readonly Fault<Op>[] {
    return this.faults;
  }

  /**
   * The faults that apply to a request of `operation`, consumed: every latency plus at most one
   * other fault (two answers for one request make no sense), in the order they were added.
   */
  take(operation: Op): Fault<Op>[] {
    const taken: Fault<Op>[] = [];
    for (const fault of this.faults) {
      if (fault.operation !== '*' && fault.operation !== operation) continue;
      if (fault.kind !== 'latency' && taken.some((t) => t.kind !== 'latency')) continue;
      taken.push(fault);
      if (fault.remaining !== undefined) fault.remaining--;
    }
    this.faults = this.faults.filter((f) => f.remaining === undefined || f.remaining > 0);
    return taken;
  }
}

/**
 * Checks a fault sent to the control API: a known kind, a known operation, and the numbers its
 * kind needs. Throws a 400 that names what to fix.
 */
export function parseFaultInput<Op extends string>(
  raw: unknown,
  operations: readonly Op[],
): FaultInput<Op> {
  const bad = (why: string): SimHttpError =>
    new SimHttpError(400, `Invalid fault: ${why}. Send {operation, kind, times?, ...}.`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('not an object');
  const input = raw as Record<string, unknown>;
  const operation = input['operation'];
  if (operation !== '*' && !operations.includes(operation as Op)) {
    throw bad(`operation must be "*" or one of ${operations.join(', ')}`);
  }
  if (!FAULT_KINDS.includes(input['kind'] as FaultKindName)) {
    throw bad(`kind must be one of ${FAULT_KINDS.join(', ')}`);
  }
  const positiveInt = (name: string, required: boolean): void => {
    const value = input[name];
    if (value === undefined && !required) return;
    if (!Number.isInteger(value) || (value as number) < 0)
      throw bad(`${name} must be an integer ≥ 0`);
  };
  positiveInt('times', false);
  if (input['kind'] === 'status') {
    positiveInt('status', true);
    const status = input['status'] as number;
    if (status < 100 || status > 599) throw bad('status must be an HTTP status (100-599)');
    positiveInt('retryAfterSeconds', false);
  }
  if (input['kind'] === 'latency') positiveInt('ms', true);
  return input as unknown as FaultInput<Op>;
}
