import type { SimClock } from './clock.js';

/** One request the simulated vendor API answered, as seen on the wire. */
export interface Exchange<Op extends string> {
  /** The vendor's operation name, `unknown` when no route matched. */
  operation: Op | 'unknown';
  /** When the request arrived (simulator clock, ISO-8601); always set by the journal. */
  at?: string;
  method: string;
  path: string;
  query: Record<string, string[]>;
  /** A few headers; credentials only as `[present]`, never their value. */
  requestHeaders: Record<string, string | undefined>;
  requestContentType?: string;
  /** JSON value, `{ fields, files }` for multipart, or raw text. */
  requestBody?: unknown;
  /** Who called, in the simulator's terms (a shop id, a merchant id), once authenticated. */
  caller?: string;
  /** 0 when the connection was dropped without an answer. */
  status: number;
  responseContentType?: string;
  /** The answer the handler produced (before an output fault deformed it). */
  responseBody?: unknown;
  /** The fault (or limit) that shaped this answer. */
  fault?: string;
}

/** Every exchange of the vendor API, oldest first, bounded (the oldest are dropped first). */
export class RequestJournal<Op extends string> {
  private readonly exchanges: Exchange<Op>[] = [];
  private readonly listeners: ((exchange: Exchange<Op>) => void)[] = [];

  constructor(private readonly options: { clock: SimClock; limit?: number }) {}

  /** A fresh exchange stamped with the simulator clock; {@link record} it once answered. */
  start(init: Omit<Exchange<Op>, 'at' | 'status' | 'operation'>): Exchange<Op> {
    return { operation: 'unknown', at: this.options.clock().toISOString(), status: 0, ...init };
  }

  record(exchange: Exchange<Op>): void {
    this.exchanges.push(exchange);
    const limit = this.options.limit ?? 10_000;
    if (this.exchanges.length > limit) this.exchanges.splice(0, this.exchanges.length - limit);
    for (const listener of this.listeners) listener(exchange);
  }

  /** The live list (it grows as requests arrive). */
  entries(): readonly Exchange<Op>[] {
    return this.exchanges;
  }

  clear(): void {
    this.exchanges.length = 0;
  }

  /** Calls `listener` after each recorded exchange (tests, demos, metrics). */
  onRecord(listener: (exchange: Exchange<Op>) => void): void {
    this.listeners.push(listener);
  }
}
