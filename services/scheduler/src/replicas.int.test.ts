import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Registry } from '@msync/platform';
import { capturingLogger } from '@msync/test-support';
import { JOB_NAMES } from './adapters/agenda-schedule.js';
import {
  TEST_MINUTE_MS,
  eventually,
  schedulerHarness,
  type SchedulerHarness,
} from './test-support/harness.js';

const { logger } = capturingLogger('warn');
let h: SchedulerHarness;

beforeAll(async () => {
  h = await schedulerHarness(logger);
});

afterAll(async () => {
  await h?.close();
});

async function total(registry: Registry, name: string): Promise<number> {
  const metric = await registry.getSingleMetric(name)!.get();
  return metric.values.reduce((sum, v) => sum + v.value, 0);
}
const published = (registry: Registry) => total(registry, 'scheduler_polls_requested_total');

describe('two scheduler replicas on one job store', () => {
  it('fire every scheduled run exactly once', async () => {
    const a = await h.startScheduler({ instanceName: 'replica-a' });
    const stores = ['r1', 'r2', 'r3', 'r4', 'r5'];
    for (const store of stores)
      await h.configure(store, {
        toggles: { orders: true, tracking: true },
        shipbobConfigured: true,
        pollIntervalMinutes: 1,
      });
    await eventually(() => h.polls.length >= 5, 'replica a polling');
    const b = await h.startScheduler({ instanceName: 'replica-b' });
    const before = h.polls.length;
    let progress = '';
    try {
      await eventually(async () => {
        const byB = await published(b.metrics);
        progress = `${h.polls.length - before} polls since b started, ${byB} by b`;
        return h.polls.length >= before + 30 && byB >= 5;
      }, 'thirty more polls with both replicas running');
    } catch (error) {
      throw new Error(`${(error as Error).message} (${progress})`);
    }
    await Promise.all([a.stop(), b.stop()]);

    const byA = await published(a.metrics);
    const byB = await published(b.metrics);
    await eventually(() => h.polls.length === byA + byB, 'every published poll collected');

    // No run failed, and none was published twice.
    expect(await total(a.metrics, 'scheduler_job_failures_total')).toBe(0);
    expect(await total(b.metrics, 'scheduler_job_failures_total')).toBe(0);
    const keys = h.polls.map((p) => p.envelope.idempotencyKey);
    expect(new Set(keys).size).toBe(keys.length);

    // One command per claimed run (a run taken over after a stale lock keeps its name).
    const jobs = await h.mongo.db
      .collection('scheduler_jobs')
      .find({ name: JOB_NAMES.poll })
      .toArray();
    expect(jobs).toHaveLength(stores.length * 2);
    const runs = await h.mongo.db
      .collection('scheduler_jobs_claims')
      .distinct('run', { jobId: { $in: jobs.map((j) => j._id.toHexString()) } });
    expect(runs).toHaveLength(h.polls.length);

    // Per store and stream, scheduled runs are at least one interval apart.
    for (const store of stores)
      for (const stream of ['orders', 'shipments']) {
        const times = h.pollsOf(store, stream).map((p) => p.envelope.occurredAt);
        expect(times.length).toBeGreaterThan(2);
        for (let i = 1; i < times.length; i++)
          expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(TEST_MINUTE_MS);
      }
  });
});
