import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { infra } from '@msync/test-support';
import { createReportLedger } from './adapters/mongo-ledger.js';
import { HOUR, eventually, reporterHarness, type ReporterHarness } from './test-support/harness.js';

// The real service process is killed (SIGKILL) while it sends a report: the SMTP server has taken
// the message but its answer is withheld, so the sender cannot know. A new process must not send
// it again: the report is recorded as an uncertain failure, and there is exactly one e-mail.

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
let h: ReporterHarness;
const children: ChildProcess[] = [];

function startProcess() {
  const env = infra();
  const child = spawn(process.execPath, ['--conditions', 'source', '--import', 'tsx', MAIN], {
    env: {
      PATH: process.env['PATH'] ?? '',
      KAFKA_BROKERS: env.KAFKA_BROKERS,
      SCHEMA_REGISTRY_URL: env.SCHEMA_REGISTRY_URL,
      MONGO_URL: env.MONGO_URL,
      MONGO_DB: h.database,
      TOPIC_NAMESPACE: h.namespace,
      SMTP_URL: h.gate.url,
      OPS_PORT: '0',
      OPS_HOST: '127.0.0.1',
      // The withheld answer must outlast the kill; a claim this old is an attempt that died.
      SMTP_TIMEOUT_MS: '120000',
      REPORT_CLAIM_STALE_MS: '3000',
      RETRIER_INTERVAL_MS: '200',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return { child, exited, output: () => out };
}

beforeAll(async () => {
  h = await reporterHarness();
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await h?.close();
});

describe('reporter process killed mid-send', () => {
  it('leaves at most one e-mail and records the report as an uncertain failure', async () => {
    const store = await h.addStore();
    await h.returnUpdated(store.storeId, {
      returnId: '701',
      status: 'Completed',
      completedAt: Date.now() - HOUR,
      updatedAt: Date.now() - HOUR,
    });
    h.gate.holdAfterData = true;
    const first = startProcess();
    const command = await h.requestReport(store.storeId);
    // The server has the message; the sender still waits for its answer.
    await eventually(
      async () => (await h.mail.messagesTo(store.email)).length === 1,
      'the message at the SMTP server',
      60_000,
    );
    const ledger = await createReportLedger(h.mongo.db);
    const midSend = await ledger.read(store.storeId, command.reportDate);
    expect(midSend.claim).not.toBeNull();
    expect(midSend.report).toBeNull();
    first.child.kill('SIGKILL');
    await first.exited;
    h.gate.holdAfterData = false;

    const second = startProcess();
    await eventually(
      () => h.reportOutcomes(store.storeId).length === 1,
      'the outcome after restart',
      60_000,
    );
    expect(h.reportOutcomes(store.storeId)[0]).toMatchObject({
      outcome: 'FAILED',
      reason: 'uncertain',
    });
    await eventually(
      async () => (await ledger.read(store.storeId, command.reportDate)).report?.finished === true,
      'the decision finished',
    );
    expect((await ledger.read(store.storeId, command.reportDate)).report).toMatchObject({
      result: 'FAILED',
      reason: 'uncertain',
    });
    expect(await h.mail.messagesTo(store.email)).toHaveLength(1);
    second.child.kill('SIGTERM');
    await second.exited;
    expect(second.output()).not.toContain('"level":"error"');
  });
});
