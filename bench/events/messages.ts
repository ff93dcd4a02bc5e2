import type { EventOf } from '@msync/events';

const T0 = Date.UTC(2026, 10, 2, 14, 30, 0);
const STORES = 120;

/** `count` realistic, distinct orderReadyToShip events over 120 stores (the same every run). */
export function benchEvents(count: number): EventOf<'orderReadyToShip'>[] {
  const events: EventOf<'orderReadyToShip'>[] = [];
  for (let i = 0; i < count; i++) {
    const storeId = `store-${i % STORES}`;
    const orderId = `MKP-${100000 + i}-A`;
    events.push({
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
      shippingMethod: 'STD',
      currency: 'USD',
      lines: [
        {
          orderLineId: `${orderId}-1`,
          offerSku: `ACME-${i % 500}`,
          productTitle: 'Stoneware mug, 12 oz',
          quantity: 1 + (i % 3),
          unitPrice: '14.90',
        },
      ],
      shippingAddress: {
        firstName: 'Ana',
        lastName: 'Reyes',
        company: null,
        street1: '151 W 34th St',
        street2: 'Apt 5',
        city: 'New York',
        state: 'NY',
        zipCode: '10001',
        country: 'US',
        phone: '+1 212 555 0100',
      },
      customerEmail: null,
    });
  }
  return events;
}
