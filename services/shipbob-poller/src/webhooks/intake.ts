import { envelope, idempotencyKey, type Publisher, type StoreConfigView } from '@msync/events';
import { publishFacts } from '@msync/polling';
import { errorMessage, type Logger, type PollStateStore } from '@msync/platform';
import {
  readWebhook,
  verifyWebhookSignature,
  type ShipBobWebhook,
  type WebhookHeaders,
} from '@msync/shipbob';
import type { StoreCredentialsPort } from '@msync/stores';
import type { WebhookReceipts } from '../adapters/webhook-receipts.js';
import { decideShipBobWebhook, webhookOrderId } from '../domain/webhook-facts.js';
import { FACT_TOPICS } from '../fact-topics.js';
import { SHIPMENTS } from '../shipments-pass.js';
import type { WebhookMetrics, WebhookOutcome } from './metrics.js';

/** One delivery as it reached us: the store named in the URL, the headers, the raw body. */
export interface WebhookDelivery {
  storeId: string;
  topic: string | undefined;
  headers: WebhookHeaders;
  body: Buffer;
}

/** What to answer ShipBob: 2xx = handled (or nothing to do), 4xx = refused, 5xx = try again. */
export interface WebhookAnswer {
  status: number;
  outcome: WebhookOutcome;
}

export interface WebhookIntakeDeps {
  source: string;
  publisher: Publisher;
  /** The shipments stream's poll state: the same seen-set the passes use. */
  state: PollStateStore;
  credentials: StoreCredentialsPort;
  configs: StoreConfigView;
  receipts: WebhookReceipts;
  metrics: WebhookMetrics;
  logger: Logger;
  now: () => number;
}

/** Topics counted under their own name; anything else is `other` (bounded label values). */
const COUNTED_TOPICS = new Set([
  'order.shipped',
  'order.shipment.delivered',
  'order.shipment.cancelled',
  'order.shipment.exception',
  'order.shipment.on_hold',
  'return.created',
  'return.updated',
  'return.completed',
]);

/**
 * Handles one ShipBob webhook delivery (ADR 0063): the store's secret verifies the signature and
 * timestamp on the raw body; the `webhook-id` is claimed so a copy is handled once; the body is
 * decided like a polled snapshot against the shipments seen-set, the facts are published (or a
 * shipments pass requested), the seen-set merged, and only then is the delivery answered 200.
 * ShipBob is never called here.
 */
