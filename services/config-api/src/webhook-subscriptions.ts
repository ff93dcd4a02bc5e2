import { randomBytes } from 'node:crypto';
import { errorMessage, isErrorLike, type Logger } from '@msync/platform';
import {
  fromDocument,
  type MongoStores,
  type StoreDocument,
  type WebhookCheck,
} from './adapters/mongo-stores.js';
import type { SecretBox, ShipBobGateway } from './domain/ports.js';
import { planSubscription, wantedSubscription } from './domain/webhooks.js';
import { backgroundLoop, type BackgroundLoop } from './background-loop.js';
import type { ConfigApiMetrics } from './metrics.js';

export interface WebhookSubscriptionsOptions {
  stores: MongoStores;
  shipbob: ShipBobGateway;
  secrets: SecretBox;
  /** Where ShipBob reaches the receiver; null: no subscriptions, every store polls only. */
  publicBaseUrl: string | null;
  /** How often each store's subscription is checked (repairs what ShipBob disabled or lost). */
  checkIntervalMs: number;
  /** How soon a failed check is tried again. */
  retryAfterMs: number;
  /** How often the loop looks for due stores (it is also woken after each save). */
  loopIntervalMs: number;
  logger: Logger;
  metrics?: ConfigApiMetrics;
  now?: () => Date;
}

/** `whsec_` + 32 base64 characters, the form ShipBob accepts for a given secret. */
const newWebhookSecret = (): string => `whsec_${randomBytes(24).toString('base64')}`;

const BATCH = 50;

/**
 * Keeps each store's ShipBob webhook subscription as the store's configuration wants it (ADR
 * 0064): created with the store's own secret when the store is connected with a token, syncs
 * tracking, cancellations or returns, and a public URL is configured; removed otherwise
 * (disconnect, delete, toggles off, token removed or replaced, with the token that made it);
 * recreated when ShipBob disabled or lost it. Each store is due after every change and then
 * every `checkIntervalMs`; a reconcile lists ShipBob's subscriptions first, so it never makes a
 * second one, and one process at a time does it (a lock per store).
 */
export function createWebhookSubscriptions(options: WebhookSubscriptionsOptions): BackgroundLoop {
  const log = options.logger.child({ component: 'webhook-subscriptions' });
  const now = options.now ?? (() => new Date());
  const later = (ms: number) => new Date(now().getTime() + ms);
  const open = (sealed: string) => {
    const value = options.secrets.open(sealed);
    options.logger.addSecret(value);
    return value;
  };

  /** Removes the store's subscriptions made with tokens it no longer uses; the ones done with. */
  const cleanUp = async (doc: StoreDocument): Promise<string[]> => {
    const cleaned: string[] = [];
    for (const token of doc.webhookCleanup ?? []) {
      const pat = open(token.sealed);
      try {
        const plan = planSubscription(
          doc._id,
          null,
          await options.shipbob.listWebhookSubscriptions(pat),
        );
        for (const id of plan.remove) {
          await options.shipbob.deleteWebhookSubscription(pat, id);
          options.metrics?.webhookChanges.inc({ action: 'removed' });
        }
      } catch (error) {
        // A revoked token can remove nothing any more; anything else is tried again later.
        if (!(isErrorLike(error) && error.name === 'CredentialsError')) throw error;
        log.warn('an old ShipBob token no longer works; its subscription is left to ShipBob', {
          storeId: doc._id,
        });
      }
      cleaned.push(token.sealed);
    }
    return cleaned;
  };

  const reconcile = async (doc: StoreDocument): Promise<WebhookCheck> => {
    const storeId = doc._id;
    const cleaned = await cleanUp(doc);
    const wanted = wantedSubscription(fromDocument(doc), options.publicBaseUrl);
    const base = {
      error: null,
      checkedAt: now(),
      nextCheckAt: later(options.checkIntervalMs),
      cleaned,
    };
    if (!doc.shipbob || (!wanted && !doc.shipbobWebhook))
      return { ...base, subscriptionId: null, url: null };
    const pat = open(doc.shipbob.pat.sealed);
    const plan = planSubscription(
      storeId,
      wanted,
      await options.shipbob.listWebhookSubscriptions(pat),
    );
    for (const id of plan.remove) {
      await options.shipbob.deleteWebhookSubscription(pat, id);
      options.metrics?.webhookChanges.inc({ action: 'removed' });
      log.info('webhook subscription removed', { storeId, subscriptionId: id });
    }
    if (!plan.create) return { ...base, subscriptionId: plan.keep, url: wanted?.url ?? null };
    const secret = await options.stores.ensureWebhookSecret(storeId, () => {
      const value = newWebhookSecret();
      return { sealed: options.secrets.seal(value), last4: '' };
    });
    if (!secret) return { ...base, subscriptionId: null, url: null };
    const created = await options.shipbob.createWebhookSubscription(pat, {
      url: plan.create.url,
      topics: plan.create.topics,
      secret: open(secret.sealed),
    });
    options.metrics?.webhookChanges.inc({ action: 'created' });
    log.info('webhook subscription created', {
      storeId,
      subscriptionId: created.id,
      topics: plan.create.topics,
    });
    return { ...base, subscriptionId: created.id, url: plan.create.url };
  };

  const checkOne = async (doc: StoreDocument): Promise<void> => {
    try {
      const check = await options.stores.withWebhookLock(doc._id, () => reconcile(doc));
      await options.stores.recordWebhookCheck(doc._id, doc.version, check);
      options.metrics?.webhookChecks.inc({ result: 'ok' });
    } catch (error) {
      const busy = isErrorLike(error) && (error as { reason?: unknown }).reason === 'webhook-busy';
      options.metrics?.webhookChecks.inc({ result: busy ? 'busy' : 'failed' });
      if (busy) return;
      log.warn('webhook subscription check failed; will retry', {
        storeId: doc._id,
        error: errorMessage(error),
      });
      await options.stores.recordWebhookCheck(doc._id, doc.version, {
        url: null,
        error: errorMessage(error),
        checkedAt: now(),
        nextCheckAt: later(options.retryAfterMs),
        cleaned: [],
      });
    }
  };

  return backgroundLoop({
    run: async () => {
      // One batch per run; what is left stays due and is taken by the next run.
      const due = await options.stores.webhookChecksDue(now(), BATCH);
      for (const doc of due) await checkOne(doc);
    },
    intervalMs: options.loopIntervalMs,
    logger: log,
    failure: 'webhook subscription checks failed; will retry',
  });
}
