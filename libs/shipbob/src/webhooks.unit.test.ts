import { describe, expect, it } from '@jest/globals';
import { PermanentError } from '@msync/platform';
import {
  WEBHOOK_TOLERANCE_MS,
  readWebhook,
  signWebhookMessage,
  verifyWebhookSignature,
  type WebhookHeaders,
} from './webhooks.js';

// The Standard Webhooks scheme's published test vector (its reference libraries' `sign` test).
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};
const AT_VECTOR = VECTOR.timestamp * 1000;

const headers = (over: Partial<WebhookHeaders> = {}): WebhookHeaders => ({
  id: VECTOR.id,
  timestamp: String(VECTOR.timestamp),
  signature: VECTOR.signature,
  ...over,
});

const verify = (over: { headers?: WebhookHeaders; body?: string; now?: number; secret?: string }) =>
  verifyWebhookSignature({
    secret: over.secret ?? VECTOR.secret,
    headers: over.headers ?? headers(),
    body: Buffer.from(over.body ?? VECTOR.body),
    now: over.now ?? AT_VECTOR,
  });

describe('Standard Webhooks signature', () => {
  it('signs the published vector to the published signature', () => {
    expect(signWebhookMessage(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(
      VECTOR.signature,
    );
  });

  it('accepts the published vector, with or without the whsec_ prefix on the secret', () => {
    expect(verify({})).toEqual({ ok: true, webhookId: VECTOR.id, sentAt: new Date(AT_VECTOR) });
    expect(verify({ secret: VECTOR.secret.slice('whsec_'.length) })).toMatchObject({ ok: true });
  });

  it('refuses a tampered body, even by one byte or a re-serialisation', () => {
    expect(verify({ body: '{"test": 2432232315}' })).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
    expect(verify({ body: '{"test":2432232314}' })).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('refuses another secret, another id and another timestamp', () => {
    const other = `whsec_${Buffer.alloc(24, 7).toString('base64')}`;
    expect(verify({ secret: other })).toMatchObject({ ok: false, reason: 'bad-signature' });
    expect(verify({ headers: headers({ id: 'msg_other' }) })).toMatchObject({
      reason: 'bad-signature',
    });
    expect(verify({ headers: headers({ timestamp: String(VECTOR.timestamp + 1) }) })).toMatchObject(
      { reason: 'bad-signature' },
    );
  });

  it('refuses a timestamp more than five minutes old or ahead, and accepts one at the limit', () => {
    expect(verify({ now: AT_VECTOR + WEBHOOK_TOLERANCE_MS })).toMatchObject({ ok: true });
    expect(verify({ now: AT_VECTOR - WEBHOOK_TOLERANCE_MS })).toMatchObject({ ok: true });
    expect(verify({ now: AT_VECTOR + WEBHOOK_TOLERANCE_MS + 1000 })).toEqual({
      ok: false,
      reason: 'stale-timestamp',
    });
    expect(verify({ now: AT_VECTOR - WEBHOOK_TOLERANCE_MS - 1000 })).toEqual({
      ok: false,
      reason: 'stale-timestamp',
    });
  });

  it('accepts any matching v1 entry of a list and ignores other versions', () => {
    const value = VECTOR.signature.slice(3);
    const list = [
      'v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=',
      `v2,${value}`,
      VECTOR.signature,
    ].join(' ');
    expect(verify({ headers: headers({ signature: list }) })).toMatchObject({ ok: true });
    expect(verify({ headers: headers({ signature: `v2,${value}` }) })).toMatchObject({
      reason: 'bad-signature',
    });
  });

  it('refuses partial, empty and missing signatures and headers', () => {
    expect(verify({ headers: headers({ signature: VECTOR.signature.slice(0, 8) }) })).toMatchObject(
      { reason: 'bad-signature' },
    );
    expect(verify({ headers: headers({ signature: 'v1,' }) })).toMatchObject({
      reason: 'bad-signature',
    });
    for (const missing of ['id', 'timestamp', 'signature'] as const)
      expect(verify({ headers: headers({ [missing]: undefined }) })).toEqual({
        ok: false,
        reason: 'missing-headers',
      });
    expect(verify({ headers: headers({ timestamp: 'hello' }) })).toMatchObject({
      reason: 'missing-headers',
    });
  });
});

const shipmentWire = {
  id: 11,
  order_id: 7,
  reference_id: 'M-1',
  status: 'Completed',
  status_details: [],
  tracking: { carrier: 'UPS', tracking_number: '1Z', tracking_url: 'https://ups/1Z' },
  created_date: '2026-01-01T00:00:00Z',
  last_update_at: '2026-01-02T00:00:00Z',
};

describe('webhook bodies', () => {
  it('reads order.shipped (and the legacy order_shipped) as the order', () => {
    const body = {
      id: 7,
      reference_id: 'M-1',
      status: 'Fulfilled',
      created_date: '2026-01-01T00:00:00Z',
      shipments: [shipmentWire],
    };
    for (const topic of ['order.shipped', 'order_shipped']) {
      const read = readWebhook(topic, body);
      expect(read).toMatchObject({ topic, kind: 'order', order: { id: 7, referenceId: 'M-1' } });
    }
  });

  it('reads order.shipment.* (and the legacy shipment_*) as the shipment with its order reference', () => {
    for (const topic of ['order.shipment.delivered', 'shipment_cancelled']) {
      expect(readWebhook(topic, shipmentWire)).toMatchObject({
        kind: 'shipment',
        referenceId: 'M-1',
        shipment: { id: 11, orderId: 7, isLabeled: true, tracking: { carrier: 'UPS' } },
      });
    }
    const { reference_id: _r, ...withoutReference } = shipmentWire;
    expect(readWebhook('order.shipment.cancelled', withoutReference)).toMatchObject({
      referenceId: null,
    });
  });

  it('reads return.* as the return and leaves other topics unread', () => {
    expect(
      readWebhook('return.completed', { id: 3, reference_id: 'RMA-1', status: 'Completed' }),
    ).toMatchObject({ kind: 'return', returnOrder: { id: 3, status: 'Completed' } });
    expect(readWebhook('billing.charge.created', { anything: true })).toEqual({
      topic: 'billing.charge.created',
      kind: 'other',
    });
  });

  it('rejects a body of the wrong shape as permanent', () => {
    for (const body of [null, 'text', { id: 'seven' }, { order_id: 1 }])
      expect(() => readWebhook('order.shipped', body)).toThrow(
        expect.objectContaining({ reason: 'schema-mismatch' }),
      );
    expect(() => readWebhook('order.shipment.delivered', { id: 1 })).toThrow(PermanentError);
  });
});
