import type { Shipment } from './model.js';

/**
 * The warehouse working by itself (ShipBob's sandbox never does: its orders move only through
 * `/simulate/*`). Each delay counts from the shipment's previous step; `null` stops there.
 */
export interface AutopilotSettings {
  /** Allocated (`Processing`) → label bought (`LabeledCreated` with tracking). */
  labelAfterMs: number;
  /** Labeled → shipped (`Completed` / `InTransit`); null = stays labeled. */
  shipAfterMs: number | null;
  /** Shipped → delivered (`Completed` / `Delivered`); null = never delivered. */
  deliverAfterMs: number | null;
  /** Carrier of the labels it buys: `UPS`, `USPS`, `FedEx` or any name. */
  carrier: string;
  /**
   * The warehouse receiving stock by itself: once an item's fulfillable units at a center it
   * stocks fall below `below`, a receiving brings them back to `upTo` (and releases orders waiting
   * in exception). Null: stock only changes through orders and the control API.
   */
  restock: { below: number; upTo: number } | null;
}

export const DEFAULT_AUTOPILOT: AutopilotSettings = {
  labelAfterMs: 10_000,
  shipAfterMs: 20_000,
  deliverAfterMs: null,
  carrier: 'UPS',
  restock: null,
};

export type AutopilotStep = 'label' | 'ship' | 'deliver';

/**
 * The step due for a shipment at `now`, if any. Shipments in exception, on hold or cancelled
 * wait for the merchant (or for stock); they are never moved.
 */
export function nextAutopilotStep(
  shipment: Shipment,
  settings: AutopilotSettings,
  now: number,
): AutopilotStep | null {
  const since = (iso: string | null): number => (iso ? now - Date.parse(iso) : -1);
  if (shipment.status === 'Processing' && shipment.locationId !== null && !shipment.tracking)
    return since(shipment.lastUpdateAt) >= settings.labelAfterMs ? 'label' : null;
  if (shipment.status === 'LabeledCreated' && settings.shipAfterMs !== null)
    return since(shipment.lastTrackingUpdateAt) >= settings.shipAfterMs ? 'ship' : null;
  if (
    shipment.status === 'Completed' &&
    shipment.deliveryDate === null &&
    settings.deliverAfterMs !== null
  )
    return since(shipment.actualFulfillmentDate) >= settings.deliverAfterMs ? 'deliver' : null;
  return null;
}

/**
 * The autopilot's on/off switch: while on, a timer looks for due steps every `tickMs` (the
 * due-ness itself is {@link nextAutopilotStep} on the simulator clock, so a manual clock drives it).
 */
export class AutopilotSwitch {
  private current: AutopilotSettings | null = null;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly advance: (settings: AutopilotSettings) => void,
    private readonly tickMs: number,
  ) {}

  /** The settings in force, or null when off. */
  get settings(): AutopilotSettings | null {
    return this.current;
  }

  /** On with these settings (unset ones keep their defaults), or off with null. */
  set(settings: Partial<AutopilotSettings> | null): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.current = settings ? { ...DEFAULT_AUTOPILOT, ...settings } : null;
    if (!this.current) return;
    this.timer = setInterval(() => {
      if (this.current) this.advance(this.current);
    }, this.tickMs);
    this.timer.unref();
  }
}

const CARRIERS: Record<string, { number: (id: number) => string; url: string }> = {
  UPS: {
    number: (id) => `1Z${String(id).padStart(16, '0')}`,
    url: 'https://www.ups.com/track?tracknum=',
  },
  USPS: {
    number: (id) => `9400${String(id).padStart(18, '0')}`,
    url: 'https://tools.usps.com/go/TrackConfirmAction?tLabels=',
  },
  FedEx: {
    number: (id) => String(id).padStart(12, '0'),
    url: 'https://www.fedex.com/fedextrack/?trknbr=',
  },
};

/** A plausible tracking number and public URL for a label of `carrier`. */
export function carrierTracking(
  carrier: string,
  shipmentId: number,
): { carrier: string; trackingNumber: string; urlFor: (trackingNumber: string) => string } {
  const known = CARRIERS[carrier];
  return {
    carrier,
    trackingNumber: known ? known.number(shipmentId) : `SIM${shipmentId}`,
    urlFor: (n) =>
      known ? `${known.url}${n}` : `https://tracking.example.com/${encodeURIComponent(n)}`,
  };
}
