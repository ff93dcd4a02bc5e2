import { createHmac, randomUUID } from 'node:crypto';
import { errorMessage } from '@msync/platform';
import type { WebhookSubscription } from './model.js';

/**
 * Webhook delivery for dated subscriptions, as ShipBob documents it (reference §12.2): a JSON
 * POST with `webhook-id` (stable across retries), `webhook-timestamp`, `webhook-signature`
 * (Standard Webhooks) and `x-webhook-topic`; non-2xx answers are retried on a schedule.
 */
export interface WebhookDeliveryOptions {
  /** Send deliveries at all; off = each event is journaled as `suppressed`. Default false. */
  deliver?: boolean;
  /** Waits before the 2nd, 3rd... attempt. Default: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
  retryDelaysMs?: number[];
  /** Per attempt; ShipBob expects an answer within about 15 s. Default 15 000. */
  timeoutMs?: number;
}

/**
 * Delivery faults (all off by default): what at-least-once, unordered delivery allows ShipBob to
 * do, on demand.
 */
export interface WebhookFaults {
  /** Every first attempt is sent twice at once, with the same `webhook-id`. */
  duplicate: boolean;
  /**
   * Messages published within this many milliseconds are held and sent together at the end of
   * the window, newest first; 0 = in order, at once.
   */
  reorderWindowMs: number;
  /** Signatures are made with a key that is not the subscription's secret. */
  badSignature: boolean;
}

export const NO_WEBHOOK_FAULTS: WebhookFaults = {
  duplicate: false,
  reorderWindowMs: 0,
  badSignature: false,
};

export interface WebhookDelivery {
  at: number;
  subscriptionId: string;
  /** The `webhook-id` header: receivers deduplicate on it. */
  webhookId: string;
  topic: string;
  url: string;
  /** 1 for the first try. */
  attempt: number;
  outcome: 'delivered' | 'failed' | 'suppressed';
  status?: number;
  error?: string;
  /** The fault this attempt was sent under, if any. */
  fault?: 'duplicate' | 'bad-signature';
}

const SHIPBOB_RETRY_DELAYS_MS = [
  5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
];

/** `v1,<base64 HMAC-SHA256(base64-decoded secret, "id.timestamp.body")>` (Standard Webhooks). */
export function signWebhook(
  secret: string,
  webhookId: string,
  timestampSeconds: number,
  body: string,
): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const mac = createHmac('sha256', key).update(`${webhookId}.${timestampSeconds}.${body}`);
  return `v1,${mac.digest('base64')}`;
}

/** The key bad signatures are made with: well formed, but not any subscription's secret. */
const WRONG_SECRET = `whsec_${Buffer.alloc(24, 0xee).toString('base64')}`;

interface Message {
  webhookId: string;
  subscription: WebhookSubscription;
  topic: string;
  body: string;
}

export class WebhookDispatcher {
  /** Every attempt and every suppressed event, oldest first. */
  readonly journal: WebhookDelivery[] = [];
  private deliver: boolean;
  private faultSwitches: WebhookFaults = NO_WEBHOOK_FAULTS;
  /** Messages held by the reorder window, oldest first. */
  private held: Message[] = [];
  private readonly retryDelaysMs: number[];
  private readonly timeoutMs: number;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Bumped by reset/close so attempts of an earlier run are dropped. */
  private generation = 0;

  constructor(
    private readonly options: WebhookDeliveryOptions = {},
    /** Told when a message's every attempt failed: ShipBob then disables the subscription. */
    private readonly onExhausted: (subscription: WebhookSubscription) => void = () => undefined,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    this.deliver = options.deliver ?? false;
    this.retryDelaysMs = options.retryDelaysMs ?? SHIPBOB_RETRY_DELAYS_MS;
    this.timeoutMs = options.timeoutMs ?? 15_000;
  }

  get enabled(): boolean {
    return this.deliver;
  }

  setEnabled(enabled: boolean): void {
    this.deliver = enabled;
  }

  get faults(): WebhookFaults {
    return this.faultSwitches;
  }

