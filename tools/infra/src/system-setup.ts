#!/usr/bin/env node
/**
 * One-shot setup jobs run from the image (docker-compose.yml's `setup` and `demo-setup`, the
 * Kubernetes Jobs of k8s/); each argument is a step, run in order:
 *   secrets   local secrets made once into MSYNC_STATE_DIR, one file per variable (compose only:
 *             on Kubernetes the Secret msync-secrets is made outside the repository)
 *   topics    the catalog's topics created (TOPIC_PARTITIONS, else the catalog's counts) and
 *             every schema registered; safe to run again
 *   demo      the demo tenant and store through config-api's API, one poll at once, and the
 *             table of where to look (ADMIN_BOOTSTRAP_TOKEN, else the secrets step's file)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import {
  createKafka,
  createPublisher,
  eventBackboneEnv,
  EventCodec,
  RegistryClient,
} from '@msync/events';
import { createLogger, errorMessage, loadConfig, type Logger } from '@msync/platform';
import {
  composeSecretFiles,
  demoRows,
  MIRAKL_SIM_PORT,
  newLocalSecrets,
  prepareBackbone,
  setUpDemo,
} from './demo.js';

const STEPS = ['secrets', 'topics', 'demo'] as const;
type Step = (typeof STEPS)[number];
const DEMO_TENANT_TOKEN = 'DEMO_TENANT_TOKEN';

const settings = z.object({
  KAFKA_BROKERS: z.string().min(1),
  SCHEMA_REGISTRY_URL: z.url(),
  TOPIC_NAMESPACE: eventBackboneEnv.shape.TOPIC_NAMESPACE,
  /** Where the secrets step keeps its files (compose's msync-state volume). */
  MSYNC_STATE_DIR: z.string().min(1).optional(),
  TOPIC_PARTITIONS: z.coerce.number().int().min(1).optional(),
  ADMIN_BOOTSTRAP_TOKEN: z.string().min(1).optional(),
  /** config-api's HTTP API as this job reaches it (demo). */
  CONFIG_API_URL: z.url().default('http://config-api:8081'),
  /** The Mirakl simulator as config-api, the pollers and the applier reach it (demo). */
  MIRAKL_SIM_URL: z.url().default(`http://mirakl-sim:${MIRAKL_SIM_PORT}`),
});
type Settings = z.infer<typeof settings>;

const say = (line: string) => process.stdout.write(`${line}\n`);

/** The state directory's files: one secret or token per file, named after its variable. */
function stateFiles(dir: string | undefined) {
  const path = (name: string) => {
    if (!dir) throw new Error('MSYNC_STATE_DIR is not set');
    return join(dir, name);
  };
  return {
    read: (name: string) =>
      dir && existsSync(path(name)) ? readFileSync(path(name), 'utf8').trim() : undefined,
    write: (name: string, value: string) => {
      const file = path(name);
      mkdirSync(dir!, { recursive: true });
      writeFileSync(file, value, { mode: 0o600 });
    },
  };
}

async function run(step: Step, config: Settings, logger: Logger): Promise<boolean> {
  const files = stateFiles(config.MSYNC_STATE_DIR);
  const kafka = createKafka({
    brokers: config.KAFKA_BROKERS.split(','),
    clientId: 'system-setup',
    logger,
  });
  switch (step) {
    case 'secrets':
      // Made once and kept: secrets stored by an earlier run still decrypt.
      for (const [name, value] of Object.entries(composeSecretFiles(newLocalSecrets())))
        if (files.read(name) === undefined) files.write(name, value);
      say(`secrets ready in ${config.MSYNC_STATE_DIR}`);
      return true;
    case 'topics': {
      const backbone = await prepareBackbone({
        kafka,
        schemaRegistryUrl: config.SCHEMA_REGISTRY_URL,
        logger,
        partitions: config.TOPIC_PARTITIONS,
        namespace: config.TOPIC_NAMESPACE,
      });
      say(`${backbone.topics} topics ready, ${backbone.schemas} schemas registered`);
      return true;
    }
    case 'demo': {
      const adminToken = config.ADMIN_BOOTSTRAP_TOKEN ?? files.read('ADMIN_BOOTSTRAP_TOKEN');
      if (!adminToken) throw new Error('no admin token: set ADMIN_BOOTSTRAP_TOKEN or run secrets');
      const publisher = createPublisher({
        kafka,
        codec: new EventCodec(
          new RegistryClient(config.SCHEMA_REGISTRY_URL),
          config.TOPIC_NAMESPACE,
        ),
        logger,
        namespace: config.TOPIC_NAMESPACE,
      });
      await publisher.connect();
      try {
        const demo = await setUpDemo({
          apiUrl: config.CONFIG_API_URL,
          adminToken,
          savedTenantToken: files.read(DEMO_TENANT_TOKEN),
          miraklUrl: config.MIRAKL_SIM_URL,
          publisher,
        });
        if (typeof demo.tenant !== 'string' && config.MSYNC_STATE_DIR)
          files.write(DEMO_TENANT_TOKEN, demo.tenant.token);
        const rows = [
          ['config-api UI', 'http://127.0.0.1:8081/  (sign in with a token below)'],
          ...demoRows(demo, adminToken, config.MIRAKL_SIM_URL),
          ['services', 'http://127.0.0.1:9101/readyz … 9106 (/metrics, /healthz)'],
          ['mail (Mailpit UI)', 'http://127.0.0.1:18025'],
        ];
        say('\nThe demo is set up. Where to look (ports as published by docker-compose.yml):');
        for (const [name, where] of rows) say(`  ${name!.padEnd(19)} ${where}`);
        return typeof demo.store !== 'string';
      } finally {
        await publisher.disconnect();
      }
    }
  }
}

async function main(args: string[]): Promise<number> {
  const steps = args.filter((a): a is Step => (STEPS as readonly string[]).includes(a));
  if (steps.length === 0 || steps.length !== args.length) {
    process.stderr.write(`usage: system-setup ${STEPS.join('|')} [more steps…]\n`);
    return 2;
  }
  const config = loadConfig(settings);
  const logger = createLogger({ level: 'warn', bindings: { service: 'system-setup' } });
  for (const step of steps) if (!(await run(step, config, logger))) return 1;
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`setup failed: ${errorMessage(error)}\n`);
    process.exit(1);
  },
);
