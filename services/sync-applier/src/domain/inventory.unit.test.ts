import { describe, expect, it } from '@jest/globals';
import type { StockPushResult } from '@msync/mirakl';
import { withContext } from '@msync/test-support';
import { inventoryOnConfig, stock, storeConfig } from '../test-support/facts.js';
import {
  decideInventoryCycle,
  decideWithoutMap,
  importOutcomes,
  importProgress,
  inventoryBase,
  NO_IMPORT,
  quantityOf,
  quietMarkOf,
  stockLines,
  type InventoryCycleState,
} from './inventory.js';

const on = inventoryOnConfig();
const cycle = { storeId: 'store-1', cycleId: 'store-1@1000', fullCycle: false };
const levels = [
  stock('A', 10, { exception: 3 }),
  stock('B', 1),
  stock('DIGITAL', 50, { digital: true }),
  stock('INACTIVE', 50, { active: false }),
  stock('NOT-AN-OFFER', 50),
];
const offers = new Set(['A', 'B', 'DIGITAL', 'INACTIVE', 'ONLY-ON-MIRAKL']);
const state = (overrides: Partial<InventoryCycleState> = {}): InventoryCycleState => ({
  levels,
  offers,
  pushed: { buffer: 2, quantities: new Map() },
  effect: null,
  ...overrides,
});

describe('inventory: the quantity of a SKU', () => {
  it('is fulfillable − exception − buffer, never below zero', () => {
    expect(quantityOf(stock('A', 10, { exception: 3 }), 2)).toBe(5);
    expect(quantityOf(stock('A', 1, { exception: 3 }), 0)).toBe(0);
  });
});

describe('inventory: the end of a store cycle', () => {
  it('given offers never pushed, when the cycle ends, then one import carries every offer SKU that is active and not digital', () => {
    expect(decideInventoryCycle(cycle, on, state())).toEqual({
      type: 'push',
      lines: [
        { sku: 'A', quantity: 5 },
        { sku: 'B', quantity: 0 },
      ],
      resumed: false,
      base: inventoryBase('store-1@1000'),
    });
  });

  it('given quantities pushed already, when the cycle ends, then only the ones that differ are imported', () => {
    const pushed = {
      buffer: 2,
      quantities: new Map([
        ['A', 5],
        ['B', 1],
      ]),
    };
    expect(decideInventoryCycle(cycle, on, state({ pushed }))).toMatchObject({
      type: 'push',
      lines: [{ sku: 'B', quantity: 0 }],
    });
  });

  it('given nothing differs, when the cycle ends, then there is no import', () => {
    const pushed = {
      buffer: 2,
      quantities: new Map([
        ['A', 5],
        ['B', 0],
      ]),
    };
    expect(decideInventoryCycle(cycle, on, state({ pushed }))).toEqual({
      type: 'unchanged',
      remember: true,
    });
  });

  it('given a cycle the ledger remembers as one without an import, when it ends again (a replay, with older levels), then there is no import', () => {
    const effect = {
      status: 'done' as const,
      externalIds: { [NO_IMPORT]: 'true' },
      outcomeRecorded: true,
    };
    // What was pushed since differs from the cycle's levels: only the ledger keeps it quiet.
    const pushed = { buffer: 2, quantities: new Map([['A', 40]]) };
    expect(decideInventoryCycle(cycle, on, state({ effect, pushed }))).toEqual({
      type: 'unchanged',
      remember: false,
    });
  });

  it('given the buffer changed since the last push, when the cycle ends, then every SKU is pushed again', () => {
    const pushed = {
      buffer: 1,
      quantities: new Map([
        ['A', 5],
        ['B', 0],
      ]),
    };
    expect(decideInventoryCycle(cycle, on, state({ pushed }))).toMatchObject({
      type: 'push',
      lines: [
        { sku: 'A', quantity: 5 },
        { sku: 'B', quantity: 0 },
      ],
    });
  });

  it('given a full cycle (first read, flow switched on), when it ends, then every SKU is pushed again', () => {
    const pushed = {
      buffer: 2,
      quantities: new Map([
        ['A', 5],
        ['B', 0],
      ]),
    };
    expect(
      decideInventoryCycle({ ...cycle, fullCycle: true }, on, state({ pushed })),
    ).toMatchObject({ type: 'push', lines: [{ sku: 'A' }, { sku: 'B' }] });
  });

  it('given the flow off, when the cycle ends, then it is SKIPPED and nothing is called', () => {
    expect(decideInventoryCycle(cycle, storeConfig(), state())).toMatchObject({
      type: 'skip',
      outcome: { outcome: 'SKIPPED', reason: 'flow-disabled', flow: 'inventory' },
    });
  });

  it('given no configuration seen yet, when the cycle ends, then it is retried, never skipped', () => {
    expect(decideInventoryCycle(cycle, undefined, state())).toMatchObject({ type: 'retry' });
  });

  it('is idempotent if run twice: a cycle whose import is done is a DUPLICATE', () => {
    const done = { status: 'done' as const, externalIds: { importId: '7' }, outcomeRecorded: true };
    expect(decideInventoryCycle(cycle, on, state({ effect: done }))).toMatchObject({
      type: 'record',
      outcome: { outcome: 'DUPLICATE' },
      markRecorded: false,
    });
  });

  it('given an import claimed but not finished, when the cycle ends again, then it is redone, or completed when every quantity was recorded', () => {
    const claimed = { status: 'claimed' as const };
    expect(decideInventoryCycle(cycle, on, state({ effect: claimed }))).toMatchObject({
      type: 'push',
      resumed: true,
    });
    const pushed = {
      buffer: 2,
      quantities: new Map([
        ['A', 5],
        ['B', 0],
      ]),
    };
    expect(decideInventoryCycle(cycle, on, state({ effect: claimed, pushed }))).toMatchObject({
      type: 'complete',
      outcome: { outcome: 'APPLIED' },
    });
  });
});

