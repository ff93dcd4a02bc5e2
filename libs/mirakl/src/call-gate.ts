import { RateLimitedError, type CallGate } from '@msync/platform';
import { DOCUMENTED_MIN_INTERVAL_MS, type LimitedOperation } from './limiter.js';
import type { SharedSpacing } from './client.js';
import { normaliseApiBase } from './url.js';

/** A Mirakl shop as the shared call gate counts it: one instance (host) and one shop id. */
export interface GatedShop {
  storeUrl: string;
  shopId: string;
}

/**
 * The gate key of one operation on one shop. Every process that calls the shop (pollers, the
 * applier) claims the same key, so Mirakl's per-shop call frequency holds product-wide.
 */
export function miraklCallGateKey(shop: GatedShop, operation: LimitedOperation): string {
  const host = new URL(normaliseApiBase(shop.storeUrl)).host.toLowerCase();
  return `mirakl:${host}:${shop.shopId}:${operation}`;
}

/**
 * Claims one call of `operation` on the shop through the shared gate, at Mirakl's documented
 * frequency unless `intervalMs` says otherwise. Throws a `RateLimitedError` (with the wait) when
 * any process called it too recently: reschedule, do not drop. ADR 0042.
 */
export async function claimMiraklCall(
  gate: CallGate,
  shop: GatedShop,
  operation: LimitedOperation,
  intervalMs: number = DOCUMENTED_MIN_INTERVAL_MS[operation],
): Promise<void> {
  await gate.claim(miraklCallGateKey(shop, operation), intervalMs);
}

/**
 * After a gated call was answered (or failed otherwise than by a 429): the shop's next call of
 * the operation waits the interval from now, for every process. The claim alone spaces the
 * claims, and a call that took long to send would let the next one reach Mirakl sooner than the
 * interval after it; measured from the answer, two calls never arrive closer than that. Best
 * effort. ADR 0042.
 */
export async function spaceNextMiraklCall(
  gate: CallGate,
  shop: GatedShop,
  operation: LimitedOperation,
  intervalMs: number = DOCUMENTED_MIN_INTERVAL_MS[operation],
): Promise<void> {
  await gate.pushBack(miraklCallGateKey(shop, operation), intervalMs).catch(() => undefined);
}

/**
 * The end of a gated call, whatever it gave: a 429 pushes the next call back by its
 * `Retry-After` ({@link pushBackAfterRateLimit}), anything else by the interval from now
 * ({@link spaceNextMiraklCall}).
 */
export async function afterMiraklCall(
  gate: CallGate,
  shop: GatedShop,
  operation: LimitedOperation,
  intervalMs: number,
  error?: unknown,
): Promise<void> {
  if (error instanceof RateLimitedError) await pushBackAfterRateLimit(gate, shop, operation, error);
  else await spaceNextMiraklCall(gate, shop, operation, intervalMs);
}

/**
 * After Mirakl answered 429 despite the gate (clock differences, another tool on the shop):
 * pushes the shop's next call back by its `Retry-After` for every process. Best effort; other
 * errors are ignored. ADR 0042.
 */
export async function pushBackAfterRateLimit(
  gate: CallGate,
  shop: GatedShop,
  operation: LimitedOperation,
  error: unknown,
): Promise<void> {
  if (!(error instanceof RateLimitedError)) return;
  await gate
    .pushBack(miraklCallGateKey(shop, operation), error.retryAfterMs)
    .catch(() => undefined);
}

/** Where a gated call counts a claim the gate refused as too early, by operation. */
export interface GateWaitCounter {
  inc(labels: { operation: string }): void;
}

/**
 * Claims the shop's slot for `operation` ({@link claimMiraklCall}), counting a refusal in
 * `waits`. "Too early" throws the gate's `RateLimitedError`: the caller's request is redelivered
 * after the wait, never dropped (ADR 0042).
 */
export async function claimMiraklSlot(
  gate: CallGate,
  shop: GatedShop,
  operation: LimitedOperation,
  intervalMs: number,
  waits?: GateWaitCounter,
): Promise<void> {
  try {
    await claimMiraklCall(gate, shop, operation, intervalMs);
  } catch (error) {
    if (error instanceof RateLimitedError) waits?.inc({ operation });
    throw error;
  }
}

/**
 * Runs a call whose slot was claimed; once it is answered, every process's next call of the
 * operation waits the interval from now, or a 429's `Retry-After` ({@link afterMiraklCall},
 * ADR 0086).
 */
export async function spacedMiraklCall<T>(
  gate: CallGate,
  shop: GatedShop,
  operation: LimitedOperation,
  intervalMs: number,
  call: () => Promise<T>,
): Promise<T> {
  let result: T;
  try {
    result = await call();
  } catch (error) {
    await afterMiraklCall(gate, shop, operation, intervalMs, error);
    throw error;
  }
  await afterMiraklCall(gate, shop, operation, intervalMs);
  return result;
}

/** One call through the shared gate: {@link claimMiraklSlot}, then {@link spacedMiraklCall}. */
export async function gatedMiraklCall<T>(
  gate: CallGate,
  shop: GatedShop,
  operation: LimitedOperation,
  intervalMs: number,
  call: () => Promise<T>,
  waits?: GateWaitCounter,
): Promise<T> {
  await claimMiraklSlot(gate, shop, operation, intervalMs, waits);
  return spacedMiraklCall(gate, shop, operation, intervalMs, call);
}

/**
 * The Mirakl client's shared spacing ({@link SharedSpacing}) through the call gate: each named
 * operation claimed at its interval before the call, spaced from its answer after (ADR 0086).
 */
export function gatedSpacing(
  gate: CallGate,
  shop: GatedShop,
  intervalsMs: Partial<Record<LimitedOperation, number>>,
  waits?: GateWaitCounter,
): SharedSpacing {
  const intervalOf = (operation: LimitedOperation) =>
    intervalsMs[operation] ?? DOCUMENTED_MIN_INTERVAL_MS[operation];
  return {
    operations: Object.keys(intervalsMs) as LimitedOperation[],
    claim: (operation) => claimMiraklSlot(gate, shop, operation, intervalOf(operation), waits),
    settled: (operation, error) =>
      afterMiraklCall(gate, shop, operation, intervalOf(operation), error),
  };
}
