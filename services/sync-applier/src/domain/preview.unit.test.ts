import { describe, expect, it } from '@jest/globals';
import { awaitingAcceptance, readyToShip, storeConfig } from '../test-support/facts.js';
import { effectKeyOf, previewFact, type LedgerRecord } from './preview.js';

const accept = {
  topicKey: 'orderAwaitingAcceptance' as const,
  value: awaitingAcceptance({ orderId: 'ORDER-7-A' }),
};
const create = {
  topicKey: 'orderReadyToShip' as const,
  value: readyToShip({ orderId: 'ORDER-7-A' }),
};
const done: LedgerRecord = {
  entry: { status: 'done', externalIds: {}, outcomeRecorded: true },
  claimedAt: new Date('2026-11-28T10:01:40Z'),
  doneAt: new Date('2026-11-28T10:02:13Z'),
};

describe('previewing what the applier would do now', () => {
  it('given an effect never claimed, when previewed, then it would apply and names the call', () => {
    expect(previewFact(accept, storeConfig(), null)).toEqual({
      verdict: 'would-apply',
      effectKey: 'accept:ORDER-7-A',
      text: 'would apply: OR21 accept 2 lines of ORDER-7-A',
    });
  });

  it('given a create that needs a SKU lookup first, when previewed, then it says the lookup comes first', () => {
    expect(previewFact(create, storeConfig(), null).text).toBe(
      'would apply: ShipBob order for ORDER-7-A, 1 line (after shipbob known skus)',
    );
  });

  it('given a done effect, when previewed, then it was already applied at its time, to the minute', () => {
    expect(previewFact(accept, storeConfig(), done)).toMatchObject({
      verdict: 'already-applied',
      text: 'already applied 2026-11-28T10:02Z',
    });
  });

  it('given the flow switched off, when previewed, then it is skipped with the reason', () => {
    const off = storeConfig({ toggles: { ...storeConfig().toggles, orders: false } });
    expect(previewFact(accept, off, null)).toMatchObject({
      verdict: 'skipped',
      text: 'skipped: flow-disabled',
    });
  });

  it('given a done effect whose flow is now off, when previewed, then the gate skips it and says it was applied', () => {
    const off = storeConfig({ toggles: { ...storeConfig().toggles, orders: false } });
    expect(previewFact(accept, off, done).text).toBe(
      'skipped: flow-disabled (already applied 2026-11-28T10:02Z)',
    );
  });

  it('given a claim left unfinished, when previewed, then it would resume by asking the target first', () => {
    const claimed: LedgerRecord = {
      entry: { status: 'claimed' },
      claimedAt: done.claimedAt,
      doneAt: null,
    };
    expect(previewFact(accept, storeConfig(), claimed).text).toBe(
      'would resume: OR21 accept 2 lines of ORDER-7-A (claimed 2026-11-28T10:01Z; asks Mirakl first)',
    );
  });

  it('given a store whose configuration was never seen, when previewed, then it would wait', () => {
    expect(previewFact(accept, undefined, null).verdict).toBe('would-wait');
  });
});

describe('the effect key a preview reads the ledger under', () => {
  it('is the applier’s: accept:<order>, create:<order>', () => {
    expect([effectKeyOf(accept), effectKeyOf(create)]).toEqual([
      'accept:ORDER-7-A',
      'create:ORDER-7-A',
    ]);
  });
});
