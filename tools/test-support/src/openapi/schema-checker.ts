import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { SchemaDialect, type OpenApiVersion } from './schema-dialect.js';

type Json = Record<string, unknown>;

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as (ajv: Ajv2020) => Ajv2020;

/** At most this many problems per checked value: the first ones say enough. */
const PROBLEMS_PER_VALUE = 8;

/**
 * Checks values against one document's schemas with ajv (JSON Schema 2020-12, every error).
 * Formats JSON Schema and OpenAPI define are checked (`date-time`, `email`, `uuid`, `int32`...);
 * other formats a vendor invents (`currency`, `with decimals`) are annotations.
 */
export class SchemaChecker {
  private readonly ajv: Ajv2020;
  private readonly dialect: SchemaDialect;
  private readonly compiled = new WeakMap<object, ValidateFunction>();

  constructor(components: Json, version: OpenApiVersion, id: string) {
    this.dialect = new SchemaDialect(components, version, id);
    this.ajv = new Ajv2020({ strict: false, allErrors: true, logger: false });
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: id, components: { schemas: this.dialect.allComponents() } });
  }

  /** Problems of `value` against an OpenAPI schema object of the document, each prefixed by `where`. */
  problems(schema: unknown, value: unknown, where: string): string[] {
    const validate = this.compile(schema);
    if (validate(value)) return [];
    return (validate.errors ?? [])
      .slice(0, PROBLEMS_PER_VALUE)
      .map(
        (e) =>
          `${where}: ${e.instancePath || '/'} ${e.message ?? 'is invalid'}${describeParams(e.params)}`,
      );
  }

  /** Compiles a schema now (once); throws ajv's reason when it cannot be compiled. */
  compile(schema: unknown): ValidateFunction {
    if (typeof schema !== 'object' || schema === null)
      return this.ajv.compile(typeof schema === 'boolean' ? schema : {});
    let validate = this.compiled.get(schema);
    if (!validate) {
      validate = this.ajv.compile(this.dialect.convert(schema) as Json);
      this.compiled.set(schema, validate);
    }
    return validate;
  }
}

/** The useful part of ajv's error params (`{"allowedValues":[...]}` and the like). */
function describeParams(params: Record<string, unknown>): string {
  const shown = Object.entries(params).filter(
    ([name]) => name !== 'missingProperty' && name !== 'type',
  );
  return shown.length > 0 ? ` ${JSON.stringify(Object.fromEntries(shown))}` : '';
}
