import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { rotateLog } from './exec.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'msync-log-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('rotateLog', () => {
  it('moves a log past the limit to <log>.1, replacing the previous one', () => {
    const log = join(dir, 'kafka.log');
    writeFileSync(`${log}.1`, 'older');
    writeFileSync(log, 'x'.repeat(11));

    expect(rotateLog(log, 10)).toBe(true);

    expect(existsSync(log)).toBe(false);
    expect(readFileSync(`${log}.1`, 'utf8')).toBe('x'.repeat(11));
  });

  it('keeps a log within the limit, and does nothing when there is none', () => {
    const log = join(dir, 'kafka.log');
    writeFileSync(log, 'x'.repeat(10));

    expect(rotateLog(log, 10)).toBe(false);
    expect(rotateLog(join(dir, 'absent.log'), 10)).toBe(false);

    expect(readFileSync(log, 'utf8')).toBe('x'.repeat(10));
    expect(existsSync(`${log}.1`)).toBe(false);
  });
});
