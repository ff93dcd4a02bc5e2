import { createHmac, timingSafeEqual } from 'node:crypto';
import { PermanentError } from '@msync/platform';
import type { z } from 'zod';
import type { ShipBobOrder, ShipBobReturn, Shipment } from './domain.js';
import { toOrder, toReturn, toShipment } from './mapping.js';
import { orderSchema, returnSchema, shipmentSchema } from './wire.js';

/** Standard Webhooks: a message older or newer than this is refused (replay protection). */
export const WEBHOOK_TOLERANCE_MS = 5 * 60_000;

/** The Standard Webhooks headers of one delivery, as received (absent ones undefined). */
export interface WebhookHeaders {
  id: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
}

export type WebhookSignatureCheck =
  | { ok: true; webhookId: string; sentAt: Date }
  | { ok: false; reason: 'missing-headers' | 'stale-timestamp' | 'bad-signature' };

const SECRET_PREFIX = 'whsec_';

function signingKey(secret: string): Buffer {
  return Buffer.from(
    secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret,
    'base64',
  );
}

/** `v1,<base64 HMAC-SHA256>` of `id.timestamp.body` with the base64-decoded secret (Standard Webhooks). */
export function signWebhookMessage(
  secret: string,
  webhookId: string,
  timestampSeconds: number,
  body: Buffer | string,
): string {
  const mac = createHmac('sha256', signingKey(secret))
    .update(`${webhookId}.${timestampSeconds}.`)
    .update(body);
  return `v1,${mac.digest('base64')}`;
}

/**
 * Verifies a delivery the Standard Webhooks way (ShipBob's dated subscriptions): the three
 * headers present, the timestamp within {@link WEBHOOK_TOLERANCE_MS} of `now` either way, and one
 * of the space-separated `v1,` signatures equal (in constant time) to the HMAC of the raw body
 * bytes. Other signature versions are ignored.
 */
export function verifyWebhookSignature(input: {
  secret: string;
  headers: WebhookHeaders;
  body: Buffer;
  now: number;
  toleranceMs?: number;
}): WebhookSignatureCheck {
  const { id, timestamp, signature } = input.headers;
  if (!id || !timestamp || !signature) return { ok: false, reason: 'missing-headers' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'missing-headers' };
  const seconds = Number(timestamp);
  const tolerance = input.toleranceMs ?? WEBHOOK_TOLERANCE_MS;
  if (Math.abs(input.now - seconds * 1000) > tolerance)
    return { ok: false, reason: 'stale-timestamp' };
  const expected = Buffer.from(
    signWebhookMessage(input.secret, id, seconds, input.body).slice(3),
    'base64',
  );
  for (const candidate of signature.split(' ')) {
    const [version, value] = candidate.split(',', 2);
    if (version !== 'v1' || !value) continue;
    const given = Buffer.from(value, 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected))
      return { ok: true, webhookId: id, sentAt: new Date(seconds * 1000) };
  }
  return { ok: false, reason: 'bad-signature' };
}

/** What a webhook's body is, by its topic (the topic travels in `x-webhook-topic`, not in the body). */
export type ShipBobWebhook =
  | { topic: string; kind: 'order'; order: ShipBobOrder }
  | { topic: string; kind: 'shipment'; shipment: Shipment; referenceId: string | null }
  | { topic: string; kind: 'return'; returnOrder: ShipBobReturn }
  | { topic: string; kind: 'other' };

/**
 * Reads a webhook body into our types: `order.shipped` carries the order, `order.shipment.*` the
 * shipment, `return.*` the return (reference §12.2); the legacy spellings (`order_shipped`,
 * `shipment_*`) are read the same way, since ShipBob migrated subscriptions between them. A
 * topic we do not read is `other`. A body of the wrong shape is a `PermanentError`
 * (`schema-mismatch`).
 */
export function readWebhook(topic: string, body: unknown): ShipBobWebhook {
  if (topic === 'order.shipped' || topic === 'order_shipped')
    return { topic, kind: 'order', order: toOrder(shaped(orderSchema, body, topic)) };
  if (topic.startsWith('order.shipment.') || topic.startsWith('shipment_')) {
    const wire = shaped(shipmentSchema, body, topic);
    return {
      topic,
      kind: 'shipment',
      shipment: toShipment(wire),
      referenceId: wire.reference_id ?? null,
    };
  }
  if (topic.startsWith('return.'))
    return { topic, kind: 'return', returnOrder: toReturn(shaped(returnSchema, body, topic)) };
  return { topic, kind: 'other' };
}

function shaped<T extends z.ZodType>(schema: T, body: unknown, topic: string): z.infer<T> {
  const result = schema.safeParse(body);
  if (!result.success)
    throw new PermanentError(`ShipBob ${topic} webhook body has an unexpected shape`, {
      reason: 'schema-mismatch',
    });
  return result.data;
}
