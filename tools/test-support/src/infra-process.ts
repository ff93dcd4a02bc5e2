import { createInterface } from 'node:readline';
import { errorMessage } from '@msync/platform';
import { provideInfra } from './infra-setup.js';

// Run by the jest global setup as a child process (TypeScript through tsx, workspace sources
// through the `source` condition): prints the infrastructure's variables as one JSON line, then
// stays until it reads `down` (or its stdin closes) and stops what it started.
try {
  const { env, teardown } = await provideInfra();
  process.stdout.write(`${JSON.stringify(env)}\n`);
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) if (line.trim() === 'down') break;
  await teardown();
  process.exit(0);
} catch (error) {
  process.stderr.write(`[infra] ${errorMessage(error)}\n`);
  process.exit(1);
}
