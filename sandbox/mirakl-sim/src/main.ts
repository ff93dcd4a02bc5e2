import { createLogger, env, loadConfig } from '@msync/platform';
import { z } from 'zod';
import { parseCallFrequency } from './call-frequency.js';
import { parseOrderFeedInterval } from './order-feed.js';
import { startMiraklSimulator } from './server.js';

const config = loadConfig(
  z.object({
    MIRAKL_SIM_PORT: env.port(18090),
    MIRAKL_SIM_HOST: z.string().default('127.0.0.1'),
    /** Optional demo shop: `<shopId>:<apiKey>` pairs, comma-separated. */
    MIRAKL_SIM_SHOPS: z.string().default(''),
    MIRAKL_SIM_PAYMENT_DELAY_MS: z.coerce.number().int().min(0).default(5_000),
    /** `off`, `documented`, or `OR11=60000,...` (ms per operation); `--call-frequency` wins. */
    MIRAKL_SIM_CALL_FREQUENCY: z.string().default('off'),
    /** Demo feed: every shop of MIRAKL_SIM_SHOPS gets a new order this often (ms), or `off`. */
    MIRAKL_SIM_NEW_ORDER_EVERY_MS: z.string().default('off'),
    /** The SKUs of the fed orders, comma-separated (the ShipBob simulator's demo product). */
    MIRAKL_SIM_NEW_ORDER_SKUS: z.string().default('DEMO-SKU-1'),
    /** Offers every shop of MIRAKL_SIM_SHOPS has at start: shop SKUs, comma-separated, at 0. */
    MIRAKL_SIM_OFFERS: z.string().default(''),
  }),
  process.env,
);
const logger = createLogger({ bindings: { service: 'mirakl-sim' } });

const listOf = (value: string): string[] =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const offers = listOf(config.MIRAKL_SIM_OFFERS).map((sku) => ({ sku, quantity: 0 }));
const shops = listOf(config.MIRAKL_SIM_SHOPS).map((pair) => {
  const [id, ...key] = pair.split(':');
  return { shopId: Number(id), apiKey: key.join(':'), offers };
});
for (const shop of shops) logger.addSecret(shop.apiKey);

const callFrequencyMs = callFrequencyOrExit(
  cliOption(process.argv.slice(2), 'call-frequency') ?? config.MIRAKL_SIM_CALL_FREQUENCY,
);

const newOrderEveryMs = orderFeedIntervalOrExit(config.MIRAKL_SIM_NEW_ORDER_EVERY_MS);
const sim = await startMiraklSimulator({
  port: config.MIRAKL_SIM_PORT,
  host: config.MIRAKL_SIM_HOST,
  shops,
  paymentDelayMs: config.MIRAKL_SIM_PAYMENT_DELAY_MS,
  callFrequencyMs,
  ...(newOrderEveryMs !== null
    ? {
        orderFeed: {
          everyMs: newOrderEveryMs,
          skus: listOf(config.MIRAKL_SIM_NEW_ORDER_SKUS),
          shopIds: shops.map((s) => s.shopId),
        },
      }
    : {}),
});
logger.info('mirakl simulator listening', {
  url: sim.url,
  shops: shops.map((s) => s.shopId),
  offers: offers.map((o) => o.sku),
  callFrequencyMs,
  newOrderEveryMs,
});

const stop = (): void => {
  sim.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

/** `--name value` or `--name=value`. */
function cliOption(args: string[], name: string): string | undefined {
  for (const [i, arg] of args.entries()) {
    if (arg === `--${name}`) return args[i + 1];
    if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
  }
  return undefined;
}

function orderFeedIntervalOrExit(raw: string): number | null {
  try {
    return parseOrderFeedInterval(raw);
  } catch (error) {
    logger.error('invalid MIRAKL_SIM_NEW_ORDER_EVERY_MS', { reason: (error as Error).message });
    process.exit(1);
  }
}

function callFrequencyOrExit(spec: string): ReturnType<typeof parseCallFrequency> {
  try {
    return parseCallFrequency(spec);
  } catch (error) {
    logger.error('invalid call-frequency switch (MIRAKL_SIM_CALL_FREQUENCY / --call-frequency)', {
      reason: (error as Error).message,
    });
    process.exit(1);
  }
}
