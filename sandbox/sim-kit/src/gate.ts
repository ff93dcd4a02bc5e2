import type { Request, RequestHandler } from 'express';
import { dropConnection } from './answer.js';
import { SimHttpError } from './errors.js';
import type { FaultBook } from './faults.js';
import { exchangeOf, setCaller, setTakenFaults } from './locals.js';
import type { SimVendor } from './vendor.js';

/** Why a limit refused a call, and when to come back. */
export interface LimitRefusal {
  retryAfterSeconds: number;
  /** Journal label of the refusal (`call-frequency`, `rate-limit`). */
  reason: string;
}

export interface OperationGateOptions<Op extends string, Caller> {
  vendor: SimVendor;
  faults: FaultBook<Op>;
  /** Who is calling; throw a {@link SimHttpError} (401, 403, 400) to refuse. */
  authenticate(req: Request): Caller;
  /** The caller as the journal names it (never a credential). */
  callerId(caller: Caller): string;
  /** The vendor's limits (call frequency, rate budget); a refusal answers 429. */
  limit?(caller: Caller, operation: Op, req: Request): LimitRefusal | undefined;
  /** Runs just before the handler: time-driven state moves forward here. */
  beforeHandler?(caller: Caller, req: Request): void;
  /** Waits for a latency fault; the real timer by default (latency is about the wire). */
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The steps every vendor operation takes before its handler, in the vendor's order: name the
 * operation in the journal, authenticate, apply faults (latency, then one answer-replacing or
 * answer-deforming fault), apply limits, move time-driven state. Use as
 * `router.get(path, gate('OR11'), handler)`.
 */
export function operationGate<Op extends string, Caller>(
  options: OperationGateOptions<Op, Caller>,
): (operation: Op) => RequestHandler {
  const sleep = options.sleep ?? realSleep;
  return (operation) => async (req, res, next) => {
    const exchange = exchangeOf(res);
    if (exchange) exchange.operation = operation;
    const caller = options.authenticate(req);
    setCaller(res, caller);
    if (exchange) exchange.caller = options.callerId(caller);

    const taken = options.faults.take(operation);
    setTakenFaults(res, taken);
    for (const f of taken) if (f.kind === 'latency') await sleep(f.ms);
    const fault = taken.find((f) => f.kind !== 'latency');
    if (fault && exchange) exchange.fault = fault.kind;
    switch (fault?.kind) {
      case 'status': {
        const tooMany = fault.status === 429;
        throw new SimHttpError(fault.status, tooMany ? 'Too Many Requests' : 'Simulated failure', {
          headers: tooMany ? options.vendor.retryAfterHeaders(fault.retryAfterSeconds ?? 1) : {},
        });
      }
      case 'drop':
        dropConnection(req, res);
        return;
      case 'wrong-shape':
        res.status(200).json(options.vendor.wrongShapeBody);
        return;
      case 'drop-after-commit':
      case 'malformed':
      case 'truncated':
      case 'truncated-json':
      case 'page-drift':
      case 'unknown-enum':
      case undefined:
        break;
    }

    const refusal = options.limit?.(caller, operation, req);
    if (refusal) {
      if (exchange) exchange.fault = refusal.reason;
      throw new SimHttpError(429, 'Too Many Requests', {
        headers: options.vendor.retryAfterHeaders(refusal.retryAfterSeconds),
      });
    }
    options.beforeHandler?.(caller, req);
    next();
  };
}
