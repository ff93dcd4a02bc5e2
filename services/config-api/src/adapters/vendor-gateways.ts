import { lookup } from 'node:dns/promises';
import { createMiraklClient } from '@msync/mirakl';
import { createRateLimiterRegistry, createShipBobClient } from '@msync/shipbob';
import {
  CredentialsError,
  PermanentError,
  errorMessage,
  type Logger,
  type SharedBudget,
} from '@msync/platform';
import type {
  FulfillmentCenterOption,
  HostResolver,
  MiraklGateway,
  ShipBobGateway,
  Verified,
} from '../domain/ports.js';

/**
 * Mirakl through `@msync/mirakl` (A01 is the account call). The client never follows redirects
 * and refuses non-public addresses on every connection, except for `trustedHosts`.
 */
export function miraklGateway(options: {
  logger: Logger;
  timeoutMs?: number;
  trustedHosts?: readonly string[];
}): MiraklGateway {
  return {
    async verifyShop(baseUrl, apiKey) {
      const client = createMiraklClient({
        storeUrl: baseUrl,
        apiKey,
        logger: options.logger,
        timeoutMs: options.timeoutMs ?? 10_000,
        retries: 1,
        retryInitialDelayMs: 200,
        trustedHosts: options.trustedHosts,
      });
      return rejectedCredentials(async () => {
        const shop = await client.verifyCredentials();
        return { shopId: String(shop.shopId), shopName: shop.name || null };
      });
    },
  };
}

/**
 * ShipBob through `@msync/shipbob`; one rate limiter per token, shared across checks, claiming
 * its calls from the token's budget every process shares (ADR 0057).
 */
export function shipbobGateway(options: {
  baseUrl: string;
  logger: Logger;
  /** The product-wide ShipBob budget (`createShipBobSharedBudget`). */
  budget: SharedBudget;
  timeoutMs?: number;
}): ShipBobGateway {
  const limiters = createRateLimiterRegistry({
    shared: {
      budget: options.budget,
      onError: (error) =>
        options.logger.warn('claiming from the shared ShipBob budget failed; trying again', {
          error: errorMessage(error),
        }),
    },
  });
  const client = (pat: string) =>
    createShipBobClient({
      pat,
      storeId: 'config-api',
      logger: options.logger,
      limiter: limiters.forToken(pat),
      baseUrl: options.baseUrl,
      timeoutMs: options.timeoutMs ?? 10_000,
    });
  return {
    async verifyToken(pat) {
      return rejectedCredentials(async () => {
        const verification = await client(pat).verifyToken();
        return {
          channelId: String(verification.channelId),
          channelName: verification.channelName,
        };
      });
    },
    async listWebhookSubscriptions(pat) {
      return client(pat).listWebhookSubscriptions();
    },
    async createWebhookSubscription(pat, input) {
      const created = await client(pat).createWebhookSubscription({
        ...input,
        description: 'Mirakl sync: tracking, cancellations and returns',
      });
      return { id: created.id };
    },
    async deleteWebhookSubscription(pat, id) {
      await client(pat).deleteWebhookSubscription(id);
    },
    async listFulfillmentCenters(pat): Promise<FulfillmentCenterOption[]> {
      const centers = await client(pat).listFulfillmentCenters();
      return centers.map((c) => ({
        id: String(c.id),
        name: c.name,
        location: [c.city, c.state, c.country].filter(Boolean).join(', ') || null,
      }));
    },
  };
}

async function rejectedCredentials<T>(call: () => Promise<T>): Promise<Verified<T>> {
  try {
    return { ok: true, value: await call() };
  } catch (error) {
    if (error instanceof CredentialsError) {
      return { ok: false, reason: error.reason, message: error.message };
    }
    if (error instanceof PermanentError && error.reason === 'not-found') {
      return {
        ok: false,
        reason: 'not-a-mirakl-store',
        message: 'No Mirakl API answers at this URL',
      };
    }
    throw error;
  }
}

/** The system resolver (every address of the name, IPv4 and IPv6). */
export const systemResolver: HostResolver = {
  async resolve(host) {
    try {
      const answers = await lookup(host, { all: true, verbatim: true });
      return answers.map((a) => a.address);
    } catch {
      return [];
    }
  },
};
