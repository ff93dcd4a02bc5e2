import { describe, expect, it } from '@jest/globals';
import type { OutcomeBase } from './decision.js';
import { decideFromMiraklState, type MiraklStateKnown } from './mirakl-resume.js';

const base: OutcomeBase = {
  flow: 'tracking',
  action: 'ship',
  effectKey: 'ship:ORDER-3-A',
  target: 'MIRAKL',
  miraklOrderId: 'ORDER-3-A',
};
const command = { kind: 'mirakl-ship' } as const;
const ids = { shipmentId: '9003' };
const shipWhen = (known: MiraklStateKnown) =>
  decideFromMiraklState(base, known, 'shipped', command, ids);

describe('a claimed Mirakl effect, once the order’s state is known', () => {
  it('given Mirakl does not know the order, then it fails for good, saying so', () => {
    expect(shipWhen({ state: null, via: 'resume-check' })).toEqual({
      type: 'reject',
      reason: 'order-not-found',
      outcome: {
        ...base,
        outcome: 'FAILED',
        reason: 'order-not-found',
        detail: 'Mirakl does not know order ORDER-3-A',
        externalIds: {},
      },
    });
  });

  it('given the order found past the target on resuming, then our own call went through: APPLIED', () => {
    const externalIds = { miraklOrderId: 'ORDER-3-A', shipmentId: '9003' };
    expect(shipWhen({ state: 'SHIPPED', via: 'resume-check' })).toEqual({
      type: 'complete',
      externalIds,
      outcome: {
        ...base,
        outcome: 'APPLIED',
        reason: null,
        detail: 'resumed: the order was already SHIPPED in Mirakl',
        externalIds,
      },
    });
  });

  it('given Mirakl refused the call because the order is past the target, then someone else did it: DUPLICATE', () => {
    const externalIds = { miraklOrderId: 'ORDER-3-A', shipmentId: '9003' };
    expect(shipWhen({ state: 'RECEIVED', via: 'wrong-state' })).toEqual({
      type: 'complete',
      externalIds,
      outcome: {
        ...base,
        outcome: 'DUPLICATE',
        reason: 'already-in-target-state',
        detail: 'the order is already RECEIVED in Mirakl',
        externalIds,
      },
    });
  });

  it('given the order is where the call is made, then the call is made again on the existing claim', () => {
    expect(shipWhen({ state: 'SHIPPING', via: 'resume-check' })).toEqual({
      type: 'apply',
      command,
      resumed: true,
      base,
    });
  });

  it('given Mirakl refused the call although the order is where the call is made, then it is tried again later', () => {
    expect(shipWhen({ state: 'SHIPPING', via: 'wrong-state' })).toEqual({
      type: 'retry',
      reason: 'state-mismatch',
      message: 'Mirakl refused order ORDER-3-A in state SHIPPING',
      wait: 'backoff',
    });
  });

  it('given the order was canceled, then it fails for good, saying what can no longer happen', () => {
    expect(shipWhen({ state: 'CANCELED', via: 'wrong-state' })).toEqual({
      type: 'reject',
      reason: 'order-closed',
      outcome: {
        ...base,
        outcome: 'FAILED',
        reason: 'order-closed',
        detail: 'the order is CANCELED in Mirakl; it can no longer be shipped',
        externalIds: {},
      },
    });
  });

  it.each([
    ['WAITING_DEBIT_PAYMENT', 'order-not-ready'],
    ['ON_HOLD', 'unknown-order-state'],
  ])('given the order is %s, then it is tried again later (%s)', (state, reason) => {
    expect(shipWhen({ state, via: 'resume-check' })).toEqual({
      type: 'retry',
      reason,
      message: `order ORDER-3-A is ${state} in Mirakl; trying again later`,
      wait: 'backoff',
    });
  });
});
