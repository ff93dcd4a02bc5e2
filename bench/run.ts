/**
 * `npm run bench -- <name>`: runs the benchmark in `bench/<name>/main.ts` and prints its table.
 * Benchmarks use the infrastructure given by KAFKA_BROKERS / SCHEMA_REGISTRY_URL, or start it
 * with tools/infra like the tests do.
 */
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const available = readdirSync(here).filter((name) => existsSync(`${here}/${name}/main.ts`));
const name = process.argv[2];

if (!name || !available.includes(name)) {
  process.stderr.write(`usage: npm run bench -- <${available.join('|')}>\n`);
  process.exit(2);
}
const bench = (await import(`./${name}/main.ts`)) as { main: (args: string[]) => Promise<void> };
await bench.main(process.argv.slice(3));
