import type {
  Exchange as KitExchange,
  Fault as KitFault,
  FaultBook,
  FaultInput as KitFaultInput,
  RequestJournal,
  SlidingWindowLimiter,
} from '@msync/sim-kit';
import type { AutopilotSettings, AutopilotSwitch } from './autopilot.js';
import type { Operation } from './operations.js';
import type { WebhookDelivery, WebhookDispatcher, WebhookFaults } from './webhook-delivery.js';
import type { SimWorld } from './world.js';

/** A fault switched on for a ShipBob operation (or `*`). */
export type Fault = KitFault<Operation>;
export type FaultInput = KitFaultInput<Operation>;
/** One vendor-API request and its answer, as the journal keeps it. */
export type Exchange = KitExchange<Operation>;

export interface ShipBobControlParts {
  world: SimWorld;
  faults: FaultBook<Operation>;
  journal: RequestJournal<Operation>;
  limiter: SlidingWindowLimiter;
  webhookDelivery: WebhookDispatcher;
  autopilot: AutopilotSwitch;
  /** What a reset switches the autopilot back to (the start option). */
  initialAutopilot: Partial<AutopilotSettings> | null;
}

/**
 * Test and demo hooks, in process (`sim.control`) and behind the `/_sim` control routes: the
 * simulated account itself (`world`: seed merchants and products, move shipments and returns,
 * read state), faults, the request journal, webhook delivery and the autopilot.
 */
export class ShipBobControl {
  constructor(private readonly parts: ShipBobControlParts) {}

  /** The simulated account (state and rules); the same object for the simulator's whole life. */
  get world(): SimWorld {
    return this.parts.world;
  }

  addFault(input: FaultInput): Fault {
    return this.parts.faults.add(input);
  }

  clearFaults(): void {
    this.parts.faults.clear();
  }

  faults(): readonly Fault[] {
    return this.parts.faults.list();
  }

  /** Every vendor-API request answered so far, in order (the live list). */
  exchanges(): readonly Exchange[] {
    return this.parts.journal.entries();
  }

  clearExchanges(): void {
    this.parts.journal.clear();
  }

  /** Calls `listener` after each journaled exchange. */
  onExchange(listener: (exchange: Exchange) => void): void {
    this.parts.journal.onRecord(listener);
  }

  /** Sends webhooks to subscribers (on), or journals each event as `suppressed` (off). */
  setWebhookDelivery(enabled: boolean): void {
    this.parts.webhookDelivery.setEnabled(enabled);
  }

  webhookDeliveryEnabled(): boolean {
    return this.parts.webhookDelivery.enabled;
  }

  /** Delivery faults: duplicates, a reorder window, bad signatures (unset ones keep their value). */
  setWebhookFaults(faults: Partial<WebhookFaults>): void {
    this.parts.webhookDelivery.setFaults(faults);
  }

  webhookFaults(): WebhookFaults {
    return this.parts.webhookDelivery.faults;
  }

  /** The webhook journal: every delivery attempt and every suppressed event, oldest first. */
  webhookDeliveries(): readonly WebhookDelivery[] {
    return this.parts.webhookDelivery.journal;
  }

  /** Switches the autopilot on with these settings (unset ones keep their defaults), or off. */
  setAutopilot(settings: Partial<AutopilotSettings> | null): void {
    this.parts.autopilot.set(settings);
  }

  /** The autopilot's settings, or null when it is off. */
  autopilot(): AutopilotSettings | null {
    return this.parts.autopilot.settings;
  }

  /**
   * Forgets all state, faults, the journal and rate-limit windows; webhook delivery and the
   * autopilot go back to their start options.
   */
  reset(): void {
    this.parts.world.clear();
    this.parts.faults.clear();
    this.parts.journal.clear();
    this.parts.limiter.reset();
    this.parts.webhookDelivery.reset();
    this.parts.autopilot.set(this.parts.initialAutopilot);
  }

  /** Stops background work (autopilot timer, queued webhook retries). */
  stop(): void {
    this.parts.autopilot.set(null);
    this.parts.webhookDelivery.stop();
  }
}