export function createWebhookIntake(deps: WebhookIntakeDeps) {
  const log = deps.logger.child({ component: 'webhooks' });

  const secretOf = async (storeId: string) => {
    const known = deps.configs.get(storeId)?.version;
    let credentials = await deps.credentials.get(storeId, { atLeastVersion: known });
    if (credentials && !credentials.shipbobWebhookSecret) {
      // The secret is written without a new store version (ADR 0064): a cached read may predate it.
      deps.credentials.forget(storeId);
      credentials = await deps.credentials.get(storeId);
    }
    return credentials;
  };

  const handle = async (delivery: WebhookDelivery): Promise<WebhookAnswer> => {
    const { storeId, headers, body } = delivery;
    if (!headers.id || !headers.timestamp || !headers.signature || !delivery.topic)
      return { status: 400, outcome: 'missing-headers' };
    const credentials = await secretOf(storeId);
    const secret = credentials?.shipbobWebhookSecret;
    if (!credentials || !secret) return { status: 404, outcome: 'unknown-store' };

    const now = deps.now();
    const check = verifyWebhookSignature({ secret: secret.reveal(), headers, body, now });
    if (!check.ok)
      return {
        status: check.reason === 'missing-headers' ? 400 : 401,
        outcome: check.reason,
      };

    let webhook: ShipBobWebhook;
    try {
      webhook = readWebhook(delivery.topic, JSON.parse(body.toString('utf8')) as unknown);
    } catch (error) {
      log.warn('signed ShipBob webhook with an unreadable body', {
        storeId,
        webhookId: check.webhookId,
        topic: delivery.topic,
        error: errorMessage(error),
      });
      return { status: 400, outcome: 'malformed' };
    }
    // Disconnected stores sync nothing; answered 2xx so ShipBob does not retry for a day.
    if (credentials.status !== 'CONNECTED') return { status: 200, outcome: 'store-not-connected' };

    const claim = await deps.receipts.claim(storeId, check.webhookId, new Date(now));
    if (!claim.claimed)
      return claim.state === 'done'
        ? { status: 200, outcome: 'duplicate' }
        : { status: 409, outcome: 'in-progress' };
    try {
      const outcome = await apply(storeId, check.webhookId, webhook);
      await deps.receipts.done(storeId, check.webhookId, new Date(deps.now()));
      return { status: 200, outcome };
    } catch (error) {
      await deps.receipts.release(storeId, check.webhookId).catch(() => undefined);
      log.warn('ShipBob webhook not handled; ShipBob will retry it', {
        storeId,
        webhookId: check.webhookId,
        topic: webhook.topic,
        error: errorMessage(error),
      });
      return { status: 503, outcome: 'failed' };
    }
  };

  // Webhooks about one order are decided one after the other in this process, so two events of
  // one order arriving together (ShipBob does not order them) do not both find it unreported.
  const inLine = new Map<string, Promise<unknown>>();
  const oneAtATime = <T>(key: string, work: () => Promise<T>): Promise<T> => {
    const previous = inLine.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    inLine.set(key, settled);
    void settled.then(() => {
      if (inLine.get(key) === settled) inLine.delete(key);
    });
    return next;
  };

  const apply = (storeId: string, webhookId: string, webhook: ShipBobWebhook) => {
    const orderId = webhookOrderId(webhook);
    return oneAtATime(`${storeId}|${orderId ?? webhookId}`, () =>
      decideAndPublish(storeId, webhookId, webhook, orderId),
    );
  };

  const decideAndPublish = async (
    storeId: string,
    webhookId: string,
    webhook: ShipBobWebhook,
    orderId: string | null,
  ): Promise<WebhookOutcome> => {
    const seen =
      orderId === null
        ? undefined
        : (await deps.state.seen(storeId, SHIPMENTS, [orderId])).get(orderId);
    const decision = decideShipBobWebhook(storeId, webhook, seen);
    switch (decision.kind) {
      case 'facts': {
        if (decision.withoutCarrier.length > 0)
          log.warn('labeled shipment without a carrier held back', {
            storeId,
            shipbobOrderId: decision.orderId,
            shipments: decision.withoutCarrier,
          });
        await publishFacts(deps.publisher, FACT_TOPICS, decision.facts, {
          storeId,
          source: deps.source,
          correlationId: webhookId,
          causationId: null,
        });
        for (const fact of decision.facts) deps.metrics.facts.inc({ type: fact.topic });
        if (decision.remember)
          await deps.state.merge(
            storeId,
            SHIPMENTS,
            new Map([[decision.orderId, decision.remember]]),
            new Date(deps.now()),
          );
        log.info('ShipBob webhook handled', {
          storeId,
          webhookId,
          topic: webhook.topic,
          facts: decision.facts.length,
        });
        return decision.facts.length > 0 ? 'accepted' : 'ignored';
      }
      case 'poll':
        await deps.publisher.publish('pollRequested', {
          envelope: envelope({
            storeId,
            idempotencyKey: idempotencyKey('shipbob', storeId, 'webhook', webhookId, 'poll'),
            source: deps.source,
            occurredAt: deps.now(),
            correlationId: webhookId,
          }),
          system: 'SHIPBOB',
          stream: SHIPMENTS,
          reason: 'webhook',
          since: null,
          configVersion: null,
        });
        log.info('ShipBob webhook asks for a shipments pass', {
          storeId,
          webhookId,
          topic: webhook.topic,
          why: decision.why,
        });
        return 'poll-requested';
      case 'ignore':
        log.debug('ShipBob webhook ignored', {
          storeId,
          webhookId,
          topic: webhook.topic,
          why: decision.why,
        });
        return 'ignored';
    }
  };

  return {
    /** Handles one delivery and counts its answer. */
    async receive(delivery: WebhookDelivery): Promise<WebhookAnswer> {
      const timer = deps.metrics.duration.startTimer();
      const answer = await handle(delivery).catch((error: unknown): WebhookAnswer => {
        log.warn('ShipBob webhook not handled; ShipBob will retry it', {
          storeId: delivery.storeId,
          error: errorMessage(error),
        });
        return { status: 503, outcome: 'failed' };
      });
      deps.metrics.received.inc({ topic: topicLabel(delivery.topic), outcome: answer.outcome });
      timer({ outcome: answer.outcome });
      // A refusal (bad signature, stale timestamp, unknown store …) is what an operator looks
      // for when WebhookSignatureFailures fires (docs/runbook.md).
      if (answer.status >= 400 && answer.status < 500 && answer.outcome !== 'in-progress')
        log.warn('ShipBob webhook refused', {
          storeId: delivery.storeId,
          topic: topicLabel(delivery.topic),
          outcome: answer.outcome,
        });
      return answer;
    },
    /** Counts a delivery refused before it reached {@link receive} (body too large or unreadable). */
    refused(topic: string | undefined, outcome: 'oversized' | 'malformed'): void {
      deps.metrics.received.inc({ topic: topicLabel(topic), outcome });
    },
  };
}

export type WebhookIntake = ReturnType<typeof createWebhookIntake>;

const topicLabel = (topic: string | undefined): string =>
  topic && COUNTED_TOPICS.has(topic) ? topic : 'other';
