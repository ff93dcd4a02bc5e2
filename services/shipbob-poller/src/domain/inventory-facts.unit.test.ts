import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import type { InventoryLevel } from '@msync/shipbob';
import {
  changedItems,
  decideAccountRead,
  decideReadDeferral,
  decideInventoryFacts,
  decideUnchangedRead,
  diffLevels,
  flagsAgeLimitMs,
  knownFlagsOf,
  type FlagsAge,
  levelsDigestOf,
  skuLevelOf,
  skuLevelsOf,
  skuSourcesOf,
  type AccountHead,
  type AccountSnapshot,
  type InventoryFact,
  type SkuLevel,
  type StoreFacts,
} from './inventory-facts.js';
import { skuLevel } from '../test-support/levels.js';

const level = skuLevel;
const at = new Date('2026-03-02T10:00:00Z');
const snapshot = (readAt: Date | null, stores: AccountSnapshot['stores']): AccountSnapshot => ({
  items: [level('A', 1)],
  readAt,
  stores,
  revision: 1,
});

describe('decideAccountRead', () => {
  const request = { storeId: 's1', requestedAt: at.getTime(), resync: false };

  it('given no read of the account yet, when a store asks, then it reads', () => {
    expect(decideAccountRead(null, request, 60_000)).toEqual({ type: 'read' });
  });

  it('given a read within the window that reached the store, when it asks, then it is shared', () => {
    const read = snapshot(new Date(at.getTime() - 30_000), [{ storeId: 's1', baseline: true }]);
    expect(decideAccountRead(read, request, 60_000)).toEqual({ type: 'shared' });
  });

  it('given a recent read the store never got, when it asks, then it gets the snapshot', () => {
    const read = snapshot(new Date(at.getTime() - 30_000), [{ storeId: 's2', baseline: true }]);
    expect(decideAccountRead(read, request, 60_000)).toEqual({ type: 'baseline' });
  });

  it('given a read older than the window, or a resync, when the store asks, then it reads', () => {
    const old = snapshot(new Date(at.getTime() - 61_000), [{ storeId: 's1', baseline: true }]);
    expect(decideAccountRead(old, request, 60_000)).toEqual({ type: 'read' });
    const recent = snapshot(at, [{ storeId: 's1', baseline: true }]);
    expect(decideAccountRead(recent, { ...request, resync: true }, 60_000)).toEqual({
      type: 'read',
    });
  });

  it('given a read that reached the store, when its offers changed (ADR 0155), then its cycle closes with the read’s closing item', () => {
    const read = {
      ...snapshot(new Date(at.getTime() - 30_000), [{ storeId: 's1', baseline: true }]),
      closing: level('A', 1),
    };
    const close = { ...request, close: true };
    expect(decideAccountRead(read, close, 60_000)).toEqual({
      type: 'close',
      closing: level('A', 1),
    });
    // However old the read: its levels are those the store's other SKUs were pushed from.
    const old = { ...read, readAt: new Date(at.getTime() - 3_600_000) };
    expect(decideAccountRead(old, close, 60_000)).toEqual({
      type: 'close',
      closing: level('A', 1),
    });
    // A store that never got the read gets it all; an account never read is read.
    expect(decideAccountRead(null, close, 60_000)).toEqual({ type: 'read' });
    const other = { ...read, stores: [{ storeId: 's2', baseline: true }] };
    expect(decideAccountRead(other, close, 60_000)).toEqual({ type: 'baseline' });
    // A head saved before it kept a closing item: nothing to close with.
    expect(decideAccountRead({ ...read, closing: null }, close, 60_000)).toEqual({
      type: 'shared',
    });
    expect(decideAccountRead({ ...old, closing: null }, close, 60_000)).toEqual({ type: 'read' });
  });
});