describe('inventory: a cycle end without the store map (ADR 0142)', () => {
  const quietPushed = {
    buffer: 2,
    quantities: new Map([
      ['A', 5],
      ['B', 0],
    ]),
  };
  const mark = { stamp: '7|chunk-3', configVersion: on.version };
  const known = (overrides: Partial<Parameters<typeof decideWithoutMap>[2]> = {}) => ({
    effect: null,
    stamp: '7|chunk-3',
    mark,
    ...overrides,
  });

  it('given a decision on the map that found no line, then it leaves a mark of the map and configuration it was made on', () => {
    const decision = decideInventoryCycle(cycle, on, state({ pushed: quietPushed }));
    expect(quietMarkOf(decision, on, '7|chunk-3')).toEqual(mark);
    // A claimed import completed with no line left marks too.
    const complete = decideInventoryCycle(
      cycle,
      on,
      state({ pushed: quietPushed, effect: { status: 'claimed' } }),
    );
    expect(complete.type).toBe('complete');
    expect(quietMarkOf(complete, on, '7|chunk-3')).toEqual(mark);
  });

  it('given a decision with lines, or one the ledger made, or a map without a stamp, then it leaves no mark', () => {
    expect(quietMarkOf(decideInventoryCycle(cycle, on, state()), on, '7|chunk-3')).toBeNull();
    const remembered = decideInventoryCycle(
      cycle,
      on,
      state({
        effect: { status: 'done', externalIds: { [NO_IMPORT]: 'true' }, outcomeRecorded: true },
      }),
    );
    expect(remembered).toEqual({ type: 'unchanged', remember: false });
    expect(quietMarkOf(remembered, on, '7|chunk-3')).toBeNull();
    const quiet = decideInventoryCycle(cycle, on, state({ pushed: quietPushed }));
    expect(quietMarkOf(quiet, on, null)).toBeNull();
    expect(quietMarkOf(quiet, undefined, '7|chunk-3')).toBeNull();
  });

  it('given the map and configuration of the mark, when the cycle ends, then there is no import, remembered, decided without the map', () => {
    expect(decideWithoutMap(cycle, on, known())).toEqual({ type: 'unchanged', remember: true });
    // What the map would decide: the same.
    expect(decideInventoryCycle(cycle, on, state({ pushed: quietPushed }))).toEqual({
      type: 'unchanged',
      remember: true,
    });
  });

  it('given a claimed import and the map of the mark, when the cycle ends again, then the claim is completed without a call', () => {
    expect(decideWithoutMap(cycle, on, known({ effect: { status: 'claimed' } }))).toMatchObject({
      type: 'complete',
      outcome: { outcome: 'APPLIED' },
    });
  });

  it('given the map changed since the mark (another stamp), then the map decides', () => {
    expect(decideWithoutMap(cycle, on, known({ stamp: '8|chunk-4' }))).toBeNull();
    expect(decideWithoutMap(cycle, on, known({ stamp: null }))).toBeNull();
  });

  it('given the configuration changed since the mark (a buffer, say), then the map decides', () => {
    const changed = { ...on, version: on.version + 1, inventoryBuffer: 5 };
    expect(decideWithoutMap(cycle, changed, known())).toBeNull();
  });

  it('given no mark, or a full cycle, then the map decides', () => {
    expect(decideWithoutMap(cycle, on, known({ mark: undefined }))).toBeNull();
    expect(decideWithoutMap({ ...cycle, fullCycle: true }, on, known())).toBeNull();
  });

  it('given the flow off, no configuration yet, or a cycle the ledger has, then they decide as with the map, mark or not', () => {
    expect(decideWithoutMap(cycle, storeConfig(), known())).toMatchObject({
      type: 'skip',
      outcome: { outcome: 'SKIPPED', reason: 'flow-disabled' },
    });
    expect(decideWithoutMap(cycle, undefined, known({ mark: undefined }))).toMatchObject({
      type: 'retry',
    });
    const done = { status: 'done' as const, externalIds: { importId: '7' }, outcomeRecorded: true };
    expect(decideWithoutMap(cycle, on, known({ effect: done, mark: undefined }))).toEqual(
      decideInventoryCycle(cycle, on, state({ effect: done })),
    );
  });
});

