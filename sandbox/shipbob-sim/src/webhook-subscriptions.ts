import { randomBytes } from 'node:crypto';
import { vendorError } from './errors.js';
import type { WorldEvent } from './events.js';
import type { WebhookSubscription } from './model.js';

export interface NewWebhookSubscription {
  topics: string[];
  url: string;
  description?: string | null;
  secret?: string | null;
}

/** Dated-API webhook subscriptions per merchant (delivery itself: `webhook-delivery.ts`). */
export class WebhookSubscriptions {
  readonly all: WebhookSubscription[] = [];

  constructor(
    private readonly deps: {
      now: () => Date;
      nextId: () => number;
    },
  ) {}

  /** `POST /webhook`: ShipBob generates the signing secret when none is given. */
  create(merchantId: number, input: NewWebhookSubscription): WebhookSubscription {
    const subscription: WebhookSubscription = {
      id: String(this.deps.nextId()),
      merchantId,
      url: input.url,
      topics: [...input.topics],
      description: input.description ?? null,
      secret: input.secret ?? `whsec_${randomBytes(24).toString('base64')}`,
      enabled: true,
      createdAt: this.deps.now().toISOString(),
    };
    this.all.push(subscription);
    return subscription;
  }

  /** `DELETE /webhook/{id}`: another merchant's subscription is as unknown as a missing one. */
  delete(merchantId: number, id: string): void {
    const index = this.all.findIndex((w) => w.merchantId === merchantId && w.id === id);
    if (index < 0) throw vendorError(404);
    this.remove(index);
  }

  /** What ShipBob does to a subscription whose deliveries keep failing (also a control call). */
  disable(id: string): WebhookSubscription {
    const subscription = this.all.find((w) => w.id === id);
    if (!subscription) throw vendorError(404, { message: `No webhook subscription ${id}` });
    subscription.enabled = false;
    return subscription;
  }

  /** A subscription ShipBob lost (control call): gone without anyone deleting it. */
  lose(id: string): void {
    const index = this.all.findIndex((w) => w.id === id);
    if (index < 0) throw vendorError(404, { message: `No webhook subscription ${id}` });
    this.remove(index);
  }

  private remove(index: number): void {
    // Retries already queued for it stop (the dispatcher sends only to enabled subscriptions).
    const [removed] = this.all.splice(index, 1);
    if (removed) removed.enabled = false;
  }

  /** The enabled subscriptions of the event's merchant that asked for its topic. */
  subscribedTo(event: WorldEvent): WebhookSubscription[] {
    return this.all.filter(
      (w) => w.merchantId === event.merchantId && w.enabled && w.topics.includes(event.topic),
    );
  }

  clear(): void {
    this.all.length = 0;
  }
}
