/** Operations of the seller API, as Mirakl names them; faults and call limits are keyed on these. */
export const OPERATIONS = [
  'V01',
  'A01',
  'OF21',
  'OF22',
  'OF01',
  'OF02',
  'OF03',
  'OF52',
  'OF53',
  'OF54',
  'STO01',
  'STO02',
  'STO03',
  'OR11',
  'OR21',
  'OR23',
  'OR24',
  'OR29',
  'OR64',
  'SH21',
] as const;
export type Operation = (typeof OPERATIONS)[number];

export type FaultKind =
  /** Answer with an HTTP status (429 gets `Retry-After`). */
  | { kind: 'status'; status: number; retryAfterSeconds?: number }
  /** Delay the answer. */
  | { kind: 'latency'; ms: number }
  /** Close the connection without an answer. */
  | { kind: 'drop' }
  /** A complete 200 answer whose body is not JSON. */
  | { kind: 'malformed' }
  /** Headers announce the whole body, half of it is sent, then the connection closes. */
  | { kind: 'truncated' }
  /** A complete answer whose JSON stops halfway (the length header matches what is sent). */
  | { kind: 'truncated-json' }
  /** Valid JSON that lacks required fields. */
  | { kind: 'wrong-shape' }
  /** List pages: an item before the requested offset disappears, so offsets shift. */
  | { kind: 'page-drift' }
  /** An enum value Mirakl has not documented yet (order/line state). */
  | { kind: 'unknown-enum' };

export type Fault = FaultKind & {
  id: string;
  /** Operation it applies to, or `*` for all. */
  operation: Operation | '*';
  /** How many more requests it affects; unlimited when absent. */
  remaining?: number;
};

export type FaultInput = FaultKind & { operation: Operation | '*'; times?: number };

/** Active faults; each matching request consumes one use. */
export class FaultBook {
  private faults: Fault[] = [];
  private nextId = 1;

  add(input: FaultInput): Fault {
    const { times, ...rest } = input;
    const fault: Fault = { ...rest, id: `fault-${this.nextId++}`, remaining: times };
    this.faults.push(fault);
    return fault;
  }

  clear(): void {
    this.faults = [];
  }

  list(): readonly Fault[] {
    return this.faults;
  }

  /** The faults that apply to this request, consumed. Latency combines with one other fault. */
  take(operation: Operation): Fault[] {
    const taken: Fault[] = [];
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
