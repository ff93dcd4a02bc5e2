import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from '@jest/globals';
import { infra, uniqueName } from '@msync/test-support';
import {
  committedOffsets,
  eventually,
  orderTopicHarness,
  type EventsHarness,
} from './test-support/harness.js';
import { sampleEvents } from './test-support/samples.js';

const PARTITIONS = 3;
const MESSAGES = 3_000;
const script = fileURLToPath(new URL('./test-support/crash-consumer.ts', import.meta.url));

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function startConsumerProcess(config: object): ChildProcess {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', script, JSON.stringify(config)],
    {
      // Explicit: a test runner's process.env may be a copy that children do not inherit.
      env: { NODE_ENV: 'test' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  cleanups.push(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return child;
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

function handledSet(file: string): Set<string> {
  if (!existsSync(file)) return new Set();
  return new Set(readFileSync(file, 'utf8').split('\n').filter(Boolean));
}

/** `<partition>:<offset>` of every offset below `upTo` of each partition not in `handled`. */
function notHandled(handled: Set<string>, upTo: Map<number, string>): string[] {
  const missing: string[] = [];
  for (const [partition, offset] of upTo) {
    for (let o = 0; o < Number(offset); o++) {
      if (!handled.has(`${partition}:${o}`)) missing.push(`${partition}:${o}`);
    }
  }
  return missing;
}

async function endOffsets(h: EventsHarness, topic: string): Promise<Map<number, string>> {
  const admin = h.kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((o) => [o.partition, o.high]));
  } finally {
    await admin.disconnect();
  }
}

describe('a consumer killed mid-stream', () => {
  it('never committed an offset before its handler finished, and every message is handled at least once after a restart', async () => {
    const env = infra();
    const h = await orderTopicHarness(PARTITIONS);
    cleanups.push(() => h.close());
    const { topic } = h;
    const dir = mkdtempSync(join(tmpdir(), 'crash-consumer-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const handledLog = join(dir, 'handled.log');
    const groupId = uniqueName('group');
    const config = {
      brokers: env.KAFKA_BROKERS.split(','),
      registryUrl: env.SCHEMA_REGISTRY_URL,
      namespace: h.namespace,
      groupId,
      handledLog,
      maxDelayMs: 4,
      sessionTimeoutMs: 6_000,
    };

    const sample = sampleEvents('store-0').orderReadyToShip;
    for (let i = 0; i < MESSAGES; i += 500) {
      await h.publisher.publish(
        'orderReadyToShip',
        Array.from({ length: 500 }, (_, j) => ({
          ...sample,
          envelope: { ...sample.envelope, storeId: `store-${(i + j) % 37}` },
          orderId: `MKP-${i + j}`,
        })),
      );
    }
    const ends = await endOffsets(h, topic);
    expect([...ends.values()].reduce((sum, o) => sum + Number(o), 0)).toBe(MESSAGES);

    // Run 1: killed without warning while messages flow and commits are being made.
    const first = startConsumerProcess(config);
    await eventually(
      async () => {
        if (handledSet(handledLog).size < MESSAGES / 10) return false;
        const committed = await committedOffsets(h.kafka, groupId, topic);
        return [...committed.values()].some((o) => Number(o) > 0);
      },
      'handled messages and a commit',
      60_000,
    );
    first.kill('SIGKILL');
    await exited(first);

    const afterKill = handledSet(handledLog);
    const committed = await committedOffsets(h.kafka, groupId, topic);
    expect(afterKill.size).toBeLessThan(MESSAGES); // the kill did land mid-stream
    expect(notHandled(afterKill, committed)).toEqual([]);

    // Run 2: a fresh process picks up from the commits and finishes the stream.
    const second = startConsumerProcess(config);
    await eventually(
      () => notHandled(handledSet(handledLog), ends).length === 0,
      'every message handled',
      120_000,
    );
    second.kill('SIGTERM');
    await exited(second);
    expect(second.exitCode).toBe(0);
    expect(notHandled(handledSet(handledLog), ends)).toEqual([]);
    expect(await committedOffsets(h.kafka, groupId, topic)).toEqual(ends);
  });
});
