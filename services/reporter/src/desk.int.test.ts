import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { capturingLogger } from '@msync/test-support';
import { createMetricsRegistry, startOpsServer, type OpsServer } from '@msync/platform';
import {
  HOUR,
  eventually,
  reporterHarness,
  type ReporterHarness,
  type RunningReporter,
} from './test-support/harness.js';

// The report routes on the reporter's ops port (ADR 0072), on real Kafka, registry, FerretDB
// and Mailpit: preview, test send (rate-limited, not the day's report), history.

let h: ReporterHarness;
let reporter: RunningReporter;
let ops: OpsServer;

const call = async (method: 'GET' | 'POST', path: string) => {
  const response = await fetch(`http://127.0.0.1:${ops.port}${path}`, { method });
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    retryAfter: response.headers.get('retry-after'),
    body: (await response.json()) as Record<string, unknown>,
  };
};

beforeAll(async () => {
  h = await reporterHarness();
  reporter = await h.startReporter({ testReportIntervalMs: 10 * 60_000 });
  ops = await startOpsServer({
    port: 0,
    host: '127.0.0.1',
    registry: createMetricsRegistry('reporter_desk_test'),
    logger: capturingLogger('error').logger,
    checks: [],
    routes: reporter.reporter.opsRoutes,
  });
});

afterAll(async () => {
  await ops?.close();
  await h?.close();
});

describe('the seller-facing report routes', () => {
  it("previews, sends a test that is neither the day's report nor blocks it, and lists the history", async () => {
    const store = await h.addStore({ name: 'Sunrise Goods' });
    const now = Date.now();
    for (const id of ['301', '302'])
      await h.returnUpdated(store.storeId, {
        returnId: id,
        status: 'Completed',
        completedAt: now - HOUR,
        updatedAt: now - HOUR,
        actionTaken: 'Restocked',
      });
    const base = `/reports/${encodeURIComponent(store.storeId)}`;

    // The reporter reads the store's configuration and the returns from Kafka.
    let preview = await call('GET', `${base}/preview`);
    await eventually(async () => {
      preview = await call('GET', `${base}/preview`);
      return preview.status === 200 && preview.body['returnCount'] === 2;
    }, 'the preview with both returns');
    expect(preview.body).toMatchObject({
      subject: expect.stringMatching(/^Completed returns: Sunrise Goods, \d{4}-\d{2}-\d{2} \(2\)$/),
      to: store.email,
      timeZone: 'America/New_York',
    });
    expect(preview.body['html']).toContain('MKP-302');

    const sent = await call('POST', `${base}/test`);
    expect(sent.status).toBe(200);
    expect(sent.body['subject']).toBe(`[Test] ${String(preview.body['subject'])}`);
    const again = await call('POST', `${base}/test`);
    expect(again.status).toBe(429);
    expect(again.type).toContain('application/problem+json');
    expect(Number(again.retryAfter)).toBeGreaterThan(0);

    // The day's report still goes out, with the same returns.
    const command = await h.requestReport(store.storeId);
    await eventually(() => h.reportOutcomes(store.storeId).length === 1, 'the report outcome');
    const mails = await h.mail.received(store.email, 2);
    expect(mails.map((m) => m.Subject)).toEqual([
      `[Test] Completed returns: Sunrise Goods, ${command.reportDate} (2)`,
      `Completed returns: Sunrise Goods, ${command.reportDate} (2)`,
    ]);
    expect(mails[0]!.Text).toContain('This is a test');

    await eventually(async () => {
      const history = await call('GET', `${base}/history`);
      return (history.body['reports'] as unknown[]).length === 1;
    }, 'the history');
    const history = await call('GET', `${base}/history?limit=5`);
    expect(history.body['reports']).toEqual([
      expect.objectContaining({
        reportDate: command.reportDate,
        result: 'SENT',
        reason: null,
        returnCount: 2,
        to: store.email,
      }),
    ]);
    // After the report, the preview has nothing left to list.
    expect((await call('GET', `${base}/preview`)).body['returnCount']).toBe(0);
  });

  it('answers problem+json for an unknown store, a store without address and a bad limit', async () => {
    const unknown = await call('GET', '/reports/no-such-store/preview');
    expect(unknown.status).toBe(404);
    expect(unknown.type).toContain('application/problem+json');

    const store = await h.addStore();
    await h.configure(store, { reportEmail: null });
    const base = `/reports/${encodeURIComponent(store.storeId)}`;
    await eventually(
      async () => (await call('GET', `${base}/preview`)).body['to'] === null,
      'the configuration without address',
    );
    const noAddress = await call('POST', `${base}/test`);
    expect(noAddress.status).toBe(409);
    expect(noAddress.body['detail']).toContain('reportEmail');

    const bad = await call('GET', `${base}/history?limit=abc`);
    expect(bad.status).toBe(400);
    expect(bad.body['detail']).toContain('limit');
  });
});
