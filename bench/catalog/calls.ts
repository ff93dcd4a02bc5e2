/**
 * Vendor calls as the simulators answered them, counted per phase of the catalog bench: Mirakl
 * operations per shop, ShipBob requests per merchant (one per account), and when the stock
 * imports were sent and seen `COMPLETE`.
 */
import type { OrdersRun, BenchStore } from '../orders/system.js';

export interface CallCounts {
  /** Mirakl operation → calls per store. */
  mirakl: Map<string, number>;
  /** ShipBob operation → calls per store (an account's calls shared out over its stores). */
  shipbob: Map<string, number>;
  /** ShipBob requests answered 429. */
  shipbobLimited: number;
}

interface Exchange {
  operation: string;
  status: number;
  caller?: string;
  responseBody?: unknown;
}

/** Counts of one phase: from `CallCounter.phase` until the next phase starts. */
export class Phase {
  readonly mirakl = new Map<string, number>();
  readonly shipbob = new Map<string, number>();
  shipbobLimited = 0;
  private importSent: number | undefined;
  private complete: number | undefined;

  onMirakl(e: Exchange, at: number): void {
    if (e.status < 200 || e.status >= 300) return;
    this.mirakl.set(e.operation, (this.mirakl.get(e.operation) ?? 0) + 1);
    if (e.operation === 'STO01') this.importSent = at;
    const status = (e.responseBody as { status?: string } | undefined)?.status;
    if (e.operation === 'STO02' && status === 'COMPLETE') this.complete = at;
  }

  onShipBob(e: Exchange): void {
    if (e.status === 429) this.shipbobLimited += 1;
    else this.shipbob.set(e.operation, (this.shipbob.get(e.operation) ?? 0) + 1);
  }

  counts(stores: BenchStore[]): CallCounts {
    const perStore = (m: Map<string, number>) =>
      new Map([...m].sort().map(([op, n]) => [op, n / stores.length]));
    return {
      mirakl: perStore(this.mirakl),
      shipbob: perStore(this.shipbob),
      shipbobLimited: this.shipbobLimited,
    };
  }

  lastImportSent(): number | undefined {
    return this.importSent;
  }

  lastComplete(): number | undefined {
    return this.complete;
  }
}

export class CallCounter {
  private current: Phase | undefined;
  private attached = false;
  private readonly last = new Map<string, number>();

  attach(run: OrdersRun): void {
    this.attached = true;
    run.miraklSim.control.onExchange((e) => {
      if (!this.attached) return;
      const at = Date.now();
      if (e.operation === 'STO01') this.last.set('STO01', at);
      this.current?.onMirakl(e, at);
    });
    run.shipbobSim.control.onExchange((e) => {
      if (!this.attached) return;
      if (e.operation === 'GET /inventory-level') this.last.set('inventory', Date.now());
      this.current?.onShipBob(e);
    });
  }

  detach(): void {
    this.attached = false;
  }

  /** Starts a new phase; the previous one stops counting. */
  phase(): Phase {
    this.current = new Phase();
    return this.current;
  }

  /** When a STO01 or a ShipBob inventory read was last answered (0: never). */
  lastAt(what: 'STO01' | 'inventory'): number {
    return this.last.get(what) ?? 0;
  }
}
