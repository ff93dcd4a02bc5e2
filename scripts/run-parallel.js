import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';
import process from 'node:process';

// Runs lanes of npm scripts side by side and fails when any script fails: `npm test`'s checks
// before jest (build, type check, ESLint, Prettier) need nothing from each other, and each alone
// keeps little more than one core busy. An argument is a lane: `a+b` runs `a`, then `b` (after
// `a` succeeded). Each script's output is held and printed whole when it ends, under its name,
// exit status and seconds, so interleaved lines never hide which check said what.

const lanes = process.argv.slice(2).map((lane) => lane.split('+').filter(Boolean));
if (lanes.length === 0 || lanes.some((lane) => lane.length === 0)) {
  process.stderr.write('usage: node scripts/run-parallel.js <npm script>[+<npm script>...]...\n');
  process.exit(2);
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** @param {string} name @returns {Promise<boolean>} whether the script succeeded */
function run(name) {
  const began = Date.now();
  const chunks = [];
  const child = spawn(npm, ['run', '-s', name], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (chunk) => chunks.push(chunk));
  child.stderr.on('data', (chunk) => chunks.push(chunk));
  return new Promise((resolve) => {
    let done = false;
    const finish = (ok, why) => {
      if (done) return;
      done = true;
      const seconds = ((Date.now() - began) / 1000).toFixed(1);
      const output = Buffer.concat(chunks).toString('utf8');
      process.stdout.write(
        `── ${name}: ${why} in ${seconds} s${output.trim() ? `\n${output.trimEnd()}` : ''}\n`,
      );
      resolve(ok);
    };
    child.on('error', (error) => finish(false, `not started (${error.message})`));
    child.on('close', (code, signal) =>
      finish(code === 0, code === 0 ? 'ok' : `failed (${signal ?? `exit ${code}`})`),
    );
  });
}

const failed = [];
await Promise.all(
  lanes.map(async (lane) => {
    for (const name of lane) {
      if (await run(name)) continue;
      failed.push(name);
      return;
    }
  }),
);
if (failed.length > 0) {
  process.stderr.write(`failed: ${failed.join(', ')}\n`);
  process.exit(1);
}
