import { describe, expect, it } from '@jest/globals';
import { isLabeled, normaliseReturnStatus, toOrder, toReturn } from './mapping.js';
import { orderSchema, returnSchema } from './wire.js';

const shipment = (over: Record<string, unknown>) => ({
  id: 1,
  order_id: 9,
  status: 'Processing',
  status_details: [],
  created_date: '2026-01-01T00:00:00Z',
  last_update_at: '2026-01-02T00:00:00Z',
  ...over,
});

describe('labeled state', () => {
  it.each([
    ['LabeledCreated', [], 'T1', true],
    ['Completed', ['InTransit'], 'T1', true],
    ['Processing', ['Labeled'], 'T1', true],
    ['Processing', ['Packed'], 'T1', false],
    ['Processing', [], null, false],
    ['LabeledCreated', [], '', false],
    ['Cancelled', [], 'T1', false],
  ])('status %s with details %j and tracking %j → %s', (status, details, tracking, expected) => {
    expect(isLabeled(status, details, tracking)).toBe(expected);
  });
});

describe('response mapping', () => {
  it('keeps unknown enum values and ignores unknown fields', () => {
    const wire = orderSchema.parse({
      id: 9,
      reference_id: 'R',
      status: 'SomethingNew',
      created_date: '2026-01-01T00:00:00Z',
      brand_new_field: { nested: true },
      shipments: [
        shipment({
          status: 'FutureStatus',
          tracking: { carrier: 'UPS', tracking_number: 'T', tracking_url: null, extra: 1 },
        }),
      ],
    });
    const order = toOrder(wire);
    expect(order.status).toBe('SomethingNew');
    expect(order.shipments[0]).toMatchObject({
      status: 'FutureStatus',
      isLabeled: false,
      tracking: { trackingNumber: 'T', trackingUrl: null },
    });
    expect(order.updatedAt.toISOString()).toBe('2026-01-02T00:00:00.000Z');
  });

  it('treats an order whose shipments are all cancelled as canceled', () => {
    const order = toOrder(
      orderSchema.parse({
        id: 1,
        status: 'Processing',
        created_date: '2026-01-01T00:00:00Z',
        shipments: [shipment({ status: 'Cancelled' })],
      }),
    );
    expect(order.isCanceled).toBe(true);
  });

  it('accepts both return status spellings', () => {
    expect(normaliseReturnStatus('Awaiting Arrival')).toBe('AwaitingArrival');
    const ret = toReturn(
      returnSchema.parse({
        id: 3,
        reference_id: 'X',
        status: 'Awaiting Arrival',
        inventory: [{ id: 5, quantity: 1, action_requested: null }],
      }),
    );
    expect(ret).toMatchObject({
      status: 'AwaitingArrival',
      items: [{ inventoryId: 5, actionRequested: null, actionTaken: [] }],
    });
  });
});
