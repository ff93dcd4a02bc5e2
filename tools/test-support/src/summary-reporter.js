import process from 'node:process';

/**
 * Prints one plain closing line, `tests: N passed, N failed, N skipped`, after every run. A test
 * file that failed to load counts as one failure.
 * @implements {import('@jest/reporters').Reporter}
 */
export default class SummaryReporter {
  /** @param {unknown} _globalConfig @param {unknown} _options */
  constructor(_globalConfig, _options) {}

  /** @param {unknown} _contexts @param {import('@jest/test-result').AggregatedResult} results */
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `tests: ${results.numPassedTests} passed, ${failed} failed, ${skipped} skipped`;
    // Printed once everything else is out, so it is the run's closing line.
    process.once('exit', () => process.stdout.write(`\n${line}\n`));
  }

  getLastError() {
    return undefined;
  }
}
