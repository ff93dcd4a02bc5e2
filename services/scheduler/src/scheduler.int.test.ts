import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startOpsServer, type OpsServer } from '@msync/platform';
import { capturingLogger, counted } from '@msync/test-support';
import { JOB_NAMES, type JobView } from './adapters/agenda-schedule.js';
import { calendarDay, dailyTimeAfter, dailyTimeAtOrBefore } from './domain/report-time.js';
import {
  TEST_MINUTE_MS,
  eventually,
  schedulerHarness,
  type Poll,
  type RunningScheduler,
  type SchedulerHarness,
} from './test-support/harness.js';

const { logger } = capturingLogger('warn');
let h: SchedulerHarness;
let instance: RunningScheduler;
let ops: OpsServer;
const TICKER = 'store-ticker';

beforeAll(async () => {
  h = await schedulerHarness(logger);
  instance = await h.startScheduler();
  ops = await startOpsServer({
    port: 0,
    host: '127.0.0.1',
    registry: instance.metrics,
    logger,
    routes: instance.scheduler.opsRoutes,
  });
  // A store polled every "minute" throughout: its polls count the scheduler's ticks.
  await h.configure(TICKER, { toggles: { orders: true }, pollIntervalMinutes: 1 });
  // Warm up (registry lookups, producer metadata) so the tests time changes, not a cold start.
  await eventually(() => h.pollsOf(TICKER).length >= 3, 'the ticker store polled', 60_000);
});

afterAll(async () => {
  await ops?.close();
  await h?.close();
});

const opsGet = (path: string) => fetch(`http://127.0.0.1:${ops.port}${path}`);
const jobsOf = async (store: string): Promise<JobView[]> =>
  ((await (await opsGet(`/jobs?store=${store}`)).json()) as { jobs: JobView[] }).jobs;

/** Waits until `n` more scheduler ticks (polls of the ticker store) have happened. */
async function ticks(n: number): Promise<void> {
  const target = h.pollsOf(TICKER).length + n;
  await eventually(() => h.pollsOf(TICKER).length >= target, `${n} more scheduler ticks`);
}

const runTimes = (polls: Poll[]) => polls.map((p) => p.envelope.occurredAt);
const gaps = (times: number[]) => times.slice(1).map((t, i) => t - times[i]!);

