import type { SyncOutcomeRecorded } from '@msync/events';
import type { Exchange as MiraklExchange } from '@msync/mirakl-sim';
import type { Exchange as ShipBobExchange, WorldEvent } from '@msync/shipbob-sim';
import { percentile } from './stats.js';

/** What the system did to one order, each as a time (ms since the epoch). */
export interface OrderTimes {
  /** Index of the store (and of its Mirakl shop and ShipBob merchant). */
  store: number;
  appeared: number;
  /** OR21 answered with success. */
  accepted?: number;
  /** ShipBob `POST /order` answered 201. */
  created?: number;
  /** The ShipBob warehouse bought the label (`order.shipped`). */
  labeled?: number;
  /** OR24 answered with success (after OR23 with the tracking). */
  shipped?: number;
  /** Successful vendor writes for this order, counted: exactly once means 1 each. */
  writes: { OR21: number; OR23: number; OR24: number; 'POST /order': number };
  /** Per applier action: the fact's `observedAt` and the outcome's latency from it. */
  applied: Partial<Record<Action, { observedAt: number; latencyMs: number }>>;
}

export type Action = 'accept' | 'create' | 'ship';

/** A measured hop: from a vendor-side event to the system's effect on the other side. */
export interface HopFigures {
  count: number;
  total: { p50: number; p99: number; max: number };
  /** From the fact's observedAt (the poll's answer) to the effect. */
  inSystem: { p50: number; p99: number; max: number };
  /** From the vendor-side event to the poll that saw it. */
  pollWait: { p50: number; p99: number };
}

const ok = (status: number) => status >= 200 && status < 300;
const orderIdOf = (path: string) => decodeURIComponent(path.split('/')[3] ?? '');

/**
 * Everything the benchmark learns, as it happens: orders as they appear, the simulators'
 * journals (vendor writes, calls per caller), the ShipBob warehouse's labels and the applier's
 * outcomes. Only counters and times are kept, so a long run keeps no journal.
 */
export class Timeline {
  readonly orders = new Map<string, OrderTimes>();
  /** Calls per Mirakl shop id / ShipBob merchant id, each with its time and operation. */
  readonly miraklCalls = new Map<string, { at: number; operation: string; status: number }[]>();
  readonly shipbobCalls = new Map<string, { at: number; operation: string; status: number }[]>();
  /** Outcomes per `<action> <outcome>` (e.g. `create DUPLICATE`). */
  readonly outcomes = new Map<string, number>();
  readonly failures: SyncOutcomeRecorded[] = [];

  appeared(orderId: string, store: number, at: number): void {
    this.orders.set(orderId, {
      store,
      appeared: at,
      writes: { OR21: 0, OR23: 0, OR24: 0, 'POST /order': 0 },
      applied: {},
    });
  }

  onMirakl(exchange: MiraklExchange): void {
    const at = recordCall(this.miraklCalls, exchange);
    const op = exchange.operation;
    if ((op !== 'OR21' && op !== 'OR23' && op !== 'OR24') || !ok(exchange.status)) return;
    const order = this.orders.get(orderIdOf(exchange.path));
    if (!order) return;
    order.writes[op] += 1;
    if (op === 'OR21') order.accepted ??= at;
    if (op === 'OR24') order.shipped ??= at;
  }

  onShipBob(exchange: ShipBobExchange): void {
    const at = recordCall(this.shipbobCalls, exchange);
    if (exchange.operation !== 'POST /order' || exchange.status !== 201) return;
    const ref = (exchange.requestBody as { reference_id?: string } | undefined)?.reference_id;
    const order = ref === undefined ? undefined : this.orders.get(ref);
    if (!order) return;
    order.writes['POST /order'] += 1;
    order.created ??= at;
  }