describe('decideReadDeferral (ADR 0154, 0169)', () => {
  const settings = { behindLimit: 1_000, maxDeferMs: 30 * 60_000 };
  const now = at.getTime();
  const ask = { now, resync: false };
  const last = (facts: 'inventory' | 'offers', behind: number, agoMs: number) => ({
    facts,
    behind,
    publishedAt: now - agoMs,
  });
  const published = (behind: number, agoMs: number) => [last('inventory', behind, agoMs)];

  it('given the applier more than the limit behind the store’s last facts, when a read is asked, then it waits', () => {
    expect(decideReadDeferral(published(10_001, 60_000), ask, settings)).toEqual({
      type: 'defer',
      facts: 'inventory',
      behind: 10_001,
    });
  });

  it('given the store’s levels applied but the applier more than the limit behind its last offers, when a read is asked, then it waits for the offers', () => {
    const lasts = [last('inventory', 0, 60_000), last('offers', 1_001, 5_000)];
    expect(decideReadDeferral(lasts, ask, settings)).toEqual({
      type: 'defer',
      facts: 'offers',
      behind: 1_001,
    });
  });

  it('given the offers waited for since the longest wait and the levels behind more recently, when a read is asked, then it waits for the levels', () => {
    const lasts = [last('offers', 5_000, 30 * 60_000), last('inventory', 2_000, 60_000)];
    expect(decideReadDeferral(lasts, ask, settings)).toEqual({
      type: 'defer',
      facts: 'inventory',
      behind: 2_000,
    });
  });

  it('given the store’s last facts applied or nearly (up to the limit), when a read is asked, then it reads', () => {
    expect(decideReadDeferral(published(0, 60_000), ask, settings)).toEqual({
      type: 'read',
      overdue: false,
    });
    expect(decideReadDeferral(published(1_000, 60_000), ask, settings)).toEqual({
      type: 'read',
      overdue: false,
    });
  });

  it('given no facts known for the store, a resync, or a limit of 0, when a read is asked, then it reads', () => {
    expect(decideReadDeferral([], ask, settings)).toEqual({ type: 'read', overdue: false });
    expect(decideReadDeferral(published(50_000, 60_000), { now, resync: true }, settings)).toEqual({
      type: 'read',
      overdue: false,
    });
    expect(
      decideReadDeferral(published(50_000, 60_000), ask, { ...settings, behindLimit: 0 }),
    ).toEqual({ type: 'read', overdue: false });
  });

  it('given facts unapplied since the longest wait, when a read is asked, then it reads, overdue', () => {
    expect(decideReadDeferral(published(50_000, 30 * 60_000), ask, settings)).toEqual({
      type: 'read',
      overdue: true,
    });
    expect(decideReadDeferral(published(50_000, 30 * 60_000 - 1), ask, settings)).toEqual({
      type: 'defer',
      facts: 'inventory',
      behind: 50_000,
    });
    const both = [last('inventory', 50_000, 30 * 60_000), last('offers', 2_000, 31 * 60_000)];
    expect(decideReadDeferral(both, ask, settings)).toEqual({ type: 'read', overdue: true });
  });
});

describe('knownFlagsOf', () => {
  const withFlags = (flagsReadAt: Date | null | undefined): AccountSnapshot => ({
    items: [
      level('A', 1, { inventoryId: '11' }),
      level('B', 0, { inventoryId: '12', active: false, digital: true }),
    ],
    readAt: at,
    stores: [],
    revision: 3,
    ...(flagsReadAt === undefined ? {} : { flagsReadAt }),
  });
  const minutes = (n: number) => n * 60_000;

  const age = (now: number, overrides: Partial<FlagsAge> = {}): FlagsAge => ({
    accountKey: 'account-1',
    now,
    maxAgeMs: minutes(10),
    resync: false,
    ...overrides,
  });
  const limit = flagsAgeLimitMs('account-1', at.getTime(), minutes(10));

  it('given flags younger than their limit, when reading, then they stand in for the catalog', () => {
    const flags = knownFlagsOf(withFlags(at), age(at.getTime() + limit - 1));
    expect(flags).toEqual(
      new Map([
        [11, { isActive: true, isDigital: false }],
        [12, { isActive: false, isDigital: true }],
      ]),
    );
  });

  it('given flags as old as their limit, when reading, then the catalog is read', () => {
    expect(knownFlagsOf(withFlags(at), age(at.getTime() + limit))).toBe(undefined);
    expect(knownFlagsOf(withFlags(at), age(at.getTime() + minutes(10)))).toBe(undefined);
  });

  it('given a resync, an age of 0, or a snapshot that never read the catalog, then the catalog is read', () => {
    expect(knownFlagsOf(withFlags(at), age(at.getTime(), { resync: true }))).toBe(undefined);
    expect(knownFlagsOf(withFlags(at), age(at.getTime(), { maxAgeMs: 0 }))).toBe(undefined);
    expect(knownFlagsOf(withFlags(null), age(at.getTime()))).toBe(undefined);
    expect(knownFlagsOf(withFlags(undefined), age(at.getTime()))).toBe(undefined);
  });
});