  /** Switches delivery faults; unset ones keep their value. */
  setFaults(faults: Partial<WebhookFaults>): void {
    this.faultSwitches = { ...this.faultSwitches, ...faults };
  }

  /** Queues one message per subscription; the body is serialised now, as the entity is now. */
  publish(subscriptions: WebhookSubscription[], topic: string, payload: unknown): void {
    const body = JSON.stringify(payload);
    for (const subscription of subscriptions) {
      const message = { webhookId: `msg_${randomUUID()}`, subscription, topic, body };
      if (!this.deliver) this.record(message, 1, { outcome: 'suppressed' });
      else if (this.faultSwitches.reorderWindowMs > 0) this.hold(message);
      else this.first(message, 0);
    }
  }

  /** Drops queued retries, held messages, faults and the journal; delivery back to its default. */
  reset(): void {
    this.stop();
    this.journal.length = 0;
    this.deliver = this.options.deliver ?? false;
    this.faultSwitches = NO_WEBHOOK_FAULTS;
  }

  stop(): void {
    this.generation += 1;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.held = [];
  }

  /** The first attempt (twice at once under the duplicate fault). */
  private first(message: Message, delayMs: number): void {
    this.schedule(message, 1, delayMs);
    if (this.faultSwitches.duplicate) this.schedule(message, 1, delayMs, 'duplicate');
  }

  /** Holds a message until its reorder window closes; the window's messages go newest first. */
  private hold(message: Message): void {
    this.held.push(message);
    if (this.held.length > 1) return;
    const generation = this.generation;
    this.later(this.faultSwitches.reorderWindowMs, () => {
      if (generation !== this.generation) return;
      const window = this.held.reverse();
      this.held = [];
      for (const held of window) this.first(held, 0);
    });
  }

  private schedule(message: Message, attempt: number, delayMs: number, fault?: 'duplicate'): void {
    const generation = this.generation;
    this.later(delayMs, () => {
      if (generation === this.generation) void this.attempt(message, attempt, generation, fault);
    });
  }

  private later(delayMs: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  private async attempt(
    message: Message,
    attempt: number,
    generation: number,
    duplicate?: 'duplicate',
  ): Promise<void> {
    // A subscription deleted or disabled meanwhile gets nothing more.
    if (!message.subscription.enabled) return;
    const timestamp = Math.floor(Date.now() / 1000);
    const badSignature = this.faultSwitches.badSignature;
    const fault = badSignature ? 'bad-signature' : duplicate;
    let status: number | undefined;
    let error: string | undefined;
    try {
      const response = await this.fetchImpl(message.subscription.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': message.webhookId,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signWebhook(
            badSignature ? WRONG_SECRET : message.subscription.secret,
            message.webhookId,
            timestamp,
            message.body,
          ),
          'x-webhook-topic': message.topic,
        },
        body: message.body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = response.status;
      await response.arrayBuffer().catch(() => undefined);
    } catch (cause) {
      error = errorMessage(cause);
    }
    if (generation !== this.generation) return;
    const delivered = status !== undefined && status >= 200 && status < 300;
    this.record(message, attempt, {
      outcome: delivered ? 'delivered' : 'failed',
      ...(status === undefined ? {} : { status }),
      ...(error === undefined ? {} : { error }),
      ...(fault === undefined ? {} : { fault }),
    });
    // A duplicate is a second copy of a first attempt: the original carries the retries.
    if (delivered || duplicate) return;
    const retryIn = this.retryDelaysMs[attempt - 1];
    if (retryIn !== undefined) this.schedule(message, attempt + 1, retryIn);
    else this.onExhausted(message.subscription);
  }

  private record(
    message: Message,
    attempt: number,
    result: Pick<WebhookDelivery, 'outcome' | 'status' | 'error' | 'fault'>,
  ): void {
    this.journal.push({
      at: Date.now(),
      subscriptionId: message.subscription.id,
      webhookId: message.webhookId,
      topic: message.topic,
      url: message.subscription.url,
      attempt,
      ...result,
    });
  }
}
