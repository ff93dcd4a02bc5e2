import { z } from 'zod';
import { eventBackboneEnv } from '@msync/events';
import { env, mongoEnv } from '@msync/platform';
import { encryptionKeysSetting } from '@msync/stores';

export const SERVICE = 'config-api';

/** Environment variables of config-api (besides LOG_LEVEL, OPS_PORT, OPS_HOST, SHUTDOWN_TIMEOUT_MS). */
export const configSchema = eventBackboneEnv.extend(mongoEnv.shape).extend({
  HTTP_PORT: env.port(8081),
  HTTP_HOST: z.string().default('0.0.0.0'),
  /** Encrypts Mirakl API keys and ShipBob PATs at rest (AES-256-GCM). */
  ENCRYPTION_KEYS: encryptionKeysSetting,
  /** Admin bearer token accepted without a database record (first login, recovery). */
  ADMIN_BOOTSTRAP_TOKEN: z
    .string({ error: 'required: an admin bearer token of at least 32 characters' })
    .min(32, 'at least 32 characters'),
  /** Host patterns a Mirakl store URL may use (`*.` = any sub-domain). */
  MIRAKL_ALLOWED_HOSTS: env.csv().default(['*.mirakl.net']),
  /** Exact origins exempt from the https and private-address rules (simulators, local runs). */
  MIRAKL_TRUSTED_ORIGINS: z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.url().transform((u) => new URL(u).origin))),
  SHIPBOB_BASE_URL: z.url().default('https://api.shipbob.com'),
  /**
   * The public address of shipbob-poller's webhook receiver (its WEBHOOK_PORT behind the
   * ingress), e.g. `https://hooks.example.com`; stores are subscribed at
   * `<base>/webhooks/shipbob/<storeId>`. Unset: no subscriptions, every store polls only.
   */
  PUBLIC_WEBHOOK_BASE_URL: z.url().optional(),
  /** How often each store's webhook subscription is checked and repaired. */
  WEBHOOK_CHECK_INTERVAL_MS: env.durationMs(15 * 60_000),
  /**
   * The reporter's ops address (e.g. `http://reporter:9105`), internal network only: the report
   * preview, test send and history are asked there (ADR 0072). Unset: those operations are 503.
   */
  REPORTER_URL: z.url().optional(),
  /**
   * The sync-applier's ops address (e.g. `http://sync-applier:9104`), internal network only: the
   * seller's catalog view (last cycles, SKU table) is asked there (ADR 0089). Unset: those
   * operations are 503.
   */
  APPLIER_URL: z.url().optional(),
  /** How often the relay looks for unpublished store changes (it is also woken after each save). */
  RELAY_INTERVAL_MS: env.durationMs(2_000),
  /** Activity entries, and timelines of orders finished (or silent) longer ago, are deleted. */
  ACTIVITY_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  /** How often the activity prune runs (FerretDB has no TTL indexes). */
  ACTIVITY_PRUNE_INTERVAL_MS: env.durationMs(60 * 60_000),
  /**
   * Events the activity projection holds decoded per partition before it stops fetching (ADR
   * 0098, 0126): its memory while it catches up.
   */
  ACTIVITY_MAX_UNFINISHED_PER_PARTITION: z.coerce
    .number()
    .int()
    .min(100)
    .max(100_000)
    .default(2_000),
});

export type Config = z.infer<typeof configSchema>;