describe('flagsAgeLimitMs (ADR 0150)', () => {
  const maxAgeMs = 10 * 60_000;
  const readAt = at.getTime();

  it('gives flags read at once, by many accounts, limits spread between half the age and all of it', () => {
    const limits = Array.from({ length: 200 }, (_, n) =>
      flagsAgeLimitMs(`account-${n}`, readAt, maxAgeMs),
    );
    for (const limit of limits) {
      expect(limit).toBeGreaterThanOrEqual(maxAgeMs / 2);
      expect(limit).toBeLessThanOrEqual(maxAgeMs);
    }
    expect(new Set(limits).size).toBeGreaterThan(190);
    // Spread over the whole range: a fifth of it at each end is reached.
    expect(Math.min(...limits)).toBeLessThan(maxAgeMs * 0.6);
    expect(Math.max(...limits)).toBeGreaterThan(maxAgeMs * 0.9);
  });

  it('gives one account’s flags the same limit at every read of them, and a new one when read again', () => {
    expect(flagsAgeLimitMs('account-1', readAt, maxAgeMs)).toBe(
      flagsAgeLimitMs('account-1', readAt, maxAgeMs),
    );
    const later = Array.from({ length: 20 }, (_, n) =>
      flagsAgeLimitMs('account-1', readAt + (n + 1) * maxAgeMs, maxAgeMs),
    );
    expect(new Set(later).size).toBeGreaterThan(15);
  });
});

const wire = (inventoryId: number, sku: string | null, flags: Partial<InventoryLevel> = {}) =>
  ({
    inventoryId,
    sku,
    name: null,
    fulfillable: 5,
    onHand: 6,
    committed: 1,
    exception: 2,
    sellable: 3,
    isActive: null,
    isDigital: null,
    byFulfillmentCenter: [],
    ...flags,
  }) satisfies InventoryLevel;

describe('skuLevelsOf', () => {
  it('keeps one entry per SKU, sorted, flags defaulting to active and not digital', () => {
    const levels = skuLevelsOf([
      wire(9, 'B'),
      wire(3, 'B', { isDigital: true }),
      wire(4, null),
      wire(5, 'A', { isActive: false }),
    ]);
    expect(levels.map((l) => [l.sku, l.inventoryId, l.active, l.digital])).toEqual([
      ['A', '5', false, false],
      ['B', '3', true, true],
    ]);
  });
});

describe('skuSourcesOf and skuLevelOf', () => {
  it('given levels, when their sources are mapped, then the items are those of skuLevelsOf', () => {
    const levels = [wire(9, 'B'), wire(3, 'B', { isDigital: true }), wire(4, null), wire(5, 'A')];
    expect(skuSourcesOf(levels).map(skuLevelOf)).toEqual(skuLevelsOf(levels));
  });

  it('given flags set on the levels after their sources were chosen, when mapped again, then the items carry them', () => {
    const levels = [wire(2, 'B'), wire(1, 'A')];
    const sources = skuSourcesOf(levels);
    expect(sources.map(skuLevelOf).map((l) => l.active)).toEqual([true, true]);
    levels[0]!.isActive = false;
    levels[1]!.isDigital = true;
    expect(sources.map(skuLevelOf).map((l) => [l.sku, l.active, l.digital])).toEqual([
      ['A', true, true],
      ['B', false, false],
    ]);
  });
  it('given a SKU listed three times, empty or missing SKUs, in any order, when chosen, then the lowest inventory id of each SKU is kept and the read is left as it was', () => {
    const levels = [
      wire(9, 'B'),
      wire(2, ''),
      wire(3, 'B'),
      wire(8, 'C'),
      wire(4, null),
      wire(7, 'B'),
      wire(5, 'A'),
    ];
    const listed = [...levels];
    for (const order of [levels, [...levels].reverse()]) {
      expect(skuSourcesOf(order).map((l) => [l.sku, l.inventoryId])).toEqual([
        ['A', 5],
        ['B', 3],
        ['C', 8],
      ]);
    }
    expect(levels).toEqual(listed);
  });
});

const digestOf = (levels: InventoryLevel[]) => levelsDigestOf(skuLevelsOf(levels));