  /**
   * Creation times from ShipBob's own orders: an order whose creating request lost its caller
   * (a killed applier) was created all the same, though the journal shows no 201 for it.
   */
  createdInShipBob(orders: readonly { referenceId: string; createdDate: string }[]): void {
    for (const { referenceId, createdDate } of orders) {
      const order = this.orders.get(referenceId);
      if (order) order.created = Math.min(order.created ?? Infinity, Date.parse(createdDate));
    }
  }

  onWarehouse(event: WorldEvent, at: number): void {
    if (event.topic !== 'order.shipped') return;
    const order = this.orders.get(event.order.referenceId);
    if (order) order.labeled ??= at;
  }

  onOutcome(outcome: SyncOutcomeRecorded): void {
    const action = outcome.effectKey.split(':')[0] as Action;
    const key = `${action} ${outcome.outcome}`;
    this.outcomes.set(key, (this.outcomes.get(key) ?? 0) + 1);
    if (outcome.outcome === 'FAILED') this.failures.push(outcome);
    if (outcome.outcome !== 'APPLIED' || outcome.latencyMs === null) return;
    const order = this.orders.get(outcome.miraklOrderId ?? '');
    if (!order) return;
    order.applied[action] ??= {
      observedAt: outcome.envelope.occurredAt - outcome.latencyMs,
      latencyMs: outcome.latencyMs,
    };
  }

  /**
   * The three hops over the orders that `include` keeps: appeared → accepted, paid (`SHIPPING`,
   * `paymentDelayMs` after the acceptance) → created in ShipBob, labeled → shipped in Mirakl.
   */
  hops(paymentDelayMs: number, include: (o: OrderTimes) => boolean): Record<Action, HopFigures> {
    const orders = [...this.orders.values()].filter(include);
    const paid = (o: OrderTimes) =>
      o.accepted === undefined ? undefined : o.accepted + paymentDelayMs;
    return {
      accept: hop(
        orders,
        'accept',
        (o) => o.appeared,
        (o) => o.accepted,
      ),
      create: hop(orders, 'create', paid, (o) => o.created),
      ship: hop(
        orders,
        'ship',
        (o) => o.labeled,
        (o) => o.shipped,
      ),
    };
  }

  /** Calls made between `from` and `to` by the given callers (shop or merchant ids). */
  callsBetween(
    calls: Map<string, { at: number; operation: string }[]>,
    callers: readonly string[],
    from: number,
    to: number,
  ): { at: number; operation: string }[] {
    return callers.flatMap((c) => (calls.get(c) ?? []).filter((x) => x.at >= from && x.at < to));
  }
}

/** Keeps the call under its caller (a shop or merchant id); returns when it arrived. */
function recordCall(
  calls: Map<string, { at: number; operation: string; status: number }[]>,
  exchange: { at?: string; caller?: string; operation: string; status: number },
): number {
  const at = Date.parse(exchange.at ?? new Date().toISOString());
  if (exchange.caller === undefined) return at;
  let list = calls.get(exchange.caller);
  if (!list) calls.set(exchange.caller, (list = []));
  list.push({ at, operation: exchange.operation, status: exchange.status });
  return at;
}

function hop(
  orders: readonly OrderTimes[],
  action: Action,
  start: (o: OrderTimes) => number | undefined,
  end: (o: OrderTimes) => number | undefined,
): HopFigures {
  const total: number[] = [];
  const inSystem: number[] = [];
  const pollWait: number[] = [];
  for (const order of orders) {
    const from = start(order);
    const to = end(order);
    if (from === undefined || to === undefined) continue;
    total.push(to - from);
    const applied = order.applied[action];
    if (applied) {
      inSystem.push(applied.latencyMs);
      pollWait.push(applied.observedAt - from);
    }
  }
  const figures = (values: number[]) => ({
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    max: values.length ? values.reduce((a, b) => Math.max(a, b), -Infinity) : Number.NaN,
  });
  return {
    count: total.length,
    total: figures(total),
    inSystem: figures(inSystem),
    pollWait: { p50: percentile(pollWait, 50), p99: percentile(pollWait, 99) },
  };
}
