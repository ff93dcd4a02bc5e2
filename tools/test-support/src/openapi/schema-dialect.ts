/**
 * Turns OpenAPI schema objects into JSON Schema 2020-12 for ajv.
 *
 * By the document's `openapi` version:
 * - 3.1 schemas are JSON Schema 2020-12 already; only references are re-rooted.
 * - 3.0 schemas are an extended subset of draft-04 (wright-00): keywords beside a `$ref` are
 *   ignored, `nullable: true` admits null (as the 3.0.0–3.0.2 text reads: with or without
 *   `type`, whatever the `enum`), and boolean `exclusiveMinimum`/`exclusiveMaximum` become
 *   the numeric form.
 *
 * For both, composition is read as OpenAPI's model inheritance, as generated documents mean it:
 * - an `allOf` of object schemas is one object (properties and `required` merged), so an
 *   `additionalProperties: false` on the whole or on each member does not reject every
 *   inherited field; members without properties stay in `allOf`;
 * - `oneOf` becomes `anyOf`: alternatives overlap whenever one extends another.
 */

type Json = Record<string, unknown>;
export type OpenApiVersion = '3.0' | '3.1';

/** Keywords whose value maps names to schemas (the names are not keywords). */
const SCHEMA_MAPS = new Set([
  'properties',
  'patternProperties',
  '$defs',
  'definitions',
  'dependentSchemas',
]);
/** Keywords whose value is data, never a schema. */
const DATA = new Set(['enum', 'const', 'default', 'example', 'examples', 'required']);
const COMPONENT_SCHEMAS = '#/components/schemas/';

export function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export class SchemaDialect {
  private readonly converted = new Map<string, Json>();
  private readonly converting = new Set<string>();

  /**
   * @param components the document's `components.schemas`
   * @param base the id the converted components are registered under (references are re-rooted there)
   */
  constructor(
    private readonly components: Json,
    private readonly version: OpenApiVersion,
    private readonly base: string,
  ) {}

  /** Every component schema, converted (register them under `base`). */
  allComponents(): Json {
    return Object.fromEntries(
      Object.keys(this.components).map((name) => [name, this.component(name)]),
    );
  }

  /** One schema object (a component's or an inline one), converted. */
  convert(node: unknown): unknown {
    if (Array.isArray(node)) return node.map((item) => this.convert(item));
    if (!isObject(node)) return node;
    if (typeof node['$ref'] === 'string' && this.version === '3.0')
      return { $ref: this.reroot(node['$ref']) };
    let out: Json = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === 'nullable' && this.version === '3.0') continue;
      if (key === '$ref') out[key] = this.reroot(String(value));
      else if (DATA.has(key)) out[key] = value;
      else if (SCHEMA_MAPS.has(key) && isObject(value))
        out[key] = Object.fromEntries(
          Object.entries(value).map(([name, schema]) => [name, this.convert(schema)]),
        );
      else if (key === 'oneOf') out['anyOf'] = this.convert(value);
      else out[key] = this.convert(value);
    }
    if (this.version === '3.0') exclusiveBoundsAsNumbers(out);
    if (Array.isArray(out['allOf'])) out = this.mergeObjectMembers(out);
    if (this.version === '3.0' && node['nullable'] === true) out = admittingNull(out);
    return out;
  }

  private component(name: string): Json {
    const done = this.converted.get(name);
    if (done) return done;
    // A schema that contains itself (through `allOf`) merges what is known so far.
    if (this.converting.has(name)) return {};
    this.converting.add(name);
    const converted = this.convert(this.components[name]) as Json;
    this.converting.delete(name);
    this.converted.set(name, converted);
    return converted;
  }

  private reroot(ref: string): string {
    return ref.startsWith('#') ? `${this.base}${ref}` : ref;
  }

  /** The converted schema a member stands for (its component when it is a bare `$ref`). */
  private resolveMember(member: Json): Json {
    const ref = member['$ref'];
    const prefix = `${this.base}${COMPONENT_SCHEMAS}`;
    if (typeof ref === 'string' && ref.startsWith(prefix) && Object.keys(member).length === 1)
      return this.component(decodePointerToken(ref.slice(prefix.length)));
    return member;
  }

  private mergeObjectMembers(schema: Json): Json {
    const { allOf, ...rest } = schema;
    const properties: Json = { ...(rest['properties'] as Json | undefined) };
    const required = new Set<string>((rest['required'] as string[] | undefined) ?? []);
    const remaining: unknown[] = [];
    let merged = 0;
    for (const member of allOf as Json[]) {
      const resolved = this.resolveMember(member);
      if (!isObject(resolved['properties'])) {
        remaining.push(member);
        continue;
      }
      merged += 1;
      Object.assign(properties, resolved['properties']);
      for (const name of (resolved['required'] as string[] | undefined) ?? []) required.add(name);
    }
    if (merged === 0) return schema;
    const flat: Json = { ...rest, type: 'object', properties };
    if (required.size > 0) flat['required'] = [...required];
    if (remaining.length > 0) {
      flat['allOf'] = remaining;
      // The remaining members' own fields are not among the merged properties.
      delete flat['additionalProperties'];
    }
    return flat;
  }
}

/** `schema`, also admitting null. */
export function admittingNull(schema: Json): Json {
  const type = schema['type'];
  if (typeof type === 'string') {
    const out: Json = { ...schema, type: [type, 'null'] };
    if (Array.isArray(schema['enum'])) out['enum'] = [...(schema['enum'] as unknown[]), null];
    return out;
  }
  if (Array.isArray(type)) {
    const types = type as unknown[];
    return types.includes('null') ? schema : { ...schema, type: [...types, 'null'] };
  }
  return { anyOf: [schema, { type: 'null' }] };
}

function exclusiveBoundsAsNumbers(schema: Json): void {
  for (const [flag, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (typeof schema[flag] !== 'boolean') continue;
    if (schema[flag] === true && typeof schema[bound] === 'number') {
      schema[flag] = schema[bound];
      delete schema[bound];
    } else delete schema[flag];
  }
}

function decodePointerToken(token: string): string {
  return decodeURIComponent(token).replace(/~1/g, '/').replace(/~0/g, '~');
}
