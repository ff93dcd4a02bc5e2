import { createLogger, env, loadConfig } from '@msync/platform';
import { z } from 'zod';
import { parseCallFrequency } from './call-frequency.js';
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
  }),
  process.env,
);
const logger = createLogger({ bindings: { service: 'mirakl-sim' } });

const shops = config.MIRAKL_SIM_SHOPS.split(',')
  .map((s) => s.trim())
  .filter(Boolean)
  .map((pair) => {
    const [id, ...key] = pair.split(':');
    return { shopId: Number(id), apiKey: key.join(':') };
  });
for (const shop of shops) logger.addSecret(shop.apiKey);

const callFrequencyMs = callFrequencyOrExit(
  cliOption(process.argv.slice(2), 'call-frequency') ?? config.MIRAKL_SIM_CALL_FREQUENCY,
);

const sim = await startMiraklSimulator({
  port: config.MIRAKL_SIM_PORT,
  host: config.MIRAKL_SIM_HOST,
  shops,
  paymentDelayMs: config.MIRAKL_SIM_PAYMENT_DELAY_MS,
  callFrequencyMs,
});
logger.info('mirakl simulator listening', {
  url: sim.url,
  shops: shops.map((s) => s.shopId),
  callFrequencyMs,
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