describe('the scheduler on real Kafka and FerretDB', () => {
  it('polls Mirakl orders of a newly connected store within seconds, then every interval', async () => {
    const published = Date.now();
    await h.configure('store-a', { toggles: { orders: true }, pollIntervalMinutes: 1 });
    await eventually(() => h.pollsOf('store-a').length >= 1, 'first orders poll', 5_000);
    const firstLatencyMs = Date.now() - published;
    await eventually(() => h.pollsOf('store-a').length >= 3, 'three orders polls');

    const polls = h.pollsOf('store-a');
    expect(polls.every((p) => p.stream === 'orders' && p.system === 'MIRAKL')).toBe(true);
    expect(firstLatencyMs).toBeLessThan(5_000);
    for (const poll of polls) {
      const runTime = new Date(poll.envelope.occurredAt).toISOString();
      expect(poll).toMatchObject({ reason: 'schedule', since: null });
      expect(poll.envelope).toMatchObject({
        storeId: 'store-a',
        source: 'scheduler',
        idempotencyKey: `scheduler:store-a:orders:${runTime}`,
      });
    }
    expect(new Set(polls.map((p) => p.envelope.idempotencyKey)).size).toBe(polls.length);
    // Each due run is a chain of its own.
    expect(new Set(polls.map((p) => p.envelope.correlationId)).size).toBe(polls.length);
    for (const gap of gaps(runTimes(polls))) expect(gap).toBeGreaterThanOrEqual(TEST_MINUTE_MS);

    const [job] = await jobsOf('store-a');
    expect(job).toMatchObject({
      job: JOB_NAMES.poll,
      store: 'store-a',
      stream: 'orders',
      intervalMinutes: 1,
      lastError: null,
    });
    expect(Date.parse(job!.nextRunAt!)).toBeGreaterThan(Date.parse(job!.lastRunAt!));
  });

  it('polls ShipBob shipments only once ShipBob is configured, and stops polling a disabled flow', async () => {
    await h.configure('store-b', { toggles: { tracking: true } });
    await h.configure('store-b', {
      toggles: { tracking: true, orders: true },
      shipbobConfigured: true,
    });
    await eventually(
      () =>
        h.pollsOf('store-b', 'shipments').length >= 2 && h.pollsOf('store-b', 'orders').length >= 2,
      'shipments and orders polls',
    );
    expect(h.pollsOf('store-b', 'shipments')[0]!.system).toBe('SHIPBOB');

    await h.configure('store-b', { toggles: { tracking: false } });
    await eventually(
      async () => (await jobsOf('store-b')).every((j) => j.stream !== 'shipments'),
      'shipments job removed',
      5_000,
    );
    const shipmentsAfterDisable = h.pollsOf('store-b', 'shipments').length;
    const ordersAfterDisable = h.pollsOf('store-b', 'orders').length;
    await ticks(4);
    expect(h.pollsOf('store-b', 'shipments')).toHaveLength(shipmentsAfterDisable);
    expect(h.pollsOf('store-b', 'orders').length).toBeGreaterThanOrEqual(ordersAfterDisable + 2);
  });

  it('applies an interval change to the existing job, keeping its history', async () => {
    await h.configure('store-c', { toggles: { orders: true }, pollIntervalMinutes: 1 });
    await eventually(() => h.pollsOf('store-c').length >= 2, 'polls at one minute');
    await h.configure('store-c', { pollIntervalMinutes: 3 });
    await eventually(
      async () => (await jobsOf('store-c'))[0]?.intervalMinutes === 3,
      'interval changed',
      5_000,
    );
    const [changed] = await jobsOf('store-c');
    expect(changed!.lastRunAt).not.toBeNull();
    const before = h.pollsOf('store-c').length;
    await eventually(
      () => h.pollsOf('store-c').length >= before + 3,
      'three polls at three minutes',
    );
    const after = runTimes(h.pollsOf('store-c').slice(before));
    for (const gap of gaps(after)) expect(gap).toBeGreaterThanOrEqual(3 * TEST_MINUTE_MS);
    expect(await jobsOf('store-c')).toHaveLength(1);
  });

  it('stops on disconnect and resumes on reconnect', async () => {
    await h.configure('store-d', { toggles: { orders: true } });
    await eventually(() => h.pollsOf('store-d').length >= 1, 'polls while connected');
    await h.configure('store-d', { status: 'DISCONNECTED' });
    await eventually(async () => (await jobsOf('store-d')).length === 0, 'jobs removed', 5_000);
    const whileDisconnected = h.pollsOf('store-d').length;
    await ticks(4);
    expect(h.pollsOf('store-d')).toHaveLength(whileDisconnected);

    const reconnected = Date.now();
    await h.configure('store-d', { status: 'CONNECTED' });
    await eventually(
      () => h.pollsOf('store-d').length > whileDisconnected,
      'polls after reconnecting',
      5_000,
    );
    expect(Date.now() - reconnected).toBeLessThan(5_000);
  });

  it('asks for a resync when a store is connected again or a flow switched back on, once per version; never for a new store', async () => {
    const resyncsOf = () => h.pollsOf('store-r').filter((p) => p.reason === 'resync');
    const applied = () =>
      counted(instance.metrics, 'scheduler_config_events_total', { outcome: 'applied' });
    const resyncsCounted = () => counted(instance.metrics, 'scheduler_resyncs_requested_total', {});

    await h.configure('store-r', {
      toggles: { orders: true, tracking: true },
      shipbobConfigured: true,
    });
    // One partition: a resync of this version would have come before its first scheduled poll.
    await eventually(
      () =>
        h.pollsOf('store-r', 'orders').length >= 1 && h.pollsOf('store-r', 'shipments').length >= 1,
      'the new store polled',
    );
    expect(resyncsOf()).toEqual([]);

    await h.configure('store-r', { status: 'DISCONNECTED' });
    const reconnected = await h.configure('store-r', { status: 'CONNECTED' });
    await eventually(() => resyncsOf().length === 2, 'a resync of both streams');
    expect(
      resyncsOf()
        .map((p) => [p.stream, p.system])
        .sort(),
    ).toEqual([
      ['orders', 'MIRAKL'],
      ['shipments', 'SHIPBOB'],
    ]);
    for (const poll of resyncsOf())
      expect(poll).toMatchObject({
        since: null,
        configVersion: reconnected.version,
        envelope: {
          source: 'scheduler',
          occurredAt: reconnected.envelope.occurredAt,
          // The change's correlation id: the resync's passes and effects are found by it.
          correlationId: reconnected.envelope.correlationId,
          idempotencyKey: `scheduler:store-r:${poll.stream}:resync:v${reconnected.version}`,
        },
      });

    await h.configure('store-r', { toggles: { tracking: false } });
    const trackingOn = await h.configure('store-r', { toggles: { tracking: true } });
    await eventually(() => resyncsOf().length === 3, 'a resync of shipments');
    expect(resyncsOf()[2]).toMatchObject({
      stream: 'shipments',
      configVersion: trackingOn.version,
    });

    // The same version delivered again (a redelivery after a crash) asks for nothing more.
    const resyncsBefore = await resyncsCounted();
    const appliedBefore = await applied();
    await h.publishConfig(trackingOn);
    await eventually(async () => (await applied()) > appliedBefore, 'the version applied again');
    expect(await resyncsCounted()).toBe(resyncsBefore);
  });

  it('forgets a deleted store for good, even when an older version arrives again', async () => {
    const v1 = await h.configure('store-e', { toggles: { orders: true, offers: true } });
    await eventually(() => h.pollsOf('store-e', 'offers').length >= 1, 'offers polled');
    await h.configure('store-e', { status: 'DELETED' });
    await eventually(async () => (await jobsOf('store-e')).length === 0, 'jobs removed', 5_000);
    const afterDelete = h.pollsOf('store-e').length;

    await h.publishConfig(v1);
    await ticks(4);
    expect(await jobsOf('store-e')).toEqual([]);
    expect(h.pollsOf('store-e')).toHaveLength(afterDelete);
    const metrics = await (await opsGet('/metrics')).text();
    expect(metrics).toMatch(/scheduler_config_events_total\{outcome="stale"[^}]*\} [1-9]/);
  });

  it('corrects a job that no longer matches its store when it runs, and never polls an unwanted stream', async () => {
    await h.configure('store-i', { toggles: { orders: true } });
    await eventually(async () => (await jobsOf('store-i')).length === 1, 'orders job created');
    const selfHeals = async () =>
      Number(
        /scheduler_reconcile_duration_seconds_count\{[^}]*trigger="self-heal"[^}]*\} (\d+)/.exec(
          await (await opsGet('/metrics')).text(),
        )?.[1] ?? 0,
      );

    // As if a reconcile had lost a race: a stream nobody wants. Its own run removes it, unpolled.
    // (The orders job is as wanted: its runs leave the store's jobs alone.)
    await instance.scheduler.schedule.reconcile('store-i', [
      { stream: 'orders', system: 'MIRAKL', intervalMinutes: 1 },
      { stream: 'inventory', system: 'SHIPBOB', intervalMinutes: 1 },
    ]);
    // The skip is counted after the run that made it: wait for the count, not for a tick.
    await eventually(
      async () =>
        /scheduler_polls_skipped_total\{stream="inventory"[^}]*\} [1-9]/.test(
          await (await opsGet('/metrics')).text(),
        ),
      'the unwanted stream counted as skipped',
    );
    await eventually(async () => {
      const jobs = await jobsOf('store-i');
      return jobs.length === 1 && jobs[0]!.stream === 'orders';
    }, 'the unwanted job removed by its own run');

    // A wrong interval on the wanted job: its next run corrects it.
    const healsBefore = await selfHeals();
    const alterInterval = () =>
      h.mongo.db
        .collection('scheduler_jobs')
        .updateOne(
          { name: JOB_NAMES.poll, 'data.storeId': 'store-i' },
          { $set: { 'data.intervalMinutes': 7 } },
        );
    await alterInterval();
    // The job's own run saves its state meanwhile, and FerretDB applies two updates of one
    // document at once as if each were alone: the alteration may be lost, the interval right
    // again without any correction. Then the test alters it once more.
    await eventually(async () => {
      if ((await selfHeals()) > healsBefore) return true;
      const jobs = await jobsOf('store-i');
      if (jobs.length === 1 && jobs[0]!.intervalMinutes === 1) await alterInterval();
      return false;
    }, 'the correction counted as a self-heal');
    await eventually(async () => {
      const jobs = await jobsOf('store-i');
      return jobs.length === 1 && jobs[0]!.stream === 'orders' && jobs[0]!.intervalMinutes === 1;
    }, 'the job corrected by its own run');
    expect(h.pollsOf('store-i', 'inventory')).toEqual([]);
  });

  it('requests the daily report of every connected store with an address, for its New York day', async () => {
    await h.configure('store-f', { reportEmail: 'ops-f@example.com' });
    await h.configure('store-g', { reportEmail: null });
    await h.configure('store-h', { reportEmail: 'ops-h@example.com' });
    await h.configure('store-h', { status: 'DISCONNECTED' });
    await eventually(
      async () =>
        (await h.mongo.db.collection('scheduler_stores').findOne({ _id: 'store-h' as never }))?.[
          'status'
        ] === 'DISCONNECTED',
      'configurations applied',
    );
    // Make the 09:00 New York job due now rather than waiting for it.
    const due = new Date();
    await h.mongo.db
      .collection('scheduler_jobs')
      .updateOne({ name: JOB_NAMES.dailyReport }, { $set: { nextRunAt: due } });
    await eventually(() => h.reports.length >= 1, 'report requested');
    await eventually(async () => {
      const [report] = ((await (await opsGet('/jobs')).json()) as { jobs: JobView[] }).jobs.filter(
        (j) => j.job === JOB_NAMES.dailyReport,
      );
      return report !== undefined && Date.parse(report.nextRunAt!) > due.getTime();
    }, 'report job rescheduled');

    const reportTime = dailyTimeAtOrBefore(new Date());
    const day = calendarDay(reportTime);
    expect(h.reports.map((r) => r.envelope.storeId)).toEqual(['store-f']);
    expect(h.reports[0]).toMatchObject({
      reportDate: day,
      timeZone: 'America/New_York',
      envelope: { idempotencyKey: `scheduler:store-f:report:${day}`, source: 'scheduler' },
    });
    const [report] = ((await (await opsGet('/jobs')).json()) as { jobs: JobView[] }).jobs.filter(
      (j) => j.job === JOB_NAMES.dailyReport,
    );
    expect(report!.nextRunAt).toBe(dailyTimeAfter(reportTime).toISOString());
  });

  it('shows its jobs to operators: JSON, metrics and a read-only agendash', async () => {
    const jobs = ((await (await opsGet('/jobs')).json()) as { jobs: JobView[] }).jobs;
    expect(jobs.map((j) => j.job)).toEqual(
      expect.arrayContaining([JOB_NAMES.poll, JOB_NAMES.dailyReport, JOB_NAMES.pruneClaims]),
    );
    expect(jobs.find((j) => j.store === TICKER)).toMatchObject({
      stream: 'orders',
      intervalMinutes: 1,
      lastError: null,
    });

    const metrics = await (await opsGet('/metrics')).text();
    expect(metrics).toMatch(/scheduler_poll_jobs\{stream="orders"[^}]*\} [1-9]/);
    expect(metrics).toMatch(
      /scheduler_polls_requested_total\{stream="orders",system="MIRAKL"[^}]*\} [1-9]/,
    );
    expect(metrics).toMatch(
      /scheduler_reconcile_duration_seconds_count\{[^}]*trigger="config-event"[^}]*\} [1-9]/,
    );

    const dashboard = await opsGet('/agendash/');
    expect(dashboard.status).toBe(200);
    expect(dashboard.headers.get('content-type')).toMatch(/^text\/html/);
    const api = (await (await opsGet(`/agendash/api?job=${JOB_NAMES.poll}`)).json()) as {
      jobs: unknown[];
    };
    expect(api.jobs.length).toBeGreaterThan(0);
    const deletion = await fetch(`http://127.0.0.1:${ops.port}/agendash/api/jobs/delete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jobIds: [] }),
    });
    expect(deletion.status).toBe(405);
  });
});
