import type { z } from 'zod';

/** Whether a value passes a schema as it is (see {@link asIsGuardOf}). */
export type AsIsGuard = (value: unknown) => boolean;

/** What of a zod schema's definition the guard reads (zod 4's `_zod.def`). */
interface Def {
  type: string;
  checks?: readonly { _zod: { def: { check: string; format?: string } } }[];
  innerType?: Schema;
  element?: Schema;
  shape?: Record<string, Schema>;
  entries?: Record<string, unknown>;
  values?: readonly unknown[];
}
interface Schema {
  _zod: { def: Def };
}

const guards = new WeakMap<object, AsIsGuard | null>();

/**
 * A check, made from a zod schema, that a value passes it as it is (ADR 0175): parsing it would
 * succeed, and give the same value but for the object keys the schema does not name. For what
 * a vendor's list pages hold: objects, arrays, strings, booleans, numbers (integers or not),
 * enums, literals, optional and nullable ones. `null` for a schema with anything else (a
 * transform, a default, a refinement, a check, a union, a strict or loose object): parse those.
 *
 * zod builds a new object, and a result for each field, for every item it parses: a page of
 * 250 inventory levels was 150 KB of garbage for a service that keeps none of it. A value the
 * guard passes is taken as it came; one it refuses is parsed by zod, whose error names the field.
 */
export function asIsGuardOf(schema: z.ZodType): AsIsGuard | null {
  const known = guards.get(schema);
  if (known !== undefined) return known;
  const guard = guardOf(schema);
  guards.set(schema, guard);
  return guard;
}

/**
 * The keys a definition may hold, per type, for the guard to know all it asks: any other (a
 * string's `format`, a number's `coerce`, an object's `catchall`) is something it does not check.
 */
const KNOWN_KEYS: Readonly<Record<string, readonly string[]>> = {
  string: ['type', 'checks'],
  boolean: ['type'],
  number: ['type', 'checks'],
  enum: ['type', 'entries'],
  literal: ['type', 'values'],
  optional: ['type', 'innerType'],
  nullable: ['type', 'innerType'],
  array: ['type', 'element', 'checks'],
  object: ['type', 'shape', 'checks'],
};

/**
 * The guard as code of its own, one function per object and array of the schema, each reading
 * its fields by name: what zod does for its own parsers. Closures calling closures read each
 * field through a key held in a variable, slower than zod's parse they were to spare.
 */
function guardOf(schema: Schema): AsIsGuard | null {
  const functions: string[] = [];
  const sets: ReadonlySet<unknown>[] = [];
  const check = (schema: Schema, x: string): string | null => {
    const def = schema._zod.def;
    const known = KNOWN_KEYS[def.type];
    if (!known || Object.keys(def).some((key) => !known.includes(key))) return null;
    const checks = def.checks ?? [];
    switch (def.type) {
      case 'string':
        return checks.length === 0 ? `typeof ${x} === 'string'` : null;
      case 'boolean':
        return `typeof ${x} === 'boolean'`;
      case 'number': {
        const formats = checks.map((c) => c._zod.def);
        if (formats.some((c) => c.check !== 'number_format' || c.format !== 'safeint')) return null;
        return formats.length > 0
          ? `(typeof ${x} === 'number' && Number.isSafeInteger(${x}))`
          : `(typeof ${x} === 'number' && Number.isFinite(${x}))`;
      }
      case 'enum':
      case 'literal':
        sets.push(new Set(def.type === 'enum' ? Object.values(def.entries ?? {}) : def.values));
        return `sets[${sets.length - 1}].has(${x})`;
      case 'optional':
      case 'nullable': {
        const inner = def.innerType && check(def.innerType, x);
        if (!inner) return null;
        return `(${x} === ${def.type === 'optional' ? 'undefined' : 'null'} || ${inner})`;
      }
      case 'array': {
        const element = checks.length === 0 && def.element ? check(def.element, 'e') : null;
        if (!element) return null;
        const at = functions.push('') - 1;
        functions[at] =
          `function g${at}(v) { if (!Array.isArray(v)) return false; ` +
          `for (let i = 0; i < v.length; i++) { const e = v[i]; if (!(${element})) return false; } ` +
          `return true; }`;
        return `g${at}(${x})`;
      }
      case 'object': {
        if (checks.length > 0 || !def.shape) return null;
        // Its place taken before its fields' functions: the name is known to them in any order.
        const at = functions.push('') - 1;
        const lines: string[] = [];
        for (const [key, field] of Object.entries(def.shape)) {
          const fieldCheck = check(field, 'f');
          if (!fieldCheck) return null;
          lines.push(`f = v[${JSON.stringify(key)}]; if (!(${fieldCheck})) return false;`);
        }
        functions[at] =
          `function g${at}(v) { if (typeof v !== 'object' || v === null || Array.isArray(v)) ` +
          `return false; let f; ${lines.join(' ')} return true; }`;
        return `g${at}(${x})`;
      }
      default:
        return null;
    }
  };
  const root = check(schema, 'v');
  if (!root) return null;
  // The code is made of the schema's own keys (quoted by JSON.stringify) and fixed text only.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const make = new Function('sets', `${functions.join('\n')}\nreturn (v) => ${root};`) as (
    sets: readonly ReadonlySet<unknown>[],
  ) => AsIsGuard;
  return make(sets);
}

/**
 * `value` as the schema's output: the value itself when the schema's guard passes it (its
 * unnamed keys kept: read only the fields the schema names), else zod's parse of it.
 */
export function safeParseAsIs<S extends z.ZodType>(
  schema: S,
  value: unknown,
): z.ZodSafeParseResult<z.output<S>> {
  if (asIsGuardOf(schema)?.(value)) return { success: true, data: value as z.output<S> };
  return schema.safeParse(value);
}
