import type { Response } from 'express';
import type { Fault, FaultKindName } from './faults.js';
import type { Exchange } from './journal.js';

/**
 * What the kit keeps on `res.locals` for one request, behind typed accessors so handlers never
 * spell the keys.
 */
const EXCHANGE = 'simExchange';
const CALLER = 'simCaller';
const FAULTS = 'simFaults';

export function setExchange(res: Response, exchange: Exchange<string>): void {
  res.locals[EXCHANGE] = exchange;
}

/** The journal entry of this request; undefined on control routes (they are not journaled). */
export function exchangeOf(res: Response): Exchange<string> | undefined {
  return res.locals[EXCHANGE] as Exchange<string> | undefined;
}

export function setCaller(res: Response, caller: unknown): void {
  res.locals[CALLER] = caller;
}

/** The caller the operation gate authenticated; throws when used on a route without a gate. */
export function callerOf<Caller>(res: Response): Caller {
  const caller = res.locals[CALLER] as Caller | undefined;
  if (caller === undefined) throw new Error('callerOf(): the route has no operation gate');
  return caller;
}

export function setTakenFaults(res: Response, faults: readonly Fault<string>[]): void {
  res.locals[FAULTS] = faults;
}

/** Whether a data fault (`page-drift`, `unknown-enum`) applies to this request. */
export function hasFault(res: Response, kind: FaultKindName): boolean {
  const faults = (res.locals[FAULTS] ?? []) as readonly Fault<string>[];
  return faults.some((f) => f.kind === kind);
}