describe('inventory: a cycle end while offers of the store are still to be applied (ADR 0180)', () => {
  const pending = { effect: null, stamp: '7|chunk-3', mark: undefined, offersPending: true };

  it('given offers of the store published and not applied yet, when a cycle ends, then it decides nothing: the cycle end after them does', () => {
    expect(decideWithoutMap(cycle, on, pending)).toEqual({ type: 'after-offers' });
    // Even with the map and configuration of a decision that found no line: the offers change it.
    const mark = { stamp: '7|chunk-3', configVersion: on.version };
    expect(decideWithoutMap(cycle, on, { ...pending, mark })).toEqual({ type: 'after-offers' });
  });

  it('given every offer applied, then the map decides as before', () => {
    expect(decideWithoutMap(cycle, on, { ...pending, offersPending: false })).toBeNull();
  });

  it('given a full cycle (a resync) of a store whose pushed quantities are of its buffer, or an import this cycle claimed, then it is decided now: the resync sends every SKU, the claim is followed', () => {
    const full = { ...cycle, fullCycle: true };
    expect(decideWithoutMap(full, on, { ...pending, pushedBuffer: on.inventoryBuffer })).toBeNull();
    // Not read: not known to be owed every offer later.
    expect(decideWithoutMap(full, on, pending)).toBeNull();
    expect(decideWithoutMap(cycle, on, { ...pending, effect: { status: 'claimed' } })).toBeNull();
  });

  it('given a full cycle of a store nothing was pushed for (its first read), or pushed with another buffer, then it waits too: the cycle end after the offers sends every offer (ADR 0181)', () => {
    const full = { ...cycle, fullCycle: true };
    expect(decideWithoutMap(full, on, { ...pending, pushedBuffer: null })).toEqual({
      type: 'after-offers',
    });
    expect(
      decideWithoutMap(full, on, { ...pending, pushedBuffer: on.inventoryBuffer + 1 }),
    ).toEqual({ type: 'after-offers' });
    // What that cycle end's map decides: every offer, as the full cycle would have, even one
    // whose quantity was pushed before with the buffer forgotten.
    const pushed = { buffer: null, quantities: new Map([['A', 5]]) };
    const later = decideInventoryCycle(cycle, on, state({ pushed }));
    expect(later).toEqual(decideInventoryCycle(full, on, state({ pushed })));
    expect(later).toMatchObject({ type: 'push', lines: [{ sku: 'A' }, { sku: 'B' }] });
  });

  it('given the flow off, no configuration yet, or a cycle the ledger has done, then those decide first', () => {
    expect(decideWithoutMap(cycle, storeConfig(), pending)).toMatchObject({
      type: 'skip',
      outcome: { outcome: 'SKIPPED', reason: 'flow-disabled' },
    });
    expect(decideWithoutMap(cycle, undefined, pending)).toMatchObject({ type: 'retry' });
    const done = { status: 'done' as const, externalIds: { importId: '7' }, outcomeRecorded: true };
    expect(decideWithoutMap(cycle, on, { ...pending, effect: done })).toEqual(
      decideInventoryCycle(cycle, on, state({ effect: done })),
    );
  });
});

