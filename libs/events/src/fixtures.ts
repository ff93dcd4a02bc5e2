import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { avroType, fixturesDir, loadEventSchema, type AvroSchemaJson } from './schemas.js';

/** One golden fixture: a schema revision as it was registered, a payload, and its exact bytes. */
export interface SchemaRevision {
  revision: number;
  schema: AvroSchemaJson;
  payload: unknown;
  bytes: Buffer;
}

/** Every committed revision of an event schema, oldest first. */
export function revisionsOf(name: string): SchemaRevision[] {
  const dir = join(fixturesDir, name);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((f) => /^r(\d+)\.schema\.json$/.exec(f)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b)
    .map((revision) => ({
      revision,
      schema: JSON.parse(
        readFileSync(join(dir, `r${revision}.schema.json`), 'utf8'),
      ) as AvroSchemaJson,
      payload: JSON.parse(readFileSync(join(dir, `r${revision}.json`), 'utf8')) as unknown,
      bytes: Buffer.from(readFileSync(join(dir, `r${revision}.avro.hex`), 'utf8').trim(), 'hex'),
    }));
}

/** Canonical text of a schema, for "did it change" comparisons. */
export function canonical(schema: AvroSchemaJson): string {
  return JSON.stringify(avroType(schema).schema({ exportAttrs: true }));
}

/**
 * Writes a new golden revision when the current schema differs from the latest committed one.
 * Existing revisions are never rewritten: they are what older producers put on the topics.
 */
export function snapshotRevision(name: string, sample: unknown): SchemaRevision | undefined {
  const schema = loadEventSchema(name);
  const existing = revisionsOf(name);
  const latest = existing.at(-1);
  if (latest && canonical(latest.schema) === canonical(schema)) return undefined;
  const type = avroType(schema);
  const bytes = type.toBuffer(sample);
  const payload = type.fromBuffer(bytes) as unknown;
  const revision = (latest?.revision ?? 0) + 1;
  const dir = join(fixturesDir, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `r${revision}.schema.json`), `${JSON.stringify(schema, null, 2)}\n`);
  writeFileSync(join(dir, `r${revision}.json`), `${JSON.stringify(payload, null, 2)}\n`);
  writeFileSync(join(dir, `r${revision}.avro.hex`), `${bytes.toString('hex')}\n`);
  return { revision, schema, payload, bytes };
}
