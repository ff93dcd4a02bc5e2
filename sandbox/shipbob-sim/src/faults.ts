/**
 * Fault switches, per endpoint (`"POST /order"`, `"GET /product"`, ... or `"*"`). Each fault fires
 * `times` times (default: until cleared).
 */
export type FaultKind =
  | { kind: 'status'; status: number; retryAfterSeconds?: number }
  | { kind: 'latency'; ms: number }
  /** The connection is dropped before the request is processed. */
  | { kind: 'drop' }
  /** The request is processed, then the connection is dropped: a crash between request and response. */
  | { kind: 'drop-after-commit' }
  /** A 200 whose body is not valid JSON. */
  | { kind: 'malformed' };

export type Fault = FaultKind & { route: string; times?: number };

export class FaultBook {
  private faults: (Fault & { remaining: number })[] = [];

  add(fault: Fault): void {
    this.faults.push({ ...fault, remaining: fault.times ?? Number.POSITIVE_INFINITY });
  }

  clear(): void {
    this.faults = [];
  }

  /** Faults that apply to this request, consuming one use of each. */
  take(route: string): FaultKind[] {
    const hits = this.faults.filter(
      (f) => f.remaining > 0 && (f.route === '*' || f.route === route),
    );
    for (const hit of hits) hit.remaining -= 1;
    this.faults = this.faults.filter((f) => f.remaining > 0);
    return hits;
  }

  list(): Fault[] {
    return this.faults.map(({ remaining: _remaining, ...fault }) => fault);
  }
}
