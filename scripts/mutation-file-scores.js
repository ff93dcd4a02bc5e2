import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import stryker from '../stryker.config.js';

// Stryker's `thresholds.break` judges the total score only, where a new file's 40 % hides among
// hundreds of killed mutants. This applies the same threshold to every mutated file, after
// `stryker run`, from its JSON report.

const root = join(import.meta.dirname, '..');
const threshold = stryker.thresholds.break;
const report = JSON.parse(readFileSync(join(root, stryker.jsonReporter.fileName), 'utf8'));

const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

const below = [];
for (const [file, { mutants }] of Object.entries(report.files)) {
  const detected = mutants.filter((m) => DETECTED.has(m.status)).length;
  const valid = detected + mutants.filter((m) => UNDETECTED.has(m.status)).length;
  const score = valid === 0 ? 100 : (100 * detected) / valid;
  if (score < threshold) below.push(`${file}: ${score.toFixed(2)} %`);
}

if (below.length > 0) {
  process.stderr.write(
    `Mutation score below ${threshold} % in:\n  ${below.join('\n  ')}\n` +
      'Open reports/mutation/index.html, then kill the survivors with unit tests (or mark a truly ' +
      'equivalent mutant with `// Stryker disable next-line <mutator>: <reason>`).\n',
  );
  process.exit(1);
}
process.stdout.write(`Every mutated file scores at least ${threshold} %.\n`);
