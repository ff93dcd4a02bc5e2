import { describe, expect, it } from '@jest/globals';
import { incidentOpened, storeConfig } from '../test-support/facts.js';
import {
  decideReturn,
  returnReferenceId,
  type ReturnLineFacts,
  type ReturnState,
} from './returns.js';

const fact = incidentOpened({ orderId: 'ORDER-7-A', orderLineId: 'ORDER-7-A-2', quantity: 2 });
const on = (overrides: Parameters<typeof storeConfig>[0] = {}) =>
  storeConfig({
    toggles: { ...storeConfig().toggles, returns: true },
    returnsApproved: true,
    returnFulfillmentCenterId: '11',
    ...overrides,
  });
const fresh: ReturnState = { effect: null };
const shippedLine: ReturnLineFacts = {
  item: { kind: 'item', inventoryId: 501 },
  shipment: { id: 9001, shippedQuantity: 2 },
  centerAcceptsReturns: true,
};

describe('returns: an incident opened on a Mirakl line', () => {
  it('given returns on, approved and a return center, then the line is looked up in ShipBob first', () => {
    expect(decideReturn(fact, on(), fresh)).toEqual({
      type: 'ask',
      query: {
        kind: 'shipbob-return-line',
        miraklOrderId: 'ORDER-7-A',
        sku: 'SKU-MUG',
        fulfillmentCenterId: 11,
      },
    });
  });

  it('given the item and its shipment are known, then exactly one return is created at the return center', () => {
    expect(decideReturn(fact, on(), { ...fresh, line: shippedLine })).toEqual({
      type: 'apply',
      resumed: false,
      base: {
        flow: 'returns',
        action: 'return',
        effectKey: 'return:ORDER-7-A:ORDER-7-A-2',
        target: 'SHIPBOB',
        miraklOrderId: 'ORDER-7-A',
      },
      command: {
        kind: 'shipbob-create-return',
        returnOrder: {
          referenceId: 'ORDER-7-A-2',
          fulfillmentCenterId: 11,
          items: [{ inventoryId: 501, quantity: 2, requestedAction: 'Default' }],
          originalShipmentId: 9001,
        },
      },
    });
  });

  it('given the store asks for another action and the shipment is not known, then the return says so', () => {
    const config = on({ returns: { reasons: {}, requestedAction: 'Restock' } });
    expect(
      decideReturn(fact, config, { ...fresh, line: { ...shippedLine, shipment: null } }),
    ).toMatchObject({
      type: 'apply',
      command: {
        returnOrder: {
          items: [{ inventoryId: 501, quantity: 2, requestedAction: 'Restock' }],
          originalShipmentId: null,
        },
      },
    });
  });

  it.each([
    ['the toggle is off', { toggles: storeConfig().toggles }, 'flow-disabled'],
    ['approval was revoked', { returnsApproved: false }, 'returns-not-approved'],
    [
      'no return center is set',
      { returnFulfillmentCenterId: null },
      'no-return-fulfillment-center',
    ],
  ] as const)(
    'given %s at the moment of the effect, then SKIPPED and no return',
    (_, overrides, reason) => {
      expect(decideReturn(fact, on(overrides), { ...fresh, line: shippedLine })).toMatchObject({
        type: 'record',
        outcome: { outcome: 'SKIPPED', reason, flow: 'returns' },
      });
    },
  );

  it('given a reason the store maps to ignore, then SKIPPED; unmapped reasons create', () => {
    const config = on({ returns: { reasons: { '12': 'ignore' }, requestedAction: 'Default' } });
    expect(decideReturn(fact, config, fresh)).toMatchObject({
      type: 'record',
      outcome: {
        outcome: 'SKIPPED',
        reason: 'reason-ignored',
        detail: expect.stringContaining('12'),
      },
    });
    expect(decideReturn(incidentOpened({ reasonCode: '13' }), config, fresh)).toMatchObject({
      type: 'ask',
    });
    expect(decideReturn(incidentOpened({ reasonCode: null }), config, fresh)).toMatchObject({
      type: 'ask',
    });
  });

  it.each([
    ['unknown', { kind: 'unknown' }, 'unknown-sku'],
    ['digital', { kind: 'digital' }, 'digital-sku'],
    ['bundle', { kind: 'bundle' }, 'bundle-sku'],
  ] as const)(
    'given a %s SKU, then FAILED with a reason the seller can act on, no return',
    (_, item, reason) => {
      expect(decideReturn(fact, on(), { ...fresh, line: { ...shippedLine, item } })).toMatchObject({
        type: 'reject',
        reason,
        outcome: { outcome: 'FAILED', reason, detail: expect.stringContaining('SKU-MUG') },
      });
    },
  );

  it('given a quantity above what ShipBob shipped, then FAILED rather than a partial return', () => {
    const line = { ...shippedLine, shipment: { id: 9001, shippedQuantity: 1 } };
    expect(decideReturn(fact, on(), { ...fresh, line })).toMatchObject({
      type: 'reject',
      outcome: {
        outcome: 'FAILED',
        reason: 'quantity-above-shipped',
        detail: expect.stringContaining('shipped 1'),
      },
    });
  });

  it('given a return center that no longer accepts returns, then FAILED', () => {
    const line = { ...shippedLine, centerAcceptsReturns: false };
    expect(decideReturn(fact, on(), { ...fresh, line })).toMatchObject({
      type: 'reject',
      outcome: { outcome: 'FAILED', reason: 'return-center-unavailable' },
    });
  });

  it('given a claim left by a crash, then ShipBob is asked by reference id; a return found completes it', () => {
    const claimed: ReturnState = { effect: { status: 'claimed' } };
    expect(decideReturn(fact, on(), claimed)).toEqual({
      type: 'ask',
      query: { kind: 'shipbob-return-by-reference', referenceId: 'ORDER-7-A-2' },
    });
    expect(decideReturn(fact, on(), { ...claimed, shipbobReturn: { id: '77' } })).toMatchObject({
      type: 'complete',
      externalIds: { shipbobReturnId: '77', referenceId: 'ORDER-7-A-2' },
      outcome: { outcome: 'APPLIED' },
    });
    expect(
      decideReturn(fact, on(), { ...claimed, shipbobReturn: null, line: shippedLine }),
    ).toMatchObject({ type: 'apply', resumed: true });
  });

  it('given the return is done, then a redelivery is a DUPLICATE and nothing is sent again', () => {
    const done: ReturnState = {
      effect: { status: 'done', externalIds: { shipbobReturnId: '77' }, outcomeRecorded: true },
    };
    expect(decideReturn(fact, on(), done)).toMatchObject({
      type: 'record',
      outcome: { outcome: 'DUPLICATE', reason: 'already-applied' },
    });
  });

  it('given no SKU or no quantity, then the fact is rejected as a bad payload', () => {
    expect(decideReturn(incidentOpened({ sku: ' ', quantity: 0 }), on(), fresh)).toMatchObject({
      type: 'reject',
      reason: 'bad-payload',
      outcome: { detail: 'line ORDER-7-A-1 has no SKU; line ORDER-7-A-1 has quantity 0' },
    });
  });
});

describe('the reference id of a return', () => {
  it('is the Mirakl line id when it names its order, else order/line', () => {
    expect(returnReferenceId('ORDER-7-A', 'ORDER-7-A-2')).toBe('ORDER-7-A-2');
    expect(returnReferenceId('ORDER-7-A', '88231')).toBe('ORDER-7-A/88231');
  });

  it('stays within 50 characters, is the same for the same line and differs between lines', () => {
    const order = 'O'.repeat(40);
    const a = returnReferenceId(order, 'line-000000000001');
    const b = returnReferenceId(order, 'line-000000000002');
    expect(a).toHaveLength(50);
    expect(b).toHaveLength(50);
    expect(a).toBe(returnReferenceId(order, 'line-000000000001'));
    expect(a).not.toBe(b);
  });
});