describe('inventory: resuming an import Mirakl accepted', () => {
  const lines = [
    { sku: 'A', quantity: 5 },
    { sku: 'B', quantity: 0 },
  ];
  const started = { importId: 'sto-7', via: 'STO01' as const };
  const claimedWith = (progress: Record<string, string>) => ({
    status: 'claimed' as const,
    progress,
  });

  it('given a claim that names the import sent with these very lines, when the cycle ends again, then that import is followed and nothing is sent again', () => {
    const effect = claimedWith(importProgress(started, lines));
    expect(decideInventoryCycle(cycle, on, state({ effect }))).toEqual({
      type: 'follow',
      started,
      lines,
      base: inventoryBase('store-1@1000'),
    });
  });

  it('given a claim whose import carried other lines (the buffer changed since), when the cycle ends again, then the lines are sent again', () => {
    const effect = claimedWith(importProgress(started, [{ sku: 'A', quantity: 6 }, lines[1]!]));
    expect(decideInventoryCycle(cycle, on, state({ effect }))).toMatchObject({
      type: 'push',
      lines,
      resumed: true,
    });
  });

  it('given a claim without a usable import id, when the cycle ends again, then the lines are sent again', () => {
    const unusable: Record<string, string>[] = [
      {},
      { via: 'STO01', lines: importProgress(started, lines)['lines']! },
      { ...importProgress(started, lines), via: 'OF24' },
    ];
    for (const progress of unusable)
      withContext(JSON.stringify(progress), () =>
        expect(
          decideInventoryCycle(cycle, on, state({ effect: claimedWith(progress) })),
        ).toMatchObject({ type: 'push', resumed: true }),
      );
  });

  it('given every quantity recorded as pushed, when a claim naming its import is resumed, then it is completed without a call', () => {
    const effect = claimedWith(importProgress(started, lines));
    const pushed = { buffer: 2, quantities: new Map(lines.map((l) => [l.sku, l.quantity])) };
    expect(decideInventoryCycle(cycle, on, state({ effect, pushed }))).toMatchObject({
      type: 'complete',
    });
  });
});

describe('inventory: the outcomes of an import', () => {
  const lines = stockLines({
    levels,
    offers,
    pushed: { buffer: null, quantities: new Map() },
    buffer: 0,
    full: false,
  });
  const result = (overrides: Partial<StockPushResult>): StockPushResult => ({
    importId: '42',
    via: 'STO01',
    status: 'COMPLETE',
    linesInSuccess: 1,
    linesInError: 1,
    failures: [{ sku: 'B', message: 'quantity refused' }],
    ...overrides,
  });

  it('given a SKU in the error report, then the import is APPLIED and the SKU has its own FAILED outcome, sent again only when its quantity changes', () => {
    const { outcomes, pushed } = importOutcomes(inventoryBase('c1'), lines, result({}));
    expect(outcomes.map((o) => [o.effectKey, o.outcome, o.reason])).toEqual([
      ['inventory:c1', 'APPLIED', null],
      ['inventory:c1:B', 'FAILED', 'stock-rejected'],
    ]);
    expect(outcomes[1]!.detail).toContain('quantity refused');
    expect(pushed).toEqual(lines);
  });

  it('given the import failed as a whole, then it is FAILED and nothing is taken as pushed', () => {
    const { outcomes, pushed } = importOutcomes(
      inventoryBase('c1'),
      lines,
      result({ status: 'FAILED', failures: [], reason: 'file rejected' }),
    );
    expect(outcomes.map((o) => [o.outcome, o.reason])).toEqual([['FAILED', 'import-failed']]);
    expect(pushed).toEqual([]);
  });
});
