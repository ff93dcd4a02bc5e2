/**
 * Event backbone throughput: the project's publisher and consumer against raw kafkajs on the
 * same broker, the same messages (orderReadyToShip events over 6 partitions) and the same
 * batching; no-op handlers. Each variant runs `--runs` times in its own process (median shown).
 *
 *   npm run bench -- events [--messages 20000] [--runs 3] [--batch 500]
 */
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import {
  bootstrapTopics,
  createKafka,
  createPublisher,
  EventCodec,
  RegistryClient,
} from '@msync/events';
import { createLogger } from '@msync/platform';
import { infrastructure, parseOptions } from '../support.js';
import { benchEvents } from './messages.js';
import type { Job, RunResult, Variant } from './worker.js';

const PARTITIONS = 6;
const root = fileURLToPath(new URL('../../', import.meta.url));
const worker = fileURLToPath(new URL('./worker.ts', import.meta.url));

interface Settings extends Record<string, number> {
  messages: number;
  runs: number;
  batch: number;
}

function runWorker(job: Job): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', worker, JSON.stringify(job)],
      {
        cwd: root,
        env: process.env,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line) as RunResult);
      else reject(new Error(`${job.variant} run failed (exit ${code}): ${out}`));
    });
  });
}

const median = (runs: RunResult[]): RunResult => {
  const sorted = [...runs].sort((a, b) => a.messages / a.seconds - b.messages / b.seconds);
  return sorted[Math.floor(sorted.length / 2)]!;
};

function table(results: Map<Variant, RunResult[]>, settings: Settings): string {
  const rows: [string, Variant, Variant | undefined, number | undefined][] = [
    ['publisher (publish, batches)', 'publisher', 'raw-producer', 0.8],
    ['raw kafkajs producer.send', 'raw-producer', undefined, undefined],
    ['consumer (createEventConsumer)', 'consumer', 'raw-each-message', 0.5],
    ['raw kafkajs eachMessage', 'raw-each-message', undefined, undefined],
    ['raw kafkajs eachBatch', 'raw-each-batch', undefined, undefined],
  ];
  const lines = [
    `${settings.messages} orderReadyToShip events, ${PARTITIONS} partitions, batches of ${settings.batch}, median of ${settings.runs}; ${cpus().length} cores, ${new Date().toISOString().slice(0, 10)}`,
    '',
    `${'variant'.padEnd(32)}${'msg/s'.padStart(10)}${'vs raw'.padStart(9)}${'target'.padStart(12)}${'CPU s'.padStart(8)}${'msg/CPU s vs raw'.padStart(18)}${'peak RSS MB'.padStart(13)}`,
  ];
  for (const [label, variant, baseline, target] of rows) {
    const m = median(results.get(variant)!);
    const rate = m.messages / m.seconds;
    let ratio = '';
    let goal = '';
    let cpuRatio = '';
    if (baseline) {
      const b = median(results.get(baseline)!);
      const r = rate / (b.messages / b.seconds);
      ratio = `${r.toFixed(2)}x`;
      goal = `${target!.toFixed(1)}x ${r >= target! ? 'ok' : 'MISS'}`;
      // Steadier than wall clock on a shared machine: messages per CPU second, relative.
      cpuRatio = `${(m.messages / m.cpuSeconds / (b.messages / b.cpuSeconds)).toFixed(2)}x`;
    }
    lines.push(
      `${label.padEnd(32)}${Math.round(rate).toLocaleString('en-US').padStart(10)}${ratio.padStart(9)}${goal.padStart(12)}${m.cpuSeconds.toFixed(2).padStart(8)}${cpuRatio.padStart(18)}${m.peakRssMb.toFixed(0).padStart(13)}`,
    );
  }
  return lines.join('\n');
}

export async function main(args: string[]): Promise<void> {
  // 100,000 messages: shorter runs last a fraction of a second and swing with the machine's load.
  const settings = parseOptions<Settings>(args, { messages: 100_000, runs: 5, batch: 500 });
  const env = await infrastructure(process.env);
  const brokers = env.KAFKA_BROKERS.split(',');
  const registryUrl = env.SCHEMA_REGISTRY_URL;
  const logger = createLogger({
    level: 'error',
    write: (line) => process.stderr.write(`${line}\n`),
  });
  const kafka = createKafka({ brokers, clientId: 'bench', logger });
  const id = randomBytes(3).toString('hex');
  const namespaces: string[] = [];
  const namespace = async (name: string): Promise<string> => {
    const ns = `bench-${id}-${name}.`;
    await bootstrapTopics({
      kafka,
      logger,
      namespace: ns,
      partitions: PARTITIONS,
      only: ['orderReadyToShip'],
    });
    namespaces.push(ns);
    return ns;
  };

  try {
    // The consumers all read the same messages, published once.
    const consumed = await namespace('consume');
    const codec = new EventCodec(new RegistryClient(registryUrl), consumed);
    const publisher = createPublisher({ kafka, codec, logger, namespace: consumed });
    await publisher.connect();
    const events = benchEvents(settings.messages);
    for (let i = 0; i < events.length; i += settings.batch) {
      await publisher.publish('orderReadyToShip', events.slice(i, i + settings.batch));
    }
    await publisher.disconnect();

    const variants: Variant[] = [
      'publisher',
      'raw-producer',
      'consumer',
      'raw-each-message',
      'raw-each-batch',
    ];
    const results = new Map<Variant, RunResult[]>(variants.map((v) => [v, []]));
    // Rounds interleave the variants so drift on a shared machine hits them alike.
    for (let run = 1; run <= settings.runs; run++) {
      for (const variant of variants) {
        const produces = variant === 'publisher' || variant === 'raw-producer';
        const job: Job = {
          variant,
          brokers,
          registryUrl,
          namespace: produces ? await namespace(`${variant}-${run}`) : consumed,
          count: settings.messages,
          batchSize: settings.batch,
        };
        const result = await runWorker(job);
        results.get(variant)!.push(result);
        process.stderr.write(
          `run ${run} ${variant}: ${Math.round(result.messages / result.seconds)} msg/s\n`,
        );
      }
    }
    process.stdout.write(`${table(results, settings)}\n`);
  } finally {
    const admin = kafka.admin();
    await admin.connect();
    const mine = (await admin.listTopics()).filter((t) =>
      namespaces.some((ns) => t.startsWith(ns)),
    );
    if (mine.length > 0) await admin.deleteTopics({ topics: mine, timeout: 30_000 });
    await admin.disconnect();
  }
}
