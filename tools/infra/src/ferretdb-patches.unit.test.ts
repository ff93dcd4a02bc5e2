import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  applySourcePatches,
  FERRETDB_PATCHES,
  patchSetId,
  type SourcePatch,
} from './ferretdb-patches.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'msync-patch-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const write = (file: string, text: string) => {
  mkdirSync(dirname(join(root, file)), { recursive: true });
  writeFileSync(join(root, file), text);
};
const read = (file: string) => readFileSync(join(root, file), 'utf8');
const patch = (find: string, replace: string): SourcePatch => ({
  file: 'a/b.go',
  find,
  replace,
  why: 'test',
});

describe('applySourcePatches', () => {
  it('replaces the text of each patch, leaving the rest of the file as it was', () => {
    write('a/b.go', 'const (\n\tX = 1\n\tY = "two"\n)\n');

    applySourcePatches(root, [patch('X = 1', 'X = 3'), patch('Y = "two"', 'Y = "four"')]);

    expect(read('a/b.go')).toBe('const (\n\tX = 3\n\tY = "four"\n)\n');
  });

  it('stops naming the file and the text when the text is missing or there twice', () => {
    write('a/b.go', 'X = 1\nX = 1\n');

    expect(() => applySourcePatches(root, [patch('Z = 1', 'Z = 2')])).toThrow(
      'cannot patch a/b.go: text not found: Z = 1',
    );
    expect(() => applySourcePatches(root, [patch('X = 1', 'X = 2')])).toThrow(
      'cannot patch a/b.go: text found more than once: X = 1',
    );
    expect(read('a/b.go')).toBe('X = 1\nX = 1\n');
  });
});

describe("FerretDB's patches (ADR 0184)", () => {
  it("filter the SQLite backend's _id with its index's expression", () => {
    write(
      'internal/backends/sqlite/metadata/metadata.go',
      `\t// IDColumn is a SQLite path expression for _id field.\n\tIDColumn = DefaultColumn + "->'$._id'"\n`,
    );

    applySourcePatches(root, FERRETDB_PATCHES);

    expect(read('internal/backends/sqlite/metadata/metadata.go')).toContain(
      `IDColumn = DefaultColumn + "->'_id'"`,
    );
  });

  it('name a binary of their own: another patch set builds another one', () => {
    expect(patchSetId()).toMatch(/^[0-9a-f]{8}$/);
    expect(patchSetId()).toBe(patchSetId([...FERRETDB_PATCHES]));
    expect(patchSetId([...FERRETDB_PATCHES, patch('X = 1', 'X = 2')])).not.toBe(patchSetId());
    expect(patchSetId([{ ...FERRETDB_PATCHES[0]!, why: 'reworded' }])).toBe(patchSetId());
  });
});
