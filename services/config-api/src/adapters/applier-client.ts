import type { Logger } from '@msync/platform';
import { z } from 'zod';
import type { ApplierPort } from '../domain/ports.js';
import { opsCaller } from './ops-client.js';

const at = z.string();
const cycles = z.object({
  offers: z
    .object({
      at,
      startedAt: at,
      skus: z.number(),
      created: z.number(),
      existing: z.number(),
      skipped: z.number(),
      errors: z.number(),
    })
    .nullable(),
  inventory: z
    .object({
      cycleId: z.string(),
      at,
      result: z.string(),
      skus: z.number(),
      errors: z.number(),
      importId: z.string().nullable(),
      detail: z.string().nullable(),
    })
    .nullable(),
});
const page = z.object({
  items: z.array(
    z.object({
      sku: z.string(),
      offer: z.boolean(),
      shipbobProductId: z.string().nullable(),
      offerResult: z
        .object({
          outcome: z.string(),
          reason: z.string().nullable(),
          detail: z.string().nullable(),
          at,
        })
        .nullable(),
      fulfillable: z.number().nullable(),
      exception: z.number().nullable(),
      active: z.boolean().nullable(),
      digital: z.boolean().nullable(),
      buffer: z.number().nullable(),
      quantity: z.number().nullable(),
      pushed: z
        .object({
          quantity: z.number(),
          at: at.nullable(),
          result: z.string().nullable(),
          reason: z.string().nullable(),
          detail: z.string().nullable(),
          importId: z.string().nullable(),
        })
        .nullable(),
    }),
  ),
  total: z.number(),
  nextAfter: z.string().nullable(),
});

/** The applier's catalog routes on its ops port (ADR 0089). */
export function applierClient(options: {
  baseUrl: string;
  logger: Logger;
  timeoutMs?: number;
}): ApplierPort {
  const call = opsCaller({ service: 'applier', ...options });
  const store = (storeId: string) => `/catalog/${encodeURIComponent(storeId)}`;
  return {
    cycles: (storeId) => call('GET', `${store(storeId)}/cycles`, cycles),
    skus: (storeId, query) => {
      const params = new URLSearchParams();
      if (query.q) params.set('q', query.q);
      if (query.limit !== undefined) params.set('limit', String(query.limit));
      if (query.after) params.set('after', query.after);
      const search = params.size > 0 ? `?${params.toString()}` : '';
      return call('GET', `${store(storeId)}/skus${search}`, page);
    },
  };
}
