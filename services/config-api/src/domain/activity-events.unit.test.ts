import { describe, expect, it } from '@jest/globals';
import type { EventOf } from '@msync/events';
import { orderJourney } from '../test-support/order-events.js';
import { activityEntryOf, timelineUpdateOf, timelineUpdateOfEntry } from './activity-events.js';

const T = Date.UTC(2026, 10, 30, 9, 0);
const envelope = (eventId: string) => ({
  eventId,
  idempotencyKey: `k:${eventId}`,
  storeId: 'store-1',
  occurredAt: T,
  observedAt: T + 1000,
  correlationId: 'corr-1',
  causationId: null,
  source: 'test',
});
const outcome = (over: Partial<EventOf<'syncOutcome'>> = {}): EventOf<'syncOutcome'> => ({
  envelope: envelope('e-1'),
  flow: 'orders',
  effectKey: 'create:MKP-1',
  target: 'SHIPBOB',
  outcome: 'APPLIED',
  subjectId: 'MKP-1',
  detail: 'created ShipBob order 555',
  dryRun: false,
  miraklOrderId: null,
  reason: null,
  externalIds: {},
  latencyMs: null,
  ...over,
});

const readyToShip = (commercialId: string | null): EventOf<'orderReadyToShip'> => ({
  ...orderJourney('store-1', 'MKP-1').readyToShip(new Date(T)),
  commercialId,
});

describe('activity entries from outcomes', () => {
  it('given a dry-run outcome, when projected, then it is not part of the activity', () => {
    expect(activityEntryOf(outcome({ dryRun: true }))).toBeNull();
    expect(
      timelineUpdateOf({ topicKey: 'syncOutcome', value: outcome({ dryRun: true }) }),
    ).toBeNull();
  });

  it('given a refused daily report, then it is an activity entry of the report flow and no order timeline', () => {
    const refused = outcome({
      flow: 'report',
      effectKey: 'report:2026-11-30',
      outcome: 'FAILED',
      subjectId: '2026-11-30',
      reason: 'refused',
      detail: 'the mail server refused the report to ops@acme.example: 550 5.1.1',
    });
    expect(activityEntryOf(refused)).toMatchObject({
      flow: 'report',
      outcome: 'FAILED',
      reason: 'refused',
      orderId: null,
      steps: [],
    });
    expect(timelineUpdateOf({ topicKey: 'syncOutcome', value: refused })).toBeNull();
  });

  it('given fields of a later schema revision, then they are read; odd values are dropped', () => {
    const later = {
      ...outcome({ outcome: 'DUPLICATE' }),
      action: 'create-order',
      miraklOrderId: 'MKP-1',
      reason: 'already-applied',
      externalIds: { shipbobOrderId: '555', junk: 7 },
      latencyMs: 1234n,
    } as unknown as EventOf<'syncOutcome'>;
    const entry = activityEntryOf(later);
    expect(entry?.externalIds).toEqual({ shipbobOrderId: '555' });
    expect(entry).toMatchObject({
      id: 'e-1',
      at: new Date(T),
      action: 'create-order',
      orderId: 'MKP-1',
      steps: ['createdInShipBob'],
      reason: 'already-applied',
      externalIds: { shipbobOrderId: '555' },
      latencyMs: 1234,
    });
    expect(timelineUpdateOf({ topicKey: 'syncOutcome', value: later })).toEqual({
      storeId: 'store-1',
      orderId: 'MKP-1',
      at: new Date(T),
      reached: ['createdInShipBob'],
      details: { shipbobOrderId: '555' },
    });
  });

  it.each([
    ['null', null],
    ['a list', ['555']],
    ['text', '555'],
    ['a number', 555],
  ])('given external ids that are %s, then the entry has none', (_, externalIds) => {
    const odd = { ...outcome(), externalIds } as unknown as EventOf<'syncOutcome'>;
    expect(activityEntryOf(odd)?.externalIds).toEqual({});
  });

  it.each([
    ['a number', 12.5, 12.5],
    ['a long', 12n, 12],
    ['text', 'fast', null],
    ['infinite', Number.POSITIVE_INFINITY, null],
    ['not a number', Number.NaN, null],
    ['null', null, null],
  ])('given a latency that is %s, then the entry keeps %p', (_, latencyMs, expected) => {
    const odd = { ...outcome(), latencyMs } as unknown as EventOf<'syncOutcome'>;
    expect(activityEntryOf(odd)?.latencyMs).toBe(expected);
  });

  it('given a blank action, order id or reason, then they count as absent', () => {
    const blank = {
      ...outcome({ effectKey: 'create:MKP-1' }),
      action: '  ',
      miraklOrderId: '',
      reason: ' ',
    } as unknown as EventOf<'syncOutcome'>;
    expect(activityEntryOf(blank)).toMatchObject({
      action: null,
      orderId: 'MKP-1',
      steps: ['createdInShipBob'],
      reason: null,
    });
  });

  it('given a SKIPPED outcome, then it is in the activity but moves no timeline', () => {
    const skipped = outcome({ outcome: 'SKIPPED', reason: 'flow-disabled' });
    expect(activityEntryOf(skipped)).toMatchObject({ outcome: 'SKIPPED', orderId: 'MKP-1' });
    expect(timelineUpdateOfEntry(activityEntryOf(skipped)!)).toBeNull();
    expect(timelineUpdateOf({ topicKey: 'syncOutcome', value: skipped })).toBeNull();
  });

  it('given a failure, then the timeline keeps it with its reason and step', () => {
    const failed = {
      ...outcome({ outcome: 'FAILED', detail: 'SKU unknown' }),
      reason: 'unknown-sku',
    };
    expect(timelineUpdateOf({ topicKey: 'syncOutcome', value: failed })).toEqual({
      storeId: 'store-1',
      orderId: 'MKP-1',
      at: new Date(T),
      reached: [],
      details: {},
      failure: {
        at: new Date(T),
        eventId: 'e-1',
        flow: 'orders',
        action: null,
        steps: ['createdInShipBob'],
        outcome: 'FAILED',
        reason: 'unknown-sku',
        detail: 'SKU unknown',
      },
    });
  });
});

