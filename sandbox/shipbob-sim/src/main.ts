import { createLogger } from '@msync/platform';
import { startShipBobSimulator } from './server.js';

// Standalone entry for the local run and demos. Seeds one merchant whose PAT is
// SHIPBOB_SIM_PAT (default "sim-pat"), so a store can be configured against it at once, with two
// products in stock: the demo orders' DEMO-SKU-1, and DEMO-SKU-2 for the catalog flows.
const logger = createLogger({ bindings: { service: 'shipbob-sim' } });
const port = Number(process.env['SHIPBOB_SIM_PORT'] ?? 18091);
const host = process.env['SHIPBOB_SIM_HOST'] ?? '127.0.0.1';
const pat = process.env['SHIPBOB_SIM_PAT'] ?? 'sim-pat';

// The local demo should show progress: webhooks are delivered and the warehouse works by itself
// unless switched off.
const env = (name: string): string | undefined => process.env[name];
const on = (name: string): boolean => (env(name) ?? 'on') !== 'off';
const msOrNever = (name: string, fallback: number | null): number | null => {
  const raw = env(name);
  if (raw === undefined) return fallback;
  if (raw === 'never') return null;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 0)
    throw new Error(`${name} must be a number of milliseconds or "never", got "${raw}"`);
  return ms;
};

/** `SHIPBOB_SIM_RESTOCK_BELOW` / `_TO`: the warehouse's receivings (off unless the first is set). */
const restock = (): { below: number; upTo: number } | null => {
  const below = env('SHIPBOB_SIM_RESTOCK_BELOW');
  const upTo = env('SHIPBOB_SIM_RESTOCK_TO');
  if (below === undefined || below === 'off') return null;
  const settings = { below: Number(below), upTo: Number(upTo) };
  if (
    !Number.isInteger(settings.below) ||
    !Number.isInteger(settings.upTo) ||
    settings.below < 1 ||
    settings.upTo < settings.below
  )
    throw new Error(
      `SHIPBOB_SIM_RESTOCK_BELOW must be "off" or a whole number ≥ 1 and SHIPBOB_SIM_RESTOCK_TO a whole number at least as large, got "${below}" and "${upTo ?? ''}"`,
    );
  return settings;
};

const sim = await startShipBobSimulator({
  port,
  host,
  webhooks: { deliver: on('SHIPBOB_SIM_WEBHOOKS') },
  ...(on('SHIPBOB_SIM_AUTOPILOT')
    ? {
        autopilot: {
          labelAfterMs: msOrNever('SHIPBOB_SIM_LABEL_AFTER_MS', 10_000) ?? 10_000,
          shipAfterMs: msOrNever('SHIPBOB_SIM_SHIP_AFTER_MS', 20_000),
          deliverAfterMs: msOrNever('SHIPBOB_SIM_DELIVER_AFTER_MS', null),
          carrier: env('SHIPBOB_SIM_CARRIER') ?? 'UPS',
          restock: restock(),
        },
      }
    : {}),
});
const merchant = sim.control.world.seedMerchant({ name: 'Demo merchant', pats: [pat] });
sim.control.world.seedProduct(merchant.id, {
  sku: 'DEMO-SKU-1',
  name: 'Demo product',
  stock: { 1: 25, 2: 10 },
});
sim.control.world.seedProduct(merchant.id, {
  sku: 'DEMO-SKU-2',
  name: 'Demo mug',
  stock: { 1: 40 },
});
logger.info('shipbob simulator listening', {
  url: sim.url,
  merchantId: merchant.id,
  channelId: merchant.patChannelId,
  webhookDelivery: sim.control.webhookDeliveryEnabled(),
  autopilot: sim.control.autopilot(),
});

const shutdown = (): void => {
  sim.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
