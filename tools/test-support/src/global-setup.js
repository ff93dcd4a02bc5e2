import { spawn } from 'node:child_process';
import { join } from 'node:path';
import process from 'node:process';
import { createInterface } from 'node:readline';

const child = join(import.meta.dirname, 'infra-process.ts');

/**
 * Jest global setup of the int and e2e projects: real servers (see infra-setup.ts), their
 * variables put in the environment, which test workers inherit. The provisioner runs in a child
 * process, so it is TypeScript from source like the tests; it stays until the global teardown.
 */
export default async function globalSetup() {
  if (globalThis.__msyncInfra) return;
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx/esm', '--conditions=source', '--disable-warning=ExperimentalWarning', child],
    { stdio: ['pipe', 'pipe', 'inherit'], env: process.env },
  );
  const exited = new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
  const firstLine = await new Promise((resolve, reject) => {
    const lines = createInterface({ input: proc.stdout });
    lines.once('line', (line) => resolve(line));
    proc.once('exit', (code) => reject(new Error(`infrastructure setup failed (exit ${code})`)));
  });
  Object.assign(process.env, JSON.parse(firstLine));
  globalThis.__msyncInfra = { proc, exited };
}
