#!/usr/bin/env node
/**
 * The compose file's one-shot jobs (docker-compose.yml), run from the service image:
 *   backbone   local secrets made once into MSYNC_STATE_DIR (one file per variable), the
 *              catalog's topics created and every schema registered; the services start after it
 *   demo       the demo tenant and store through config-api's API, one poll at once, and the
 *              table of where to look (`docker compose --profile demo up`)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { createKafka, createPublisher, EventCodec, RegistryClient } from '@msync/events';
import { createLogger, errorMessage, loadConfig } from '@msync/platform';
import {
  composeSecretFiles,
  demoRows,
  LOCAL_PARTITIONS,
  MIRAKL_SIM_PORT,
  newLocalSecrets,
  prepareBackbone,
  setUpDemo,
} from './demo.js';

const DEMO_TENANT_TOKEN = 'DEMO_TENANT_TOKEN';

const settings = z.object({
  KAFKA_BROKERS: z.string().min(1),
  SCHEMA_REGISTRY_URL: z.url(),
  MSYNC_STATE_DIR: z.string().min(1),
  TOPIC_PARTITIONS: z.coerce.number().int().min(1).default(LOCAL_PARTITIONS),
  /** config-api's HTTP API as this job reaches it (demo). */
  CONFIG_API_URL: z.url().default('http://config-api:8081'),
  /** The Mirakl simulator as config-api, the pollers and the applier reach it (demo). */
  MIRAKL_SIM_URL: z.url().default(`http://mirakl-sim:${MIRAKL_SIM_PORT}`),
});

const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(command: string | undefined): Promise<number> {
  const config = loadConfig(settings);
  const logger = createLogger({ level: 'warn', bindings: { service: `compose-${command}` } });
  const kafka = createKafka({
    brokers: config.KAFKA_BROKERS.split(','),
    clientId: 'compose-setup',
    logger,
  });
  const file = (name: string) => join(config.MSYNC_STATE_DIR, name);
  const read = (name: string) =>
    existsSync(file(name)) ? readFileSync(file(name), 'utf8').trim() : undefined;

  switch (command) {
    case 'backbone': {
      mkdirSync(config.MSYNC_STATE_DIR, { recursive: true });
      // Made once and kept in the volume: secrets stored by an earlier run still decrypt.
      for (const [name, value] of Object.entries(composeSecretFiles(newLocalSecrets()))) {
        if (read(name) === undefined) writeFileSync(file(name), value, { mode: 0o600 });
      }
      const backbone = await prepareBackbone({
        kafka,
        schemaRegistryUrl: config.SCHEMA_REGISTRY_URL,
        logger,
        partitions: config.TOPIC_PARTITIONS,
      });
      say(`${backbone.topics} topics ready, ${backbone.schemas} schemas registered`);
      return 0;
    }
    case 'demo': {
      const adminToken = read('ADMIN_BOOTSTRAP_TOKEN');
      if (!adminToken) throw new Error(`no admin token in ${config.MSYNC_STATE_DIR}: run backbone`);
      const publisher = createPublisher({
        kafka,
        codec: new EventCodec(new RegistryClient(config.SCHEMA_REGISTRY_URL)),
        logger,
      });
      await publisher.connect();
      try {
        const demo = await setUpDemo({
          apiUrl: config.CONFIG_API_URL,
          adminToken,
          savedTenantToken: read(DEMO_TENANT_TOKEN),
          miraklUrl: config.MIRAKL_SIM_URL,
          publisher,
        });
        if (typeof demo.tenant !== 'string')
          writeFileSync(file(DEMO_TENANT_TOKEN), demo.tenant.token, { mode: 0o600 });
        const rows = [
          ['config-api UI', 'http://127.0.0.1:8081/  (sign in with a token below)'],
          ...demoRows(demo, adminToken, config.MIRAKL_SIM_URL),
          ['services', 'http://127.0.0.1:9101/readyz … 9106 (/metrics, /healthz)'],
          ['mail (Mailpit UI)', 'http://127.0.0.1:18025'],
        ];
        say('\nThe demo is set up. Where to look:');
        for (const [name, where] of rows) say(`  ${name!.padEnd(19)} ${where}`);
        return typeof demo.store === 'string' ? 1 : 0;
      } finally {
        await publisher.disconnect();
      }
    }
    default:
      process.stderr.write('usage: compose-setup backbone|demo\n');
      return 2;
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`compose setup failed: ${errorMessage(error)}\n`);
    process.exit(1);
  },
);