describe('levelsDigestOf (ADR 0137)', () => {
  const read = [wire(1, 'A'), wire(2, 'B'), wire(3, null)];

  it('given the same levels in another order, or other flags, when digested, then the digest is the same', () => {
    const digest = digestOf(read);
    expect(digestOf([...read].reverse())).toBe(digest);
    expect(digestOf([wire(1, 'A', { isActive: false }), wire(2, 'B')])).toBe(digest);
  });

  it('given any kept number, an inventory id, or a SKU changed, added or gone, when digested, then the digest differs', () => {
    const digest = digestOf(read);
    const changes: InventoryLevel[][] = [
      [wire(1, 'A', { fulfillable: 4 }), wire(2, 'B')],
      [wire(1, 'A', { onHand: 7 }), wire(2, 'B')],
      [wire(1, 'A', { committed: 0 }), wire(2, 'B')],
      [wire(1, 'A', { exception: 0 }), wire(2, 'B')],
      [wire(7, 'A'), wire(2, 'B')],
      [wire(1, 'A'), wire(2, 'B'), wire(4, 'C')],
      [wire(1, 'A')],
    ];
    const digests = changes.map((levels) => digestOf(levels));
    for (const other of digests) expect(other).not.toBe(digest);
    expect(new Set(digests).size).toBe(changes.length);
  });

  it('given levels whose lines fill several hashed chunks, when digested as levels or as items, then the digest is the SHA-256 of their lines, as heads saved before ADR 0163 hold it', () => {
    const levels = Array.from({ length: 2_000 }, (_, i) =>
      wire(1_000 + i, `SKU-${String(i).padStart(5, '0')}`, { fulfillable: i % 7 }),
    );
    const items = skuLevelsOf(levels);
    const lines = items
      .map(
        (l) =>
          `${l.sku}\0${l.inventoryId}\0${l.fulfillable}\0${l.onHand}\0${l.committed}\0${l.exception}\n`,
      )
      .join('');
    expect(lines.length).toBeGreaterThan(2 * 16_384);
    const digest = createHash('sha256').update(lines).digest('base64');
    expect(levelsDigestOf(items)).toBe(digest);
    expect(levelsDigestOf(skuSourcesOf(levels))).toBe(digest);
    levels[1_999]!.exception = 0;
    expect(levelsDigestOf(skuSourcesOf(levels))).not.toBe(digest);
  });
});

describe('decideUnchangedRead (ADR 0137)', () => {
  const digest = digestOf([wire(1, 'A')]);
  const closing = level('A', 5);
  const head: AccountHead = {
    readAt: at,
    flagsReadAt: at,
    stores: [{ storeId: 's1', baseline: true }],
    revision: 3,
    levelsDigest: digest,
    closing,
  };
  const read = {
    digest,
    stores: [{ storeId: 's1', baseline: true }],
    flagsYoung: true,
    resync: false,
  };

  it('given the digest of the last read, young flags and stores that have every SKU, when read, then nothing changed and the closing item is given', () => {
    expect(decideUnchangedRead(head, read)).toEqual({ unchanged: true, closing });
  });

  it('given another digest, old flags, a resync, a store new to the account, or a head that kept no digest, when read, then the items are compared', () => {
    const cases: [AccountHead, typeof read][] = [
      [head, { ...read, digest: digestOf([wire(1, 'A', { fulfillable: 6 })]) }],
      [head, { ...read, flagsYoung: false }],
      [head, { ...read, resync: true }],
      [head, { ...read, stores: [...read.stores, { storeId: 's2', baseline: false }] }],
      [{ ...head, levelsDigest: null }, read],
      [{ ...head, levelsDigest: undefined, closing: undefined }, read],
      [{ ...head, revision: 0 }, read],
    ];
    for (const [given, when] of cases)
      expect(decideUnchangedRead(given, when)).toEqual({ unchanged: false });
  });

  it('given an account without SKUs read again, when nothing changed, then no item closes the cycle', () => {
    expect(decideUnchangedRead({ ...head, closing: null }, read)).toEqual({
      unchanged: true,
      closing: null,
    });
  });
});

