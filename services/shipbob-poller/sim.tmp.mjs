import { startShipBobSimulator } from '@msync/shipbob-sim';
const N = Number(process.env.SKUS ?? 10000);
const sim = await startShipBobSimulator({ port: 0 });
const m = sim.control.world.seedMerchant({ pats: ['pat-measure-0001'] });
for (let i = 0; i < N; i++) sim.control.world.seedProduct(m.id, { sku: `SKU-${String(i).padStart(6, '0')}`, stock: { 1: 5 } });
console.log(sim.url);
