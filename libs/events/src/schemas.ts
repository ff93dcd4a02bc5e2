import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';

/** A resolved Avro schema as plain JSON (every named type it uses is defined inside it). */
export type AvroSchemaJson = Record<string, unknown>;

const SHARED_TYPES = ['EventEnvelope'];
const NAMESPACE = 'com.msync.events';

/** Folder of the `.avsc` files; the same relative place from `src/` and `dist/`. */
export const schemasDir = fileURLToPath(new URL('../schemas/', import.meta.url));

/** Folder of the golden fixtures (one snapshot per schema revision). */
export const fixturesDir = fileURLToPath(new URL('../fixtures/', import.meta.url));

function readSchemaFile(name: string): AvroSchemaJson {
  return JSON.parse(readFileSync(`${schemasDir}${name}.avsc`, 'utf8')) as AvroSchemaJson;
}

/** Names of every event schema (one per `.avsc` file, except the shared envelope). */
export function eventSchemaNames(): string[] {
  return readdirSync(schemasDir)
    .filter((f) => f.endsWith('.avsc'))
    .map((f) => f.slice(0, -'.avsc'.length))
    .filter((n) => !SHARED_TYPES.includes(n))
    .sort();
}

/**
 * Loads an event schema and inlines the shared types it references by name (the envelope), so
 * the result is self-contained: what is registered under `<topic>-value`.
 */
export function loadEventSchema(name: string): AvroSchemaJson {
  const defined = new Set<string>();
  const inline = (node: unknown): unknown => {
    if (typeof node === 'string') {
      const short = node.startsWith(`${NAMESPACE}.`) ? node.slice(NAMESPACE.length + 1) : node;
      if (SHARED_TYPES.includes(short) && !defined.has(short)) {
        defined.add(short);
        return inline(readSchemaFile(short));
      }
      return node;
    }
    if (Array.isArray(node)) return node.map(inline);
    if (node && typeof node === 'object') {
      const obj = node as Record<string, unknown>;
      if (typeof obj['name'] === 'string' && (obj['type'] === 'record' || obj['type'] === 'enum')) {
        defined.add(obj['name']);
      }
      return Object.fromEntries(
        Object.entries(obj).map(([k, v]) => [k, k === 'doc' ? v : inline(v)]),
      );
    }
    return node;
  };
  return inline(readSchemaFile(name)) as AvroSchemaJson;
}

/** Compiles a schema to an avsc type. Unions of null and one type stay unwrapped (plain values). */
export function avroType(schema: AvroSchemaJson): avro.Type {
  return avro.Type.forSchema(schema as avro.Schema, { wrapUnions: 'auto' });
}
