import { describe, expect, it } from '@jest/globals';
import {
  effectOfOutcome,
  finishesOrder,
  isAwaitingAcceptance,
  isFailureResolved,
  orderIdOfOutcome,
  stepsOfEffect,
  timelineChangeOf,
  type OutcomeRecord,
} from './order-steps.js';

const outcome = (over: Partial<OutcomeRecord> = {}): OutcomeRecord => ({
  flow: 'orders',
  effectKey: 'accept:MKP-1',
  outcome: 'APPLIED',
  subjectId: 'MKP-1',
  ...over,
});

describe('which step an outcome is', () => {
  it('reads the applier’s effect keys: accept, create, and ship (OR23 then OR24)', () => {
    expect(stepsOfEffect({ effectKey: 'accept:MKP-1' })).toEqual(['accepted']);
    expect(stepsOfEffect({ effectKey: 'create:MKP-1' })).toEqual(['createdInShipBob']);
    expect(stepsOfEffect({ effectKey: 'ship:MKP-1' })).toEqual(['trackingSent', 'shipped']);
    expect(stepsOfEffect({ effectKey: 'cancel:MKP-1' })).toEqual(['canceled']);
  });

  it('reads the cancellation effects: OR29 in Mirakl, lines ShipBob canceled, the ShipBob order canceled', () => {
    expect(stepsOfEffect({ action: 'cancel', effectKey: 'cancel:MKP-1' })).toEqual(['canceled']);
    expect(stepsOfEffect({ action: 'cancel-lines', effectKey: 'cancel-lines:MKP-1:987' })).toEqual([
      'canceled',
    ]);
    expect(
      stepsOfEffect({ action: 'cancel-in-shipbob', effectKey: 'cancel-in-shipbob:MKP-1' }),
    ).toEqual(['canceledInShipBob']);
    expect(stepsOfEffect({ effectKey: 'cancel-in-shipbob:MKP-1' })).toEqual(['canceledInShipBob']);
    expect(
      timelineChangeOf(
        outcome({
          flow: 'cancellations',
          action: 'cancel-in-shipbob',
          effectKey: 'cancel-in-shipbob:MKP-1',
          outcome: 'FAILED',
        }),
      ),
    ).toEqual({ kind: 'failed', orderId: 'MKP-1', steps: ['canceledInShipBob'] });
  });

  it('prefers the action, in any case: OR21, create-order, OR23, OR24', () => {
    expect(stepsOfEffect({ action: 'OR21', effectKey: 'x:MKP-1' })).toEqual(['accepted']);
    expect(stepsOfEffect({ action: 'create-order', effectKey: 'x' })).toEqual(['createdInShipBob']);
    expect(stepsOfEffect({ action: 'OR23', effectKey: 'ship:MKP-1' })).toEqual(['trackingSent']);
    expect(stepsOfEffect({ action: 'or24', effectKey: 'ship:MKP-1' })).toEqual(['shipped']);
  });

  it('falls back to the key when the action is unknown, and finds a known part anywhere in it', () => {
    expect(stepsOfEffect({ action: 'frobnicate', effectKey: 'accept:MKP-1' })).toEqual([
      'accepted',
    ]);
    expect(stepsOfEffect({ effectKey: 'orders:OR23:MKP-1' })).toEqual(['trackingSent']);
    expect(stepsOfEffect({ effectKey: 'create-order:MKP-1' })).toEqual(['createdInShipBob']);
  });

  it.each([
    ['accept', ['accepted']],
    ['accept-order', ['accepted']],
    ['OR21', ['accepted']],
    ['create', ['createdInShipBob']],
    ['create-order', ['createdInShipBob']],
    ['shipbob-order', ['createdInShipBob']],
    ['ship', ['trackingSent', 'shipped']],
    ['tracking', ['trackingSent']],
    ['send-tracking', ['trackingSent']],
    ['OR23', ['trackingSent']],
    ['confirm-shipment', ['shipped']],
    ['OR24', ['shipped']],
    ['cancel', ['canceled']],
    ['cancel-order', ['canceled']],
    ['OR29', ['canceled']],
  ])('given the documented effect name %s, as an action or a key, then it is %j', (name, steps) => {
    expect(stepsOfEffect({ action: name, effectKey: 'x:MKP-1' })).toEqual(steps);
    expect(stepsOfEffect({ effectKey: `${name}:MKP-1` })).toEqual(steps);
  });

  it('given names with spaces around them, then they are still known', () => {
    expect(stepsOfEffect({ action: ' OR21 ', effectKey: 'x' })).toEqual(['accepted']);
    expect(stepsOfEffect({ effectKey: 'orders: Create :MKP-1' })).toEqual(['createdInShipBob']);
  });

  it('knows no step for keys it does not know (offers, inventory, returns, new effects)', () => {
    for (const effectKey of ['product:SKU-1', 'quantity:SKU-1:7', 'return:MKP-1-1', '', 'MKP-1']) {
      expect(stepsOfEffect({ effectKey })).toEqual([]);
    }
  });
});

