import { createLogger } from '@msync/platform';
import { startShipBobSimulator } from './server.js';

// Standalone entry for the local run and demos. Seeds one merchant whose PAT is
// SHIPBOB_SIM_PAT (default "sim-pat"), so a store can be configured against it at once.
const logger = createLogger({ bindings: { service: 'shipbob-sim' } });
const port = Number(process.env['SHIPBOB_SIM_PORT'] ?? 18091);
const host = process.env['SHIPBOB_SIM_HOST'] ?? '127.0.0.1';
const pat = process.env['SHIPBOB_SIM_PAT'] ?? 'sim-pat';

const sim = await startShipBobSimulator({ port, host });
const merchant = sim.world.seedMerchant({ name: 'Demo merchant', pats: [pat] });
sim.world.seedProduct(merchant.id, {
  sku: 'DEMO-SKU-1',
  name: 'Demo product',
  stock: { 1: 25, 2: 10 },
});
logger.info('shipbob simulator listening', {
  url: sim.url,
  merchantId: merchant.id,
  channelId: merchant.patChannelId,
});

const shutdown = (): void => {
  sim.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
