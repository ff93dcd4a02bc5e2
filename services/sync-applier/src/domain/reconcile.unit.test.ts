import { describe, expect, it } from '@jest/globals';
import { inventoryOnConfig, stock, storeConfig } from '../test-support/facts.js';
import {
  LISTED_SKUS,
  chunkProblem,
  decideReconciliation,
  reconcileBase,
  type ReconciliationState,
  type StockReconciliation,
} from './reconcile.js';

const on = inventoryOnConfig();
const EXPORTED = 10_000;
const SENT = EXPORTED - 1000;
const levels = [
  stock('A', 10, { exception: 3 }), // computes 5
  stock('B', 1), // computes 0
  stock('DIGITAL', 50, { digital: true }),
  stock('INACTIVE', 50, { active: false }),
  stock('NOT-AN-OFFER', 50),
];
const offers = new Set(['A', 'B', 'DIGITAL', 'INACTIVE', 'ONLY-ON-MIRAKL']);
const sent = (quantities: Record<string, number>, at = SENT) => ({
  buffer: 2,
  quantities: new Map(Object.entries(quantities)),
  at: new Map(Object.keys(quantities).map((sku) => [sku, at])),
});
const state = (overrides: Partial<ReconciliationState> = {}): ReconciliationState => ({
  levels,
  offers,
  pushed: sent({ A: 5, B: 0 }),
  drifting: new Map(),
  saved: null,
  ...overrides,
});
const mirakl = (quantities: Record<string, number>): StockReconciliation => ({
  storeId: 'store-1',
  reconciliationId: String(EXPORTED),
  exportedAt: EXPORTED,
  marketplace: new Map(Object.entries(quantities)),
});
const decide = (m: StockReconciliation, s: ReconciliationState) => {
  const decision = decideReconciliation(m, on, s);
  if (decision.type !== 'reconcile') throw new Error(`expected reconcile, got ${decision.type}`);
  return decision;
};

describe('stock reconciliation: Mirakl quantities against what the product computes', () => {
  it('given Mirakl shows every computed quantity, then one APPLIED entry saying there is no drift', () => {
    const decision = decide(
      mirakl({ A: 5, B: 0, DIGITAL: 9, INACTIVE: 9, 'ONLY-ON-MIRAKL': 9, 'NOT-AN-OFFER': 9 }),
      state(),
    );
    expect(decision.result).toEqual({ compared: 2, pending: 0, drifted: [], healed: [] });
    expect(decision.resumed).toBe(false);
    expect(decision.outcomes).toEqual([
      expect.objectContaining({
        outcome: 'APPLIED',
        action: 'reconcile-stock',
        effectKey: `reconcile:${EXPORTED}`,
        subjectId: String(EXPORTED),
        reason: null,
        externalIds: { compared: '2', pending: '0', drifted: '0', persistent: '0' },
      }),
    ]);
    expect(decision.outcomes[0]!.detail).toMatch(/no drift/);
  });

  it('given Mirakl shows another quantity for a SKU sent before the export, then it drifts, listed in the entry', () => {
    const decision = decide(mirakl({ A: 9, B: 0 }), state());
    expect(decision.result.drifted).toEqual([
      { sku: 'A', marketplace: 9, computed: 5, persistent: false },
    ]);
    expect(decision.outcomes).toHaveLength(1);
    expect(decision.outcomes[0]).toMatchObject({
      outcome: 'APPLIED',
      reason: 'drift',
      externalIds: { compared: '2', drifted: '1', persistent: '0' },
    });
    expect(decision.outcomes[0]!.detail).toContain('A (Mirakl 9, computed 5)');
  });

  it('given a quantity the product has not sent yet (changed, sent after the export, never sent, other buffer), then it is pending, not drift', () => {
    const changed = decide(mirakl({ A: 9, B: 7 }), state({ pushed: sent({ A: 4, B: 0 }) }));
    expect(changed.result).toMatchObject({ compared: 1, pending: 1 });
    expect(changed.result.drifted.map((d) => d.sku)).toEqual(['B']);

    const late = decide(
      mirakl({ A: 9, B: 7 }),
      state({ pushed: sent({ A: 5, B: 0 }, EXPORTED + 1) }),
    );
    expect(late.result).toMatchObject({ compared: 0, pending: 2, drifted: [] });

    const never = decide(mirakl({ A: 9 }), state({ pushed: sent({}) }));
    expect(never.result).toMatchObject({ compared: 0, pending: 1, drifted: [] });

    const buffer = decide(mirakl({ A: 9 }), state({ pushed: { ...sent({ A: 5 }), buffer: 1 } }));
    expect(buffer.result).toMatchObject({ compared: 0, drifted: [] });
  });

  it('given a SKU that drifted and whose fix was sent, when it drifts again, then a FAILED persistent-drift of its own', () => {
    const drifting = new Map([
      ['A', { sku: 'A', exportedAt: SENT - 5000, marketplace: 9, computed: 5 }],
    ]);
    const decision = decide(mirakl({ A: 9, B: 0 }), state({ drifting }));
    expect(decision.result.drifted).toEqual([
      { sku: 'A', marketplace: 9, computed: 5, persistent: true },
    ]);
    expect(decision.outcomes[1]).toEqual({
      ...reconcileBase(String(EXPORTED)),
      effectKey: `reconcile:${EXPORTED}:A`,
      subjectId: 'A',
      outcome: 'FAILED',
      reason: 'persistent-drift',
      detail: expect.stringContaining('Mirakl shows 9 for A'),
      externalIds: { marketplace: '9', computed: '5' },
    });
    expect(decision.outcomes[0]!.externalIds['persistent']).toBe('1');
  });

  it('given a SKU that drifted but no fix was sent since, when it drifts again, then it is not flagged', () => {
    const drifting = new Map([
      ['A', { sku: 'A', exportedAt: SENT + 10, marketplace: 9, computed: 5 }],
    ]);
    const decision = decide(mirakl({ A: 9, B: 0 }), state({ drifting }));
    expect(decision.result.drifted).toEqual([
      { sku: 'A', marketplace: 9, computed: 5, persistent: false },
    ]);
    expect(decision.outcomes).toHaveLength(1);
  });

  it('given a SKU that drifted and now matches, then it is healed', () => {
    const drifting = new Map([['A', { sku: 'A', exportedAt: 1, marketplace: 9, computed: 5 }]]);
    expect(decide(mirakl({ A: 5, B: 0 }), state({ drifting })).result.healed).toEqual(['A']);
  });

  it(`given more than ${LISTED_SKUS} drifted SKUs, then the entry names ${LISTED_SKUS} and counts the rest`, () => {
    const many = Array.from(
      { length: LISTED_SKUS + 5 },
      (_, i) => `S${String(i).padStart(3, '0')}`,
    );
    const decision = decide(
      mirakl(Object.fromEntries(many.map((sku) => [sku, 3]))),
      state({
        levels: many.map((sku) => stock(sku, 2)),
        offers: new Set(many),
        pushed: sent(Object.fromEntries(many.map((sku) => [sku, 0]))),
      }),
    );
    expect(decision.outcomes[0]!.externalIds['drifted']).toBe(String(LISTED_SKUS + 5));
    expect(decision.outcomes[0]!.detail).toMatch(/and 5 more$/);
  });
});

