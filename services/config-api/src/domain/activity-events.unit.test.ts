import { describe, expect, it } from '@jest/globals';
import type { EventOf } from '@msync/events';
import { activityEntryOf, timelineUpdateOf } from './activity-events.js';

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

  it('given a failure, then the timeline keeps it with its reason and step', () => {
    const failed = {
      ...outcome({ outcome: 'FAILED', detail: 'SKU unknown' }),
      reason: 'unknown-sku',
    };
    expect(timelineUpdateOf({ topicKey: 'syncOutcome', value: failed })?.failure).toEqual({
      at: new Date(T),
      eventId: 'e-1',
      flow: 'orders',
      action: null,
      steps: ['createdInShipBob'],
      outcome: 'FAILED',
      reason: 'unknown-sku',
      detail: 'SKU unknown',
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
