import type { EventOf } from '@msync/events';
import { sampleEvents } from '../../libs/events/src/test-support/samples.js';

const T0 = Date.UTC(2026, 10, 2, 14, 30, 0);
const STORES = 120;

/**
 * `count` realistic, distinct orderReadyToShip events over 120 stores (the same every run): the
 * events suite's sample order, with its ids, store, SKU and quantity varied per event.
 */
export function benchEvents(count: number): EventOf<'orderReadyToShip'>[] {
  const sample = sampleEvents().orderReadyToShip;
  const line = sample.lines[0]!;
  const events: EventOf<'orderReadyToShip'>[] = [];
  for (let i = 0; i < count; i++) {
    const storeId = `store-${i % STORES}`;
    const orderId = `MKP-${100000 + i}-A`;
    events.push({
      ...sample,
      envelope: {
        eventId: `0b9f7a1e-5a4c-4f7e-9d7e-${i.toString().padStart(12, '0')}`,
        idempotencyKey: `mirakl:${storeId}:order:${orderId}:SHIPPING:${T0 + i}`,
        storeId,
        occurredAt: T0 + i,
        observedAt: T0 + i + 1_500,
        correlationId: 'c0ffee00-0000-4000-8000-000000000001',
        causationId: null,
        source: 'bench',
      },
      orderId,
      commercialId: `MKP-${100000 + i}`,
      lines: [
        {
          ...line,
          orderLineId: `${orderId}-1`,
          offerSku: `ACME-${i % 500}`,
          quantity: 1 + (i % 3),
        },
      ],
    });
  }
  return events;
}
