import { envelope, type EventOf } from '@msync/events';

/** Builds the events of one Mirakl order's journey, as the pollers and the applier publish them. */
export function orderJourney(storeId: string, orderId: string) {
  const env = (key: string, at: Date, source: string) =>
    envelope({ storeId, idempotencyKey: `${key}:${orderId}`, source, occurredAt: at });
  return {
    awaiting: (at: Date, createdAt = at): EventOf<'orderAwaitingAcceptance'> => ({
      envelope: env('awaiting', at, 'mirakl-poller'),
      orderId,
      commercialId: `C-${orderId}`,
      createdAt: createdAt.getTime(),
      acceptanceDeadline: createdAt.getTime() + 24 * 3_600_000,
      lines: [
        {
          orderLineId: `${orderId}-1`,
          offerSku: 'MUG-1',
          quantity: 2,
          state: 'WAITING_ACCEPTANCE',
        },
      ],
    }),
    readyToShip: (at: Date): EventOf<'orderReadyToShip'> => ({
      envelope: env('ready', at, 'mirakl-poller'),
      orderId,
      commercialId: `C-${orderId}`,
      shippingMethod: 'STD',
      currency: 'USD',
      lines: [
        {
          orderLineId: `${orderId}-1`,
          offerSku: 'MUG-1',
          productTitle: 'Mug',
          quantity: 2,
          unitPrice: '9.90',
        },
      ],
      shippingAddress: {
        firstName: 'Ana',
        lastName: 'Reyes',
        company: null,
        street1: '151 W 34th St',
        street2: null,
        city: 'New York',
        state: 'NY',
        zipCode: '10001',
        country: 'US',
        phone: null,
      },
      customerEmail: null,
    }),
    labeled: (at: Date, shipbobOrderId: string): EventOf<'shipmentLabeled'> => ({
      envelope: env('labeled', at, 'shipbob-poller'),
      shipbobOrderId,
      shipmentId: `S-${shipbobOrderId}`,
      referenceId: orderId,
      status: 'LabeledCreated',
      carrier: 'USPS',
      trackingNumber: '9400111899223197428490',
      trackingUrl: null,
    }),
    canceled: (at: Date): EventOf<'orderCanceledOnMarketplace'> => ({
      envelope: env('canceled', at, 'mirakl-poller'),
      orderId,
      state: 'REFUSED',
      reason: 'Not accepted in time',
    }),
    /** An outcome of the applier: `effect` is `accept`, `create`, `ship`, … */
    outcome: (
      at: Date,
      flow: string,
      effect: string,
      outcome: string,
      detail: string | null = null,
      options: { dryRun?: boolean; target?: 'MIRAKL' | 'SHIPBOB' } = {},
    ): EventOf<'syncOutcome'> => ({
      envelope: env(`applier:${flow}:${effect}`, at, 'sync-applier'),
      flow,
      effectKey: `${effect}:${orderId}`,
      target: options.target ?? (effect === 'create' ? 'SHIPBOB' : 'MIRAKL'),
      outcome,
      subjectId: orderId,
      detail,
      dryRun: options.dryRun ?? false,
      // As the applier records it: only outcomes about an order name it.
      miraklOrderId: ['orders', 'tracking', 'cancellations', 'returns'].includes(flow)
        ? orderId
        : null,
      reason: null,
      externalIds: {},
      latencyMs: null,
    }),
  };
}
