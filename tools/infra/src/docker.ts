import { fileURLToPath } from 'node:url';
import { run } from './exec.js';
import { context, resolveEnv, type UpResult } from './infra.js';

const composeFile = fileURLToPath(new URL('../../../docker-compose.yml', import.meta.url));

/** Starts the infrastructure services of docker-compose.yml (same ports as the local provisioner). */
export async function composeUp(): Promise<UpResult> {
  await run(
    'docker',
    ['compose', '-f', composeFile, 'up', '-d', '--wait', 'kafka', 'registry', 'mongo', 'smtp'],
    {
      label: 'docker compose up',
    },
  );
  return {
    env: resolveEnv(context(), {}),
    started: ['kafka', 'registry', 'mongo', 'smtp'],
    mode: 'docker',
  };
}

/** Stops the compose services (volumes are kept). */
export async function composeDown(): Promise<void> {
  await run('docker', ['compose', '-f', composeFile, 'stop'], { label: 'docker compose stop' });
}