describe('timeline updates from order facts', () => {
  it('awaiting acceptance: seen, waiting since the order was created, with its deadline', () => {
    const update = timelineUpdateOf({
      topicKey: 'orderAwaitingAcceptance',
      value: {
        envelope: envelope('f-1'),
        orderId: 'MKP-1',
        commercialId: 'C-1',
        createdAt: T - 60_000,
        acceptanceDeadline: T + 86_400_000,
        lines: [],
      },
    });
    expect(update).toEqual({
      storeId: 'store-1',
      orderId: 'MKP-1',
      at: new Date(T),
      reached: ['seen'],
      details: {
        commercialId: 'C-1',
        orderCreatedAt: new Date(T - 60_000),
        acceptanceDeadline: new Date(T + 86_400_000),
      },
      waitingSince: new Date(T - 60_000),
    });
  });

  it('awaiting acceptance without a deadline: none is shown', () => {
    const update = timelineUpdateOf({
      topicKey: 'orderAwaitingAcceptance',
      value: {
        envelope: envelope('f-1'),
        orderId: 'MKP-1',
        commercialId: null,
        createdAt: T - 60_000,
        acceptanceDeadline: null,
        lines: [],
      },
    });
    expect(update?.details).toEqual({
      commercialId: null,
      orderCreatedAt: new Date(T - 60_000),
      acceptanceDeadline: null,
    });
  });

  it('ready to ship: the step, with the commercial id when the fact has one', () => {
    const ready = readyToShip('C-1');
    expect(timelineUpdateOf({ topicKey: 'orderReadyToShip', value: ready })).toEqual({
      storeId: 'store-1',
      orderId: 'MKP-1',
      at: new Date(T),
      reached: ['readyToShip'],
      details: { commercialId: 'C-1' },
    });
    expect(
      timelineUpdateOf({ topicKey: 'orderReadyToShip', value: readyToShip(null) })?.details,
    ).toEqual({});
  });

  it('labeled: the ShipBob order, carrier and tracking number; no order id, no timeline', () => {
    const labeled = {
      envelope: envelope('f-2'),
      shipbobOrderId: '555',
      shipmentId: '777',
      referenceId: 'MKP-1',
      status: 'LabeledCreated',
      carrier: 'USPS',
      trackingNumber: '9400',
      trackingUrl: null,
    };
    expect(timelineUpdateOf({ topicKey: 'shipmentLabeled', value: labeled })).toMatchObject({
      orderId: 'MKP-1',
      reached: ['labeled'],
      details: {
        shipbobOrderId: '555',
        shipment: { shipmentId: '777', carrier: 'USPS', trackingNumber: '9400', trackingUrl: null },
      },
    });
    expect(
      timelineUpdateOf({ topicKey: 'shipmentLabeled', value: { ...labeled, referenceId: ' ' } }),
    ).toBeNull();
  });

  it('canceled on the marketplace: the state and reason', () => {
    expect(
      timelineUpdateOf({
        topicKey: 'orderCanceledOnMarketplace',
        value: { envelope: envelope('f-3'), orderId: 'MKP-1', state: 'REFUSED', reason: null },
      }),
    ).toMatchObject({
      reached: ['canceled'],
      details: { cancellation: { state: 'REFUSED', reason: null } },
    });
  });
});
