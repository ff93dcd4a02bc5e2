import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { kafka, mongo, smtp, findJava, registry } from './components.js';
import { PrerequisiteError } from './exec.js';
import { ports } from './paths.js';

// A fresh cache (nothing installed) and a PATH that has node and sh but no mvn, go or java.
let dir: string;
let savedPath: string | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'msync-prereq-'));
  const bin = join(dir, 'bin');
  savedPath = process.env['PATH'];
  mkdirSync(bin);
  symlinkSync(process.execPath, join(bin, 'node'));
  symlinkSync('/bin/sh', join(bin, 'sh'));
  process.env['PATH'] = bin;
});
afterEach(() => {
  process.env['PATH'] = savedPath;
  rmSync(dir, { recursive: true, force: true });
});

const ctx = () => ({
  cache: join(dir, 'cache'),
  state: join(dir, 'state'),
  ports: ports({}),
  log: () => undefined,
});

describe('provisioner prerequisites', () => {
  it('names Maven when it is missing', async () => {
    const error = await kafka.install(ctx()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PrerequisiteError);
    expect((error as Error).message).toMatch(/(Maven|Java 17)/);
    if (findJava(17)) expect((error as Error).message).toMatch(/install Maven/);
  });

  it('names Go when it is missing, for FerretDB and Mailpit', async () => {
    for (const component of [mongo, smtp]) {
      const error = await component.install(ctx()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PrerequisiteError);
      expect((error as Error).message).toMatch(/Go 1\.22\+ is required/);
    }
  });

  it('names Java 21 or Maven for the registry', async () => {
    const error = await registry.install(ctx()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PrerequisiteError);
    expect((error as Error).message).toMatch(findJava(21) ? /install Maven/ : /Java 21 or newer/);
  });
});
