import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One change to FerretDB's source before it is built: `find` replaced by `replace`, once. */
export interface SourcePatch {
  /** The file, relative to the module's root. */
  file: string;
  find: string;
  replace: string;
  why: string;
}

/**
 * What the FerretDB the project builds changes in FerretDB's source (ADR 0184). Each patch must
 * find its text exactly once, or the build stops naming it: a FerretDB version that changed the
 * code is looked at again, not built half-patched.
 */
export const FERRETDB_PATCHES: readonly SourcePatch[] = [
  {
    file: 'internal/backends/sqlite/metadata/metadata.go',
    find: `IDColumn = DefaultColumn + "->'$._id'"`,
    replace: `IDColumn = DefaultColumn + "->'_id'"`,
    why: "SQLite backend: the _id index is on `_ferretdb_sjson->\"_id\"`; lookups, updates and deletes by _id filter on `->'$._id'`, the same value in another spelling, which SQLite does not match to the index, so each of them read and parsed every document of the collection. `->'_id'` is the index's expression.",
  },
];

/** Names the patch set, so a build with other patches goes to another binary. */
export function patchSetId(patches: readonly SourcePatch[] = FERRETDB_PATCHES): string {
  return createHash('sha256')
    .update(JSON.stringify(patches.map(({ file, find, replace }) => [file, find, replace])))
    .digest('hex')
    .slice(0, 8);
}

/** Applies `patches` to the source tree at `root`; throws naming a patch whose text is not there once. */
export function applySourcePatches(root: string, patches: readonly SourcePatch[]): void {
  for (const patch of patches) {
    const path = join(root, patch.file);
    const text = readFileSync(path, 'utf8');
    const at = text.indexOf(patch.find);
    if (at < 0 || text.indexOf(patch.find, at + 1) >= 0) {
      throw new Error(
        `cannot patch ${patch.file}: ${at < 0 ? 'text not found' : 'text found more than once'}: ${patch.find}`,
      );
    }
    writeFileSync(path, text.slice(0, at) + patch.replace + text.slice(at + patch.find.length));
  }
}