describe('decideInventoryFacts', () => {
  const previous = [level('A', 1), level('B', 2), level('C', 3)];
  const decide = (current: SkuLevel[], stores: AccountSnapshot['stores'], levelsPerFact = 2) => {
    const { changed } = diffLevels(previous, current);
    const perStore = decideInventoryFacts({
      changed,
      current,
      stores,
      cycleId: 'c1',
      observedAt: at,
      levelsPerFact,
    });
    return { perStore, changed: changed.length };
  };
  /** The SKUs of facts, each fact's own then those of its `more`. */
  const skusOf = (facts: InventoryFact[]) =>
    facts.flatMap((f) => [f.body.sku, ...f.body.more.map((m) => m.sku)]);

  it('given changes, when stores that have every SKU share the read, then each gets only the changed SKUs, the last closing its cycle', () => {
    const current = [level('A', 1), level('B', 5), level('C', 3, { exception: 1 }), level('D', 0)];
    const { perStore, changed } = decide(current, [
      { storeId: 's1', baseline: true },
      { storeId: 's2', baseline: true },
    ]);
    expect(changed).toBe(3);
    for (const { storeId, facts } of perStore) {
      // Two SKUs a fact at most: B with C in its `more`, then D alone, closing the cycle.
      expect(facts.map((f) => f.body.sku)).toEqual(['B', 'D']);
      expect(skusOf(facts)).toEqual(['B', 'C', 'D']);
      expect(facts[0]!.body.more[0]).toEqual(level('C', 3, { exception: 1 }));
      expect(facts.map((f) => f.body.endOfCycle)).toEqual([false, true]);
      expect(facts.every((f) => !f.body.fullCycle && f.body.cycleId === 'c1')).toBe(true);
      expect(facts.some((f) => f.body.nothingChanged)).toBe(false);
      expect(facts.map((f) => f.idempotencyKey)).toEqual([
        `shipbob:${storeId}:inventory:c1:B`,
        `shipbob:${storeId}:inventory:c1:D`,
      ]);
    }
  });

  it('given a read of more SKUs than a fact carries, when decided with the default, then 250 SKUs a fact, in SKU order (ADR 0166)', () => {
    const many = Array.from({ length: 600 }, (_, i) => level(`S${String(i).padStart(4, '0')}`, i));
    const [{ facts }] = decideInventoryFacts({
      changed: many,
      current: many,
      stores: [{ storeId: 's1', baseline: false }],
      cycleId: 'c1',
      observedAt: at,
    }) as [StoreFacts];
    expect(facts.map((f) => 1 + f.body.more.length)).toEqual([250, 250, 100]);
    expect(skusOf(facts)).toEqual(many.map((l) => l.sku));
    expect(facts.map((f) => f.body.endOfCycle)).toEqual([false, false, true]);
  });

  it('given a store new to the account, when the account is read, then it gets every SKU as a full cycle', () => {
    const { perStore } = decide(previous, [{ storeId: 'new', baseline: false }]);
    expect(skusOf(perStore[0]!.facts)).toEqual(['A', 'B', 'C']);
    expect(perStore[0]!.facts.every((f) => f.body.fullCycle && !f.body.nothingChanged)).toBe(true);
  });

  it('given nothing changed, when the account is read, then each store gets one unchanged SKU closing its cycle, marked as changing nothing', () => {
    const { perStore, changed } = decide(previous, [{ storeId: 's1', baseline: true }]);
    expect(changed).toBe(0);
    expect(
      perStore[0]!.facts.map((f) => [f.body.sku, f.body.endOfCycle, f.body.nothingChanged]),
    ).toEqual([['A', true, true]]);
  });

  it('given a flag flipped, when the account is read, then the SKU is reported', () => {
    const current = [
      level('A', 1, { digital: true }),
      level('B', 2, { active: false }),
      level('C', 3),
    ];
    const { perStore } = decide(current, [{ storeId: 's1', baseline: true }]);
    expect(skusOf(perStore[0]!.facts)).toEqual(['A', 'B']);
  });

  it('given an empty account, when it is read, then nothing is emitted', () => {
    expect(
      decideInventoryFacts({
        changed: [],
        current: [],
        stores: [{ storeId: 's1', baseline: false }],
        cycleId: 'c',
        observedAt: at,
      })[0]!.facts,
    ).toEqual([]);
  });
});

describe('changedItems (what a snapshot save writes, ADR 0110)', () => {
  it('given a read like the last, when saved, then nothing is written', () => {
    expect(changedItems([level('A', 1), level('B', 2)], [level('A', 1), level('B', 2)])).toEqual(
      [],
    );
  });

  it('given changed, new and gone SKUs, when saved, then those and removals are written', () => {
    const previous = [level('A', 1), level('B', 2), level('C', 3), level('D', 4)];
    const next = [
      level('A', 1),
      level('B', 5),
      level('C', 3, { committed: 1 }),
      level('D', 4, { digital: true }),
      level('E', 0),
    ];
    expect(changedItems(previous, next)).toEqual([
      ['B', level('B', 5)],
      ['C', level('C', 3, { committed: 1 })],
      ['D', level('D', 4, { digital: true })],
      ['E', level('E', 0)],
    ]);
    expect(changedItems(previous, [level('A', 1)])).toEqual([
      ['B', null],
      ['C', null],
      ['D', null],
    ]);
  });

  it('given a first save, when saved, then every SKU is written', () => {
    expect(changedItems([], [level('A', 1), level('B', 2)])).toEqual([
      ['A', level('A', 1)],
      ['B', level('B', 2)],
    ]);
  });
});
