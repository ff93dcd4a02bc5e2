import { describe, expect, it } from '@jest/globals';
import { desiredPollJobs, pollIntervalMinutes, wantsDailyReport } from './desired-jobs.js';
import { allOff, store } from '../test-support/store-schedule.js';
import type { StoreSchedule } from './store-schedule.js';

const streams = (s: StoreSchedule) => desiredPollJobs(s).map((job) => job.stream);

describe('which recurring polls a store needs', () => {
  it('needs none while every flow is off', () => {
    expect(desiredPollJobs(store())).toEqual([]);
  });

  it('polls Mirakl orders once for any order fact: orders, cancellations or returns', () => {
    for (const flow of ['orders', 'cancellations', 'returns'] as const)
      expect(streams(store({ toggles: { ...allOff, [flow]: true } }))).toEqual(['orders']);
    expect(
      desiredPollJobs(store({ toggles: { ...allOff, orders: true, cancellations: true } })),
    ).toEqual([{ stream: 'orders', system: 'MIRAKL', intervalMinutes: 15 }]);
  });

  it('polls ShipBob shipments for tracking or cancellations only once ShipBob is configured', () => {
    const tracking = { ...allOff, tracking: true };
    expect(streams(store({ toggles: tracking }))).toEqual([]);
    expect(streams(store({ toggles: tracking, shipbobConfigured: true }))).toEqual(['shipments']);
    expect(
      streams(store({ toggles: { ...allOff, cancellations: true }, shipbobConfigured: true })),
    ).toEqual(['orders', 'shipments']);
  });

  it('polls offers, inventory and approved returns from their own toggles', () => {
    expect(streams(store({ toggles: { ...allOff, offers: true } }))).toEqual(['offers']);
    expect(streams(store({ toggles: { ...allOff, inventory: true } }))).toEqual([]);
    expect(
      streams(store({ toggles: { ...allOff, inventory: true }, shipbobConfigured: true })),
    ).toEqual(['inventory', 'reconcile']);
    const returns = { ...allOff, returns: true };
    expect(streams(store({ toggles: returns, shipbobConfigured: true }))).toEqual(['orders']);
    expect(
      desiredPollJobs(store({ toggles: returns, shipbobConfigured: true, returnsApproved: true })),
    ).toEqual([
      { stream: 'orders', system: 'MIRAKL', intervalMinutes: 15 },
      { stream: 'returns', system: 'SHIPBOB', intervalMinutes: 15 },
    ]);
  });

  it('reconciles stock once a day for Sync Inventory, unless Sync Offers’ daily full export does it', () => {
    const inventory = { ...allOff, inventory: true };
    expect(
      desiredPollJobs(
        store({ toggles: inventory, shipbobConfigured: true, pollIntervalMinutes: 5 }),
      ),
    ).toEqual([
      { stream: 'inventory', system: 'SHIPBOB', intervalMinutes: 5 },
      { stream: 'reconcile', system: 'MIRAKL', intervalMinutes: 24 * 60 },
    ]);
    expect(
      streams(store({ toggles: { ...inventory, offers: true }, shipbobConfigured: true })),
    ).toEqual(['offers', 'inventory']);
  });

  it('polls every stream at the store interval when everything is on', () => {
    const everything = store({
      toggles: { ...allOff, offers: true, inventory: true, orders: true, tracking: true },
      shipbobConfigured: true,
      pollIntervalMinutes: 5,
    });
    expect(desiredPollJobs(everything)).toEqual([
      { stream: 'orders', system: 'MIRAKL', intervalMinutes: 5 },
      { stream: 'shipments', system: 'SHIPBOB', intervalMinutes: 5 },
      { stream: 'offers', system: 'MIRAKL', intervalMinutes: 5 },
      { stream: 'inventory', system: 'SHIPBOB', intervalMinutes: 5 },
    ]);
  });

  it.each(['DISCONNECTED', 'DELETED', 'SOMETHING-NEW'])(
    'needs none when the store is %s',
    (status) => {
      const on = store({
        status,
        toggles: { ...allOff, orders: true, tracking: true },
        shipbobConfigured: true,
        reportEmail: 'ops@example.com',
      });
      expect(desiredPollJobs(on)).toEqual([]);
      expect(wantsDailyReport(on)).toBe(false);
    },
  );

  it.each([
    [1, 1],
    [60, 60],
    [0, 15],
    [-5, 15],
    [2.5, 15],
    [Number.NaN, 15],
  ])('a configured interval of %s minutes polls every %s', (configured, expected) => {
    expect(pollIntervalMinutes(configured)).toBe(expected);
  });

  it('asks for the daily report only for a connected store with an address', () => {
    expect(wantsDailyReport(store())).toBe(false);
    expect(wantsDailyReport(store({ reportEmail: '  ' }))).toBe(false);
    expect(wantsDailyReport(store({ reportEmail: 'ops@example.com' }))).toBe(true);
  });
});
