import { describe, expect, it } from '@jest/globals';
import { storeConfig } from '../test-support/facts.js';
import { doneDecision, gateDecision, outcomeOf, type OutcomeBase } from './decision.js';

const base: OutcomeBase = {
  flow: 'orders',
  action: 'create',
  effectKey: 'create:ORDER-1-A',
  target: 'SHIPBOB',
  miraklOrderId: 'ORDER-1-A',
};

describe('outcomes', () => {
  it('given no details, then the outcome has no reason, no detail and no external ids', () => {
    expect(outcomeOf(base, 'APPLIED')).toEqual({
      ...base,
      outcome: 'APPLIED',
      reason: null,
      detail: null,
      externalIds: {},
    });
  });
});

describe('a fact whose effect is done', () => {
  const done = { status: 'done', externalIds: { shipbobOrderId: '42' } } as const;

  it('given its outcome was recorded, then it is a DUPLICATE saying nothing was sent again', () => {
    expect(doneDecision(base, { ...done, outcomeRecorded: true })).toEqual({
      type: 'record',
      outcome: {
        ...base,
        outcome: 'DUPLICATE',
        reason: 'already-applied',
        detail: 'this effect was already applied; nothing was sent again',
        externalIds: { shipbobOrderId: '42' },
      },
      markRecorded: false,
    });
  });

  it('given the process stopped before recording it, then APPLIED is recorded, and marked recorded', () => {
    expect(doneDecision(base, { ...done, outcomeRecorded: false })).toEqual({
      type: 'record',
      outcome: {
        ...base,
        outcome: 'APPLIED',
        reason: null,
        detail: null,
        externalIds: { shipbobOrderId: '42' },
      },
      markRecorded: true,
    });
  });
});

describe('the gate every flow passes first', () => {
  it('given no configuration seen for the store, then the fact waits, naming the store', () => {
    expect(gateDecision('store-9', undefined, base)).toEqual({
      type: 'retry',
      reason: 'config-not-loaded',
      message: 'no configuration seen yet for store store-9',
      wait: 'backoff',
    });
  });

  it('given the flow is off, then SKIPPED is recorded with why (and nothing is marked in the ledger)', () => {
    const off = storeConfig({ toggles: { ...storeConfig().toggles, orders: false } });
    expect(gateDecision('store-1', off, base)).toEqual({
      type: 'record',
      outcome: {
        ...base,
        outcome: 'SKIPPED',
        reason: 'flow-disabled',
        detail: 'the orders flow is switched off for this store',
        externalIds: {},
      },
      markRecorded: false,
    });
  });

  it('given a connected store with the flow on, then it is open with that configuration', () => {
    const config = storeConfig();
    expect(gateDecision('store-1', config, base)).toEqual({ type: 'open', config });
  });
});
