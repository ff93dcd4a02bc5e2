import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';
import { createKafka, dlqTopicName, physicalTopic, subjectName, topicKeys } from '@msync/events';
import { capturingLogger, infra, uniqueNamespace, withContext } from '@msync/test-support';

const script = fileURLToPath(new URL('./system-setup.ts', import.meta.url));
const state = mkdtempSync(join(tmpdir(), 'msync-setup-'));
afterAll(() => rmSync(state, { recursive: true, force: true }));

/** The setup program as the compose file and the Kubernetes Jobs run it, with this env only. */
function setup(steps: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', script, ...steps],
      { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('system-setup (the compose and Kubernetes setup jobs)', () => {
  const { KAFKA_BROKERS, SCHEMA_REGISTRY_URL } = infra();

  it('makes the local secrets once, and keeps them on later runs', async () => {
    const env = { KAFKA_BROKERS, SCHEMA_REGISTRY_URL, MSYNC_STATE_DIR: state };
    expect((await setup(['secrets'], env)).code).toBe(0);
    const files = readdirSync(state).sort();
    expect(files).toEqual(['ADMIN_BOOTSTRAP_TOKEN', 'ENCRYPTION_KEYS']);
    const first = files.map((f) => readFileSync(join(state, f), 'utf8'));
    for (const f of files) expect(statSync(join(state, f)).mode & 0o777).toBe(0o600);
    expect((await setup(['secrets'], env)).code).toBe(0);
    expect(files.map((f) => readFileSync(join(state, f), 'utf8'))).toEqual(first);
  });

  it("creates every topic and its DLQ in the services' namespace and registers the schemas", async () => {
    const namespace = uniqueNamespace();
    const env = {
      KAFKA_BROKERS,
      SCHEMA_REGISTRY_URL,
      TOPIC_NAMESPACE: namespace,
      TOPIC_PARTITIONS: '1',
    };
    const run = await setup(['topics'], env);
    expect(run.code).toBe(0);
    expect(run.output).toContain('topics ready');

    const admin = createKafka({
      brokers: KAFKA_BROKERS.split(','),
      clientId: 'setup-test',
      logger: capturingLogger('error').logger,
    }).admin();
    await admin.connect();
    try {
      const names = topicKeys.map((key) => physicalTopic(key, namespace));
      const existing = new Set(await admin.listTopics());
      for (const name of names) {
        expect(existing.has(name)).toBe(true);
        expect(existing.has(dlqTopicName(name))).toBe(true);
      }
      const { topics } = await admin.fetchTopicMetadata({ topics: [names[0]!] });
      expect(topics[0]!.partitions).toHaveLength(1);
    } finally {
      await admin.disconnect();
    }
    for (const key of topicKeys) {
      const subject = subjectName(physicalTopic(key, namespace));
      const versions = await fetch(`${SCHEMA_REGISTRY_URL}/subjects/${subject}/versions`);
      withContext(subject, () => expect(versions.status).toBe(200));
    }

    // Again: nothing to create, still a success.
    expect((await setup(['topics'], env)).code).toBe(0);
  });

  it('refuses an unknown step before doing anything', async () => {
    const run = await setup(['secrets', 'topic'], { KAFKA_BROKERS, SCHEMA_REGISTRY_URL });
    expect(run.code).toBe(2);
    expect(run.output).toContain('usage: system-setup secrets|topics|demo');
  });
});
