import type { Request } from 'express';
import { exchangeOf, SimHttpError, type SimClock, type SlidingWindowLimiter } from '@msync/sim-kit';
import { InvalidParameter } from './errors.js';
import type { Merchant } from './model.js';
import { SHIPBOB_VENDOR } from './vendor.js';
import type { SimWorld } from './world.js';

export interface AdmissionDeps {
  world: SimWorld;
  /** ShipBob's budget per token (150 calls in any 60 s by default). */
  limiter: SlidingWindowLimiter;
  now: SimClock;
}

/**
 * ShipBob's gateway, in its order: the PAT in `Authorization: Bearer` names the merchant (401
 * without a body otherwise), then the call counts against the token's sliding window (429 with
 * `x-retry-after` and ShipBob's body when spent). An admitted answer carries
 * `x-remaining-calls`, whatever happens next.
 *
 * It runs as the kit gate's `authenticate`, before faults, rather than as its `limit` hook
 * (after faults): a call that fails behind ShipBob's gateway has still spent budget, and a
 * spent budget answers 429 whatever fault is switched on (ADR 0037).
 */
export function admitCaller({ world, limiter, now }: AdmissionDeps): (req: Request) => Merchant {
  return (req) => {
    const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const merchant = token ? world.merchantByPat(token) : undefined;
    if (!merchant) throw new SimHttpError(401, 'Unauthorized');
    const decision = limiter.check(token, now().getTime());
    const res = req.res;
    if (!decision.allowed) {
      const exchange = res && exchangeOf(res);
      if (exchange) exchange.fault = 'rate-limit';
      throw new SimHttpError(429, 'Too Many Requests', {
        headers: SHIPBOB_VENDOR.retryAfterHeaders(decision.retryAfterSeconds),
      });
    }
    res?.setHeader('x-remaining-calls', String(decision.remaining ?? 0));
    return merchant;
  };
}

/**
 * The channel named by `shipbob_channel_id`: required on writes (400 in the operation's shape),
 * one of the merchant's channels (403), writable on writes (403). Reads without it see every
 * channel.
 */
export function channelOf(req: Request, merchant: Merchant, write: boolean): number | undefined {
  const header = req.headers['shipbob_channel_id'];
  const raw = Array.isArray(header) ? header[0] : header;
  if (raw === undefined || raw === '') {
    if (write)
      throw new InvalidParameter(
        'shipbob_channel_id',
        'The shipbob_channel_id header is required.',
      );
    return undefined;
  }
  const channelId = Number(raw);
  const channel = merchant.channels.find((c) => c.id === channelId);
  if (!channel) throw new SimHttpError(403, 'Forbidden');
  if (write && !channel.scopes.some((s) => s.endsWith('_write')))
    throw new SimHttpError(403, 'Forbidden');
  return channelId;
}
