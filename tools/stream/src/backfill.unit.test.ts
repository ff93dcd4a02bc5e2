import { describe, expect, it } from '@jest/globals';
import { POLLED_STREAMS } from '../../../services/scheduler/src/domain/streams.js';
import {
  NOT_BACKFILLED,
  STREAM_SYSTEMS,
  backfillStream,
  describeCount,
  hasHistory,
  sinceIgnoredNote,
} from './backfill.js';

const SINCE = new Date('2026-11-20T00:00:00Z');

describe('backfill streams and what the dry run prints', () => {
  it('names every stream the scheduler polls, with the system that reads it, or why it has no backfill', () => {
    expect(STREAM_SYSTEMS).toEqual(
      Object.fromEntries(
        POLLED_STREAMS.filter((spec) => !NOT_BACKFILLED[spec.stream]).map((spec) => [
          spec.stream,
          spec.system,
        ]),
      ),
    );
    expect(() => backfillStream('reconcile')).toThrow('POST /v1/stores/{id}/reconcile');
  });

  it('only inventory is without history', () => {
    expect(Object.keys(STREAM_SYSTEMS).filter((s) => !hasHistory(s as never))).toEqual([
      'inventory',
    ]);
    expect(sinceIgnoredNote('inventory')).toBe(
      "--since does not apply to inventory: ShipBob's levels are the current stock, with no " +
        'history to re-read. Every level is read again and pushed to Mirakl in full instead.',
    );
  });

  it('given the count of each read, when printed, then it names the call, the items and the time', () => {
    expect(
      describeCount('returns', { items: 4, call: 'ShipBob GET /return', unit: 'returns' }, SINCE),
    ).toBe(
      'ShipBob GET /return returns 4 returns changed since 2026-11-20T00:00:00.000Z; nothing requested',
    );
    expect(
      describeCount('offers', { items: 12, call: 'Mirakl OF21', unit: 'offers' }, SINCE),
    ).toMatch(/^Mirakl OF21 lists 12 offers \(the store has no OF52 exports/);
    expect(
      describeCount(
        'inventory',
        { items: 250, call: 'ShipBob GET /inventory-level', unit: 'SKUs' },
        null,
      ),
    ).toBe(
      'ShipBob GET /inventory-level returns 250 SKUs (current stock): a backfill reads every one again and the applier pushes them all; nothing requested',
    );
  });
});
