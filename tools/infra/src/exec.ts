import { spawn, spawnSync } from 'node:child_process';
import { openSync, closeSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/** Thrown when a prerequisite tool is missing; the message says what to install. */
export class PrerequisiteError extends Error {
  override name = 'PrerequisiteError';
}

/** Runs a command to completion, streaming nothing; throws with its output tail on failure. */
export async function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; label: string },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (error) =>
      reject(new PrerequisiteError(`${options.label}: cannot run ${command}: ${error.message}`)),
    );
    child.on('close', (code) => {
      if (code === 0) resolve(output);
      else
        reject(
          new Error(
            `${options.label} failed (exit ${code}):\n${output.split('\n').slice(-30).join('\n')}`,
          ),
        );
    });
  });
}

/** A user and group to run a process as (a server that refuses to run as root). */
export interface UserIds {
  uid: number;
  gid: number;
}

/** A server's log past this size is moved to `<log>.1` at the server's next start. */
export const LOG_ROTATE_BYTES = 64 * 1024 * 1024;

/** Moves a large log aside (replacing the previous one), so logs kept between runs stay bounded. */
export function rotateLog(logFile: string, maxBytes = LOG_ROTATE_BYTES): boolean {
  let size: number;
  try {
    size = statSync(logFile).size;
  } catch {
    return false;
  }
  if (size <= maxBytes) return false;
  renameSync(logFile, `${logFile}.1`);
  return true;
}

/** Starts a long-running server detached from us, its output appended to `logFile` (rotated first); returns its pid. */
export function startDetached(
  command: string,
  args: string[],
  options: { cwd?: string; logFile: string; env?: NodeJS.ProcessEnv; user?: UserIds },
): number {
  mkdirSync(dirname(options.logFile), { recursive: true });
  rotateLog(options.logFile);
  const fd = openSync(options.logFile, 'a');
  try {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      detached: true,
      stdio: ['ignore', fd, fd],
      ...options.user,
    });
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${command}`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/** The major version of a Java runtime, or undefined when it cannot run. */
export function javaMajor(javaBin: string): number | undefined {
  // The environment is passed explicitly: spawnSync's default is the process's original one,
  // which is not the environment a caller (or a test) may have changed since.
  const result = spawnSync(javaBin, ['-version'], { encoding: 'utf8', env: process.env });
  if (result.error || result.status !== 0) return undefined;
  const match = /version "(\d+)(?:\.(\d+))?/.exec(result.stderr + result.stdout);
  if (!match) return undefined;
  const major = Number(match[1]);
  return major === 1 ? Number(match[2]) : major;
}

/** True when `command --version` (or the given args) runs. */
export function hasCommand(command: string, args = ['--version']): boolean {
  const result = spawnSync(command, args, { encoding: 'utf8', env: process.env });
  return !result.error && result.status === 0;
}
