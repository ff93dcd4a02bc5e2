import { fileURLToPath } from 'node:url';
import { run } from './exec.js';
import { context, resolveEnv, type UpResult } from './infra.js';

const composeFile = fileURLToPath(new URL('../../../docker-compose.yml', import.meta.url));

/**
 * The infrastructure among docker-compose.yml's services: named on the command line, so `up`
 * starts them alone, not the product's services or the demo.
 */
export const INFRA_SERVICES = ['kafka', 'registry', 'mongo', 'smtp'] as const;

/** Starts the infrastructure services of docker-compose.yml (same ports as the local provisioner). */
export async function composeUp(): Promise<UpResult> {
  await run('docker', ['compose', '-f', composeFile, 'up', '-d', '--wait', ...INFRA_SERVICES], {
    label: 'docker compose up',
  });
  return { env: resolveEnv(context(), {}), started: [...INFRA_SERVICES], mode: 'docker' };
}

/** Stops the compose services (volumes are kept). */
export async function composeDown(): Promise<void> {
  await run('docker', ['compose', '-f', composeFile, 'stop'], { label: 'docker compose stop' });
}
