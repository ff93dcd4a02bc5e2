/**
 * `npm run bench -- <name>`: runs the benchmark in `bench/<name>/main.ts` and prints its table.
 * Benchmarks use the infrastructure given by KAFKA_BROKERS / SCHEMA_REGISTRY_URL, or start it
 * with tools/infra like the tests do.
 *
 * A benchmark whose own process needs V8 flags (`nodeFlags`, e.g. the catalog's simulators) is
 * started again with those the command line and NODE_OPTIONS do not already set.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { missingNodeFlags } from './support.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const available = readdirSync(here).filter((name) => existsSync(`${here}/${name}/main.ts`));
const name = process.argv[2];

if (!name || !available.includes(name)) {
  process.stderr.write(`usage: npm run bench -- <${available.join('|')}>\n`);
  process.exit(2);
}
const bench = (await import(`./${name}/main.ts`)) as {
  main: (args: string[]) => Promise<void>;
  nodeFlags?: readonly string[];
};
const missing = missingNodeFlags(
  bench.nodeFlags ?? [],
  process.execArgv,
  process.env['NODE_OPTIONS'],
);
if (missing.length === 0) {
  await bench.main(process.argv.slice(3));
} else {
  const child = spawn(
    process.execPath,
    [...missing, ...process.execArgv, ...process.argv.slice(1)],
    {
      stdio: 'inherit',
    },
  );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) =>
    process.exit(code ?? (signal ? 128 + constants.signals[signal] : 1)),
  );
}
