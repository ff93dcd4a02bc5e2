import { describe, expect, it } from '@jest/globals';
import { allOff, store } from '../test-support/store-schedule.js';
import { polledStreamsAfter, resyncsFor } from './resync.js';
import type { StoreSchedule } from './store-schedule.js';

/** Given: a store that has synced orders and tracking, ShipBob configured, both streams polled. */
const syncing = (overrides: Partial<StoreSchedule> = {}) =>
  store({
    version: 5,
    toggles: { ...allOff, orders: true, tracking: true },
    shipbobConfigured: true,
    polledStreams: ['orders', 'shipments'],
    ...overrides,
  });
const next = (previous: StoreSchedule, overrides: Partial<StoreSchedule>) => ({
  ...previous,
  polledStreams: undefined,
  version: previous.version + 1,
  ...overrides,
});

describe('which resyncs a new configuration version asks for', () => {
  it('given a store connected again, resyncs Mirakl orders and ShipBob shipments', () => {
    const disconnected = syncing({ status: 'DISCONNECTED' });
    expect(resyncsFor(disconnected, next(disconnected, { status: 'CONNECTED' }))).toEqual([
      { stream: 'orders', system: 'MIRAKL' },
      { stream: 'shipments', system: 'SHIPBOB' },
    ]);
  });

  it('given Order Sync switched back on while cancellations kept the orders stream polled, resyncs orders only', () => {
    const off = syncing({ toggles: { ...allOff, tracking: true, cancellations: true } });
    const on = next(off, { toggles: { ...off.toggles, orders: true } });
    expect(resyncsFor(off, on)).toEqual([{ stream: 'orders', system: 'MIRAKL' }]);
  });

  it('given Tracking switched back on, resyncs shipments only', () => {
    const off = syncing({ toggles: { ...allOff, orders: true } });
    const on = next(off, { toggles: { ...off.toggles, tracking: true } });
    expect(resyncsFor(off, on)).toEqual([{ stream: 'shipments', system: 'SHIPBOB' }]);
  });

  it('given Sync Inventory switched back on after its stream was polled, resyncs inventory (every SKU pushed again)', () => {
    const off = syncing({ polledStreams: ['orders', 'shipments', 'inventory'] });
    const on = next(off, { toggles: { ...off.toggles, inventory: true } });
    expect(resyncsFor(off, on)).toEqual([{ stream: 'inventory', system: 'SHIPBOB' }]);
  });

  it('given orders polled without a ShipBob token (the applier skipped them), resyncs orders once the token is set', () => {
    const noToken = syncing({
      toggles: { ...allOff, orders: true },
      shipbobConfigured: false,
      polledStreams: ['orders'],
    });
    expect(resyncsFor(noToken, next(noToken, { shipbobConfigured: true }))).toEqual([
      { stream: 'orders', system: 'MIRAKL' },
    ]);
  });

  it('given a new store configured for the first time, resyncs nothing: none of its streams was ever polled', () => {
    const created = store({ version: 1, polledStreams: [] });
    const configured = next(created, {
      toggles: { ...allOff, orders: true, tracking: true },
      shipbobConfigured: true,
    });
    expect(resyncsFor(created, configured)).toEqual([]);
    expect(resyncsFor(null, configured)).toEqual([]);
  });

  it('given a record kept before polled streams were recorded, assumes they were polled', () => {
    const legacy = syncing({ status: 'DISCONNECTED', polledStreams: undefined });
    expect(resyncsFor(legacy, next(legacy, { status: 'CONNECTED' })).map((r) => r.stream)).toEqual([
      'orders',
      'shipments',
    ]);
  });

  it('given a change that keeps both flows acting, or turns them off, or disconnects, resyncs nothing', () => {
    const on = syncing();
    expect(resyncsFor(on, next(on, { pollIntervalMinutes: 5 }))).toEqual([]);
    expect(resyncsFor(on, next(on, { toggles: allOff }))).toEqual([]);
    expect(resyncsFor(on, next(on, { status: 'DISCONNECTED' }))).toEqual([]);
  });

  it('given a store connected again with Order Sync still off, resyncs only what acts now', () => {
    const disconnected = syncing({
      status: 'DISCONNECTED',
      toggles: { ...allOff, tracking: true },
    });
    expect(resyncsFor(disconnected, next(disconnected, { status: 'CONNECTED' }))).toEqual([
      { stream: 'shipments', system: 'SHIPBOB' },
    ]);
  });

  it('given the same version again or an older one, resyncs nothing', () => {
    const disconnected = syncing({ status: 'DISCONNECTED' });
    const reconnected = next(disconnected, { status: 'CONNECTED' });
    expect(resyncsFor(reconnected, reconnected)).toEqual([]);
    expect(resyncsFor(reconnected, { ...disconnected, version: 4 })).toEqual([]);
  });

  it('given a store deleted, resyncs nothing', () => {
    const disconnected = syncing({ status: 'DISCONNECTED' });
    expect(resyncsFor(disconnected, next(disconnected, { status: 'DELETED' }))).toEqual([]);
  });
});

describe('which streams the record of a version says were polled', () => {
  it('adds the streams the new version polls to those polled before', () => {
    const before = store({ polledStreams: ['shipments'] });
    const now = next(before, { toggles: { ...allOff, orders: true } });
    expect(polledStreamsAfter(before, now)).toEqual(['orders', 'shipments']);
  });

  it('keeps what was polled after everything is switched off or disconnected', () => {
    const before = syncing();
    expect(polledStreamsAfter(before, next(before, { status: 'DISCONNECTED' }))).toEqual([
      'orders',
      'shipments',
    ]);
  });

  it('counts what an earlier record without the list polled, and starts empty for a new store', () => {
    const legacy = syncing({ polledStreams: undefined, toggles: { ...allOff, orders: true } });
    expect(polledStreamsAfter(legacy, next(legacy, { toggles: allOff }))).toEqual(['orders']);
    expect(polledStreamsAfter(null, store())).toEqual([]);
  });
});
