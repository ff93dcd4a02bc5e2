import { describe, expect, it } from '@jest/globals';
import { shipmentLabeled, storeConfig } from '../test-support/facts.js';
import { decideTracking, type TrackingState } from './tracking.js';

const fact = shipmentLabeled({
  orderId: 'ORDER-9-A',
  shipbobOrderId: '7009',
  shipmentId: '9009',
  carrier: 'UPS',
  trackingNumber: '1Z999AA10123456784',
  trackingUrl: 'https://www.ups.com/track?tracknum=1Z999AA10123456784',
});
const fresh: TrackingState = { effect: null };
const claimed: TrackingState = { effect: { status: 'claimed' } };

describe('tracking: a labeled ShipBob shipment', () => {
  it('given tracking on, when the order was never shipped, then OR23 with carrier, number and URL then OR24 are one effect', () => {
    expect(decideTracking(fact, storeConfig(), fresh)).toEqual({
      type: 'apply',
      resumed: false,
      command: {
        kind: 'mirakl-ship',
        orderId: 'ORDER-9-A',
        tracking: {
          carrierName: 'UPS',
          trackingNumber: '1Z999AA10123456784',
          trackingUrl: 'https://www.ups.com/track?tracknum=1Z999AA10123456784',
        },
        externalIds: {
          shipbobOrderId: '7009',
          shipmentId: '9009',
          trackingNumber: '1Z999AA10123456784',
        },
      },
      base: {
        flow: 'tracking',
        action: 'ship',
        effectKey: 'ship:ORDER-9-A',
        target: 'MIRAKL',
        miraklOrderId: 'ORDER-9-A',
      },
    });
  });

  it('is idempotent if run twice: a done effect (e.g. a second shipment of the order) is a DUPLICATE', () => {
    const done: TrackingState = {
      effect: { status: 'done', externalIds: { shipmentId: '9009' }, outcomeRecorded: true },
    };
    const second = shipmentLabeled({ orderId: 'ORDER-9-A', shipmentId: '9010' });
    expect(decideTracking(second, storeConfig(), done)).toEqual(
      decideTracking(fact, storeConfig(), done),
    );
    expect(decideTracking(second, storeConfig(), done)).toMatchObject({
      type: 'record',
      outcome: { outcome: 'DUPLICATE', effectKey: 'ship:ORDER-9-A' },
    });
  });

  it('given Mirakl says the order is already shipped, then it is a DUPLICATE', () => {
    expect(
      decideTracking(fact, storeConfig(), {
        ...claimed,
        mirakl: { state: 'SHIPPED', via: 'wrong-state' },
      }),
    ).toMatchObject({
      type: 'complete',
      externalIds: { miraklOrderId: 'ORDER-9-A', shipmentId: '9009' },
      outcome: { outcome: 'DUPLICATE' },
    });
  });

  it('given a claim left unfinished, then Mirakl is asked; shipped means done, SHIPPING means send again', () => {
    expect(decideTracking(fact, storeConfig(), claimed)).toEqual({
      type: 'ask',
      query: { kind: 'mirakl-order-state', orderId: 'ORDER-9-A' },
    });
    expect(
      decideTracking(fact, storeConfig(), {
        ...claimed,
        mirakl: { state: 'RECEIVED', via: 'resume-check' },
      }),
    ).toMatchObject({ type: 'complete', outcome: { outcome: 'APPLIED' } });
    expect(
      decideTracking(fact, storeConfig(), {
        ...claimed,
        mirakl: { state: 'SHIPPING', via: 'resume-check' },
      }),
    ).toMatchObject({ type: 'apply', resumed: true });
  });

  it('given a claim left after OR23 went through, when the order carries the tracking, then only OR24 is sent again', () => {
    const resumed = (trackingNumber: string | null) =>
      decideTracking(fact, storeConfig(), {
        ...claimed,
        mirakl: { state: 'SHIPPING', via: 'resume-check', trackingNumber },
      });
    expect(resumed('1Z999AA10123456784')).toMatchObject({
      type: 'apply',
      resumed: true,
      command: { kind: 'mirakl-ship', trackingSet: true },
    });
    // Another number (or none) on the order: the shipment's tracking is sent.
    for (const other of ['1Z000OTHER', null]) {
      const decision = resumed(other);
      expect(decision).toMatchObject({ type: 'apply', resumed: true });
      expect(decision.type === 'apply' && decision.command.trackingSet).toBeUndefined();
    }
  });

  it('given an order still waiting for payment, then it is retried; a canceled one fails for good', () => {
    expect(
      decideTracking(fact, storeConfig(), {
        ...claimed,
        mirakl: { state: 'WAITING_DEBIT_PAYMENT', via: 'wrong-state' },
      }),
    ).toMatchObject({ type: 'retry', reason: 'order-not-ready' });
    expect(
      decideTracking(fact, storeConfig(), {
        ...claimed,
        mirakl: { state: 'CANCELED', via: 'wrong-state' },
      }),
    ).toMatchObject({ type: 'reject', outcome: { outcome: 'FAILED', reason: 'order-closed' } });
  });

  it('given tracking switched off or the store disconnected, then SKIPPED', () => {
    const off = storeConfig({ toggles: { ...storeConfig().toggles, tracking: false } });
    expect(decideTracking(fact, off, fresh)).toMatchObject({
      type: 'record',
      outcome: { outcome: 'SKIPPED', reason: 'flow-disabled', flow: 'tracking' },
    });
    expect(decideTracking(fact, storeConfig({ status: 'DISCONNECTED' }), fresh)).toMatchObject({
      type: 'record',
      outcome: { outcome: 'SKIPPED', reason: 'store-not-connected' },
    });
  });

  it('given ShipBob no longer configured, then tracking still reaches Mirakl (only Mirakl is called)', () => {
    expect(decideTracking(fact, storeConfig({ shipbobConfigured: false }), fresh)).toMatchObject({
      type: 'apply',
    });
  });

  it('given no configuration seen yet, then it is retried', () => {
    expect(decideTracking(fact, undefined, fresh)).toMatchObject({
      type: 'retry',
      reason: 'config-not-loaded',
    });
  });

  it('given a shipment without tracking number and carrier, then it is rejected naming each problem', () => {
    const blank = { ...fact, trackingNumber: '', carrier: '  ' };
    expect(decideTracking(blank, storeConfig(), fresh)).toEqual({
      type: 'reject',
      reason: 'bad-payload',
      outcome: {
        flow: 'tracking',
        action: 'ship',
        effectKey: 'ship:ORDER-9-A',
        target: 'MIRAKL',
        miraklOrderId: 'ORDER-9-A',
        outcome: 'FAILED',
        reason: 'bad-payload',
        detail: 'the shipment has no tracking number; the shipment has no carrier',
        externalIds: {},
      },
    });
  });

  it('given a shipment naming no marketplace order, then it is rejected saying so', () => {
    expect(decideTracking({ ...fact, referenceId: '  ' }, storeConfig(), fresh)).toMatchObject({
      type: 'reject',
      outcome: { detail: 'the shipment names no marketplace order' },
    });
  });

  it('sends carrier and tracking number without the spaces around them', () => {
    const padded = shipmentLabeled({
      orderId: 'ORDER-9-A',
      carrier: ' UPS ',
      trackingNumber: ' 1Z999 ',
      trackingUrl: null,
    });
    expect(decideTracking(padded, storeConfig(), fresh)).toMatchObject({
      type: 'apply',
      command: {
        tracking: { carrierName: 'UPS', trackingNumber: '1Z999' },
        externalIds: { trackingNumber: '1Z999' },
      },
    });
  });

  it('given a shipment without a tracking number, then it is rejected as a bad payload', () => {
    expect(decideTracking({ ...fact, trackingNumber: ' ' }, storeConfig(), fresh)).toMatchObject({
      type: 'reject',
      reason: 'bad-payload',
      outcome: { detail: 'the shipment has no tracking number' },
    });
  });
});