describe('which order an outcome is about', () => {
  it('is the named Mirakl order, else the subject of an order flow', () => {
    expect(orderIdOfOutcome(outcome({ miraklOrderId: 'MKP-9', subjectId: 'line-1' }))).toBe(
      'MKP-9',
    );
    expect(orderIdOfOutcome(outcome({ flow: 'tracking', subjectId: 'MKP-2' }))).toBe('MKP-2');
    expect(orderIdOfOutcome(outcome({ flow: 'cancellations', subjectId: 'MKP-3' }))).toBe('MKP-3');
  });

  it('given spaces around the order id, the subject or the flow, then they do not count', () => {
    expect(orderIdOfOutcome(outcome({ miraklOrderId: ' MKP-9 ' }))).toBe('MKP-9');
    expect(orderIdOfOutcome(outcome({ flow: ' Tracking ', subjectId: ' MKP-2 ' }))).toBe('MKP-2');
  });

  it('is none for offers, inventory, returns without an order id, and blank subjects', () => {
    expect(orderIdOfOutcome(outcome({ flow: 'offers', subjectId: 'SKU-1' }))).toBeNull();
    expect(orderIdOfOutcome(outcome({ flow: 'inventory', subjectId: 'SKU-1' }))).toBeNull();
    expect(orderIdOfOutcome(outcome({ flow: 'returns', subjectId: 'MKP-1-1' }))).toBeNull();
    expect(orderIdOfOutcome(outcome({ subjectId: '  ', miraklOrderId: '' }))).toBeNull();
  });
});

describe('what an outcome does to a timeline', () => {
  it('APPLIED, DUPLICATE and the older ALREADY_APPLIED reach the step', () => {
    for (const value of ['APPLIED', 'DUPLICATE', 'ALREADY_APPLIED', 'applied', ' Applied ']) {
      expect(timelineChangeOf(outcome({ outcome: value }))).toEqual({
        kind: 'reached',
        orderId: 'MKP-1',
        steps: ['accepted'],
      });
    }
  });

  it('FAILED is the order’s failure, also when the step is unknown', () => {
    expect(timelineChangeOf(outcome({ outcome: 'FAILED', effectKey: 'ship:MKP-1' }))).toEqual({
      kind: 'failed',
      orderId: 'MKP-1',
      steps: ['trackingSent', 'shipped'],
    });
    expect(
      timelineChangeOf(outcome({ outcome: 'FAILED', effectKey: 'mystery:MKP-1', flow: 'orders' })),
    ).toEqual({ kind: 'failed', orderId: 'MKP-1', steps: [] });
  });

  it('SKIPPED, unknown outcomes, unknown steps and non-order flows change nothing', () => {
    expect(timelineChangeOf(outcome({ outcome: 'SKIPPED' }))).toEqual({ kind: 'none' });
    expect(timelineChangeOf(outcome({ outcome: 'PARKED' }))).toEqual({ kind: 'none' });
    expect(timelineChangeOf(outcome({ effectKey: 'mystery:MKP-1' }))).toEqual({ kind: 'none' });
    expect(timelineChangeOf(outcome({ flow: 'offers', effectKey: 'product:SKU' }))).toEqual({
      kind: 'none',
    });
    expect(effectOfOutcome('')).toBe('none');
  });

  it('given a known step in a flow that is about no order (returns), then the timeline does not change', () => {
    expect(
      timelineChangeOf(
        outcome({ flow: 'returns', effectKey: 'create:MKP-1-1', subjectId: 'MKP-1-1' }),
      ),
    ).toEqual({ kind: 'none' });
  });
});

describe('the end of an order’s journey', () => {
  it('is reaching shipped or canceled; no earlier step ends it', () => {
    expect(finishesOrder(['trackingSent', 'shipped'])).toBe(true);
    expect(finishesOrder(['canceled'])).toBe(true);
    expect(
      finishesOrder([
        'seen',
        'accepted',
        'readyToShip',
        'createdInShipBob',
        'labeled',
        'trackingSent',
      ]),
    ).toBe(false);
    expect(finishesOrder([])).toBe(false);
  });
});

describe('waiting for acceptance', () => {
  const t = (minute: number) => new Date(Date.UTC(2026, 10, 30, 10, minute));

  it('is seen and nothing since', () => {
    expect(isAwaitingAcceptance({ seen: t(0) })).toBe(true);
    expect(isAwaitingAcceptance({})).toBe(false);
    expect(isAwaitingAcceptance({ seen: t(0), accepted: t(1) })).toBe(false);
    expect(isAwaitingAcceptance({ seen: t(0), canceled: t(1) })).toBe(false);
    // Accepted in the back office by hand: the order moved on without our accept.
    expect(isAwaitingAcceptance({ seen: t(0), readyToShip: t(5) })).toBe(false);
  });

  it('a failure is resolved once each of its steps was reached after it', () => {
    const failure = { at: t(10), steps: ['trackingSent', 'shipped'] as const };
    expect(isFailureResolved({ ...failure, steps: [...failure.steps] }, {})).toBe(false);
    expect(
      isFailureResolved({ ...failure, steps: [...failure.steps] }, { trackingSent: t(11) }),
    ).toBe(false);
    expect(
      isFailureResolved(
        { ...failure, steps: [...failure.steps] },
        { trackingSent: t(11), shipped: t(11) },
      ),
    ).toBe(true);
    expect(isFailureResolved({ at: t(10), steps: ['accepted'] }, { accepted: t(9) })).toBe(false);
    // Reached in the same instant as the failure: the step happened, the failure is behind it.
    expect(isFailureResolved({ at: t(10), steps: ['accepted'] }, { accepted: t(10) })).toBe(true);
    expect(isFailureResolved({ at: t(10), steps: [] }, { accepted: t(11) })).toBe(false);
  });
});
