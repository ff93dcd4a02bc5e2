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
  private readonly retryDelaysMs: number[];
  private readonly timeoutMs: number;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Bumped by reset/close so attempts of an earlier run are dropped. */
  private generation = 0;

  constructor(
    private readonly options: WebhookDeliveryOptions = {},
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

  /** Queues one message per subscription; the body is serialised now, as the entity is now. */
  publish(subscriptions: WebhookSubscription[], topic: string, payload: unknown): void {
    const body = JSON.stringify(payload);
    for (const subscription of subscriptions) {
      const message = { webhookId: `msg_${randomUUID()}`, subscription, topic, body };
      if (!this.deliver) this.record(message, 1, { outcome: 'suppressed' });
      else this.schedule(message, 1, 0);
    }
  }

  /** Drops queued retries and the journal; delivery goes back to its configured default. */
  reset(): void {
    this.stop();
    this.journal.length = 0;
    this.deliver = this.options.deliver ?? false;
  }

  stop(): void {
    this.generation += 1;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private schedule(message: Message, attempt: number, delayMs: number): void {
    const generation = this.generation;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (generation === this.generation) void this.attempt(message, attempt, generation);
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  private async attempt(message: Message, attempt: number, generation: number): Promise<void> {
    const timestamp = Math.floor(Date.now() / 1000);
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
            message.subscription.secret,
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
    });
    const retryIn = this.retryDelaysMs[attempt - 1];
    if (!delivered && retryIn !== undefined) this.schedule(message, attempt + 1, retryIn);
  }

  private record(
    message: Message,
    attempt: number,
    result: Pick<WebhookDelivery, 'outcome' | 'status' | 'error'>,
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