describe('stock reconciliation: once per reconciliation', () => {
  it('given its result was saved (a redelivery after the drifted SKUs were forgotten), then the saved result is reused, not recomputed', () => {
    const first = decide(mirakl({ A: 9, B: 0 }), state());
    const again = decide(
      mirakl({ A: 9, B: 0 }),
      state({ pushed: sent({ B: 0 }), saved: { result: first.result, outcomesRecorded: false } }),
    );
    expect(again).toEqual({ ...first, resumed: true });
  });

  it('given its outcomes were recorded, then nothing more', () => {
    const first = decide(mirakl({ A: 9, B: 0 }), state());
    expect(
      decideReconciliation(
        mirakl({ A: 9, B: 0 }),
        on,
        state({ saved: { result: first.result, outcomesRecorded: true } }),
      ),
    ).toEqual({ type: 'duplicate' });
  });
});

describe('stock reconciliation: the store gate', () => {
  it('given no configuration seen yet, then retry', () => {
    expect(decideReconciliation(mirakl({}), undefined, state()).type).toBe('retry');
  });

  it('given Sync Inventory off, then SKIPPED and nothing compared', () => {
    const off = storeConfig({ toggles: { ...storeConfig().toggles, inventory: false } });
    const decision = decideReconciliation(mirakl({ A: 9 }), off, state());
    expect(decision).toEqual({
      type: 'skip',
      outcome: expect.objectContaining({ outcome: 'SKIPPED', action: 'reconcile-stock' }),
    });
  });
});

describe('stock reconciliation: a chunk that cannot complete a reconciliation', () => {
  it('given a count below one or an index outside the count, then a problem to dead-letter', () => {
    expect(chunkProblem({ chunk: 0, chunkCount: 1 })).toBeNull();
    expect(chunkProblem({ chunk: 2, chunkCount: 3 })).toBeNull();
    expect(chunkProblem({ chunk: 0, chunkCount: 0 })).toMatch(/chunkCount 0/);
    expect(chunkProblem({ chunk: 3, chunkCount: 3 })).toMatch(/outside 0…2/);
    expect(chunkProblem({ chunk: -1, chunkCount: 3 })).toMatch(/outside/);
  });
});
