/**
 * What reading a vendor body costs the process that reads it (ADR 0185): concurrent downloads
 * of a Mirakl offer export file (10,000 offers, about 4 MB, as OF54 serves it) and of ShipBob
 * inventory-level pages (250 levels), each read either as axios' text (`responseType: 'text'`,
 * how the ShipBob transport reads, and the Mirakl one did) or as a stream read by `withTextBody`
 * (how the Mirakl transport reads now). Prints the reader's peak external memory (buffers) and
 * heap above where it started, and its CPU per body.
 *
 *   npm run bench -- bodies [--rounds 10] [--concurrent 3]
 *
 * This process serves the bodies; each measure runs in a process of its own, so neither the
 * server's copies of the bodies nor another measure's garbage is counted.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import axios, { type AxiosInstance } from 'axios';
import { withTextBody } from '@msync/platform';
import { parseOptions } from '../support.js';

const DEFAULTS = { rounds: 10, concurrent: 3 };

type Mode = 'text' | 'stream';

interface Figures {
  peakExternalMb: number;
  peakHeapMb: number;
  cpuMsPerBody: number;
}

const sku = (n: number) => `CAT-${String(n).padStart(6, '0')}`;

/** One OF54 file of 10,000 offers, with the fields the Mirakl simulator renders. */
function exportFile(): string {
  const at = new Date().toISOString();
  return JSON.stringify(
    Array.from({ length: 10_000 }, (_, n) => ({
      offer_id: 1_000_000 + n,
      shop_id: 2001,
      shop_name: 'Shop 2001',
      shop_sku: sku(n),
      product_sku: sku(n),
      quantity: 0,
      warehouses: [],
      active: true,
      deleted: false,
      state_code: '11',
      currency_iso_code: 'USD',
      description: `Offer for ${sku(n)}`,
      last_updated: at,
      prices: [
        {
          origin_price: 19.99,
          volume_prices: [{ quantity_threshold: 1, unit_origin_price: 19.99 }],
        },
      ],
    })),
  );
}

/** One `GET /inventory-level` page of 250 levels. */
function levelsPage(): string {
  return JSON.stringify({
    items: Array.from({ length: 250 }, (_, n) => ({
      inventory_id: 5_000_000 + n,
      name: `Product ${sku(n)}`,
      sku: sku(n),
      total_fulfillable_quantity: 40 + (n % 90),
      total_on_hand_quantity: 50 + (n % 90),
      total_committed_quantity: 10,
      total_exception_quantity: 0,
      total_sellable_quantity: 40 + (n % 90),
    })),
    next: '/2025-07/inventory-level?Cursor=next',
  });
}

export async function main(args: string[]): Promise<void> {
  const options = parseOptions(args, DEFAULTS);
  const bodies = { '/export': exportFile(), '/levels': levelsPage() };
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(bodies[req.url as keyof typeof bodies] ?? '{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const lines = [
      `bodies read ${options.concurrent} at a time, ${options.rounds} rounds of export files, ${options.rounds * 100} of pages (each after one round not measured)`,
      `${'body'.padEnd(26)}${'read as'.padEnd(9)}${'peak external MB'.padStart(17)}${'peak heap MB'.padStart(13)}${'CPU ms / body'.padStart(15)}`,
    ];
    const cases = [
      [
        `export file (${(bodies['/export'].length / 1e6).toFixed(1)} MB)`,
        '/export',
        options.rounds,
      ],
      [
        `levels page (${(bodies['/levels'].length / 1e3).toFixed(0)} KB)`,
        '/levels',
        options.rounds * 100,
      ],
    ] as const;
    for (const [name, path, rounds] of cases) {
      for (const mode of ['text', 'stream'] as const) {
        const f = await inChild({
          url: `${base}${path}`,
          mode,
          rounds,
          concurrent: options.concurrent,
        });
        lines.push(
          `${name.padEnd(26)}${mode.padEnd(9)}${f.peakExternalMb.toFixed(1).padStart(17)}${f.peakHeapMb.toFixed(1).padStart(13)}${f.cpuMsPerBody.toFixed(2).padStart(15)}`,
        );
      }
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

interface Measure {
  url: string;
  mode: Mode;
  rounds: number;
  concurrent: number;
}

/** Runs one measure in a new process of this file and reads back its figures. */
async function inChild(measure: Measure): Promise<Figures> {
  const child = spawn(
    process.execPath,
    [...process.execArgv, '--expose-gc', fileURLToPath(import.meta.url)],
    {
      env: { ...process.env, BENCH_BODIES_MEASURE: JSON.stringify(measure) },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`the ${measure.mode} measure of ${measure.url} exited ${code}`);
  return JSON.parse(out) as Figures;
}

/** An axios instance as the transports make theirs, reading bodies as `mode` says. */
function client(mode: Mode): AxiosInstance {
  const http = axios.create({
    validateStatus: () => true,
    maxRedirects: 0,
    proxy: false,
    responseType: mode,
    transformResponse: [(data: unknown) => data],
  });
  if (mode === 'stream') http.interceptors.response.use(withTextBody);
  return http;
}

async function measure({ url, mode, rounds, concurrent }: Measure): Promise<Figures> {
  const http = client(mode);
  const read = async () => {
    const response = await http.get<string>(url);
    return JSON.parse(response.data) as unknown;
  };
  const round = () => Promise.all(Array.from({ length: concurrent }, read));
  await round();
  global.gc?.();
  const start = process.memoryUsage();
  let peakExternal = start.external;
  let peakHeap = start.heapUsed;
  const sample = () => {
    const m = process.memoryUsage();
    peakExternal = Math.max(peakExternal, m.external);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  const sampler = setInterval(sample, 1);
  const started = process.cpuUsage();
  for (let i = 0; i < rounds; i++) {
    await round();
    sample();
  }
  const cpu = process.cpuUsage(started);
  clearInterval(sampler);
  return {
    peakExternalMb: (peakExternal - start.external) / 1048576,
    peakHeapMb: (peakHeap - start.heapUsed) / 1048576,
    cpuMsPerBody: (cpu.user + cpu.system) / 1000 / (rounds * concurrent),
  };
}

const asked = process.env['BENCH_BODIES_MEASURE'];
if (asked) process.stdout.write(JSON.stringify(await measure(JSON.parse(asked) as Measure)));
