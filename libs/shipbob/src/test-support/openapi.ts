import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import type { HttpExchange } from '../transport.js';
import addFormatsModule from 'ajv-formats';

// ShipBob publishes OpenAPI 3.0 documents. Before handing them to a JSON-schema validator:
// - keywords beside a `$ref` are ignored (OpenAPI 3.0 rule; ShipBob writes `additionalProperties:
//   false` there);
// - `nullable: true` admits null;
// - `allOf` inheritance is flattened into one object, because ShipBob also writes
//   `additionalProperties: false` on the parent and on each member, which taken literally would
//   reject every inherited field;
// - `oneOf` becomes `anyOf`: ShipBob's generated alternatives overlap (a shipment matches both
//   `ShipmentViewModel` and the `InternalShipmentViewModel` that extends it);
// - only formats JSON Schema defines are checked (`int32`, `double`, `currency`... are dropped);
// - a few object properties given by `$ref` also admit null (NULL_UNTIL_KNOWN): OpenAPI 3.0 cannot
//   mark a `$ref` nullable, and ShipBob sends null there until the object exists (ADR 0026).

type Json = Record<string, unknown>;
const DROPPED = new Set([
  'nullable',
  'example',
  'examples',
  'discriminator',
  'xml',
  'externalDocs',
  'deprecated',
  'readOnly',
  'writeOnly',
  'description',
  'title',
]);
const CHECKED_FORMATS = new Set(['date-time', 'email', 'uri', 'uuid']);
/** Component → properties that are null until known (reference §8.3: tracking until labeled). */
const NULL_UNTIL_KNOWN: Record<string, string[]> = {
  'Orders.ShipmentViewModel': ['tracking'],
};
const addFormats = addFormatsModule as unknown as (ajv: Ajv, formats: string[]) => Ajv;

export interface Exchange {
  method: string;
  url: string;
  requestHeaders: Record<string, string>;
  requestBody: unknown;
  /** Absent when the connection was dropped. */
  status?: number;
  responseBody?: unknown;
  /** The response body was not JSON (an injected fault); it is not validated. */
  malformed?: boolean;
}

export interface ExchangeReport {
  /** Request and response problems together. */
  errors: string[];
  /** Problems with what the server answered. */
  responseErrors: string[];
  /** The status is not among the operation's documented responses. */
  undeclaredStatus: boolean;
}

interface Operation {
  template: string;
  pattern: RegExp;
  method: string;
  op: Json;
}

/** ShipBob's `required` lists sometimes use camelCase (`referenceId`) for snake_case wire fields. */
function wireNames(required: string[], properties: Json): string[] {
  return required.map((name) => {
    if (name in properties) return name;
    const snake = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    return snake in properties ? snake : name;
  });
}

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

class Converter {
  private readonly done = new Map<string, Json>();
  private readonly busy = new Set<string>();

  constructor(
    private readonly components: Json,
    private readonly id: string,
  ) {}

  component(name: string): Json {
    const cached = this.done.get(name);
    if (cached) return cached;
    if (this.busy.has(name)) return {};
    this.busy.add(name);
    const converted = this.convert(this.components[name]) as Json;
    const properties = converted['properties'];
    for (const property of NULL_UNTIL_KNOWN[name] ?? []) {
      if (isObject(properties) && properties[property] !== undefined)
        properties[property] = { anyOf: [properties[property], { type: 'null' }] };
    }
    this.busy.delete(name);
    this.done.set(name, converted);
    return converted;
  }

  all(): Json {
    return Object.fromEntries(
      Object.keys(this.components).map((name) => [name, this.component(name)]),
    );
  }

  convert(node: unknown): unknown {
    if (Array.isArray(node)) return node.map((n) => this.convert(n));
    if (!isObject(node)) return node;
    if (typeof node['$ref'] === 'string')
      return {
        $ref: node['$ref'].replace('#/components/schemas/', `${this.id}#/components/schemas/`),
      };
    let out: Json = {};
    for (const [key, value] of Object.entries(node)) {
      if (DROPPED.has(key)) continue;
      if (key === 'format' && !CHECKED_FORMATS.has(String(value))) continue;
      if (key === 'properties' && isObject(value)) {
        out['properties'] = Object.fromEntries(
          Object.entries(value).map(([k, v]) => [k, this.convert(v)]),
        );
      } else if (key === 'oneOf') out['anyOf'] = this.convert(value);
      else out[key] = this.convert(value);
    }
    if (Array.isArray(out['allOf'])) out = this.flatten(out);
    // Beside `oneOf` or on a non-object ShipBob's `additionalProperties: false` is generator noise:
    // with no `properties` next to it, it would reject every field of the alternatives.
    if (out['additionalProperties'] === false && !isObject(out['properties']))
      delete out['additionalProperties'];
    if (Array.isArray(out['required']) && isObject(out['properties']))
      out['required'] = wireNames(out['required'] as string[], out['properties']);
    if (node['nullable'] === true) {
      if (typeof out['type'] === 'string') out['type'] = [out['type'], 'null'];
      if (Array.isArray(out['enum'])) out['enum'] = [...(out['enum'] as unknown[]), null];
      if (out['type'] === undefined) out = { anyOf: [out, { type: 'null' }] };
    }
    return out;
  }

  private resolve(member: Json): Json {
    const ref = member['$ref'];
    if (typeof ref === 'string') return this.component(ref.split('/').pop()!);
    return member;
  }

  private flatten(schema: Json): Json {
    const { allOf, ...rest } = schema;
    const properties: Json = { ...(rest['properties'] as Json | undefined) };
    const required = new Set<string>((rest['required'] as string[] | undefined) ?? []);
    const remaining: unknown[] = [];
    for (const member of allOf as Json[]) {
      const resolved = this.resolve(member);
      if (!isObject(resolved['properties'])) {
        remaining.push(member);
        continue;
      }
      Object.assign(properties, resolved['properties']);
      for (const r of (resolved['required'] as string[] | undefined) ?? []) required.add(r);
    }
    const flat: Json = {
      ...rest,
      type: 'object',
      properties,
      required: wireNames([...required], properties),
    };
    if (remaining.length > 0) {
      flat['allOf'] = remaining;
      delete flat['additionalProperties'];
    }
    return flat;
  }
}

/** Validates recorded HTTP exchanges against one of ShipBob's OpenAPI documents. */
export class ShipBobOpenApi {
  private readonly ajv: Ajv;
  private readonly operations: Operation[] = [];
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly converter: Converter;
  private sorted = false;

  constructor(
    document: Json,
    private readonly id: string,
  ) {
    const components = ((document['components'] as Json | undefined)?.['schemas'] ?? {}) as Json;
    this.converter = new Converter(components, id);
    this.ajv = new Ajv({ strict: false, allErrors: true, logger: false });
    addFormats(this.ajv, [...CHECKED_FORMATS]);
    this.ajv.addSchema({ $id: id, components: { schemas: this.converter.all() } });
    for (const [template, item] of Object.entries(document['paths'] as Json)) {
      const source = template
        .split(/(\{[^}]+\})/)
        .map((part) =>
          part.startsWith('{') ? '[^/:]+' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'),
        )
        .join('');
      for (const [method, op] of Object.entries(item as Json)) {
        if (isObject(op) && isObject(op['responses']))
          this.operations.push({
            template,
            pattern: new RegExp(`^${source}$`),
            method: method.toUpperCase(),
            op,
          });
      }
    }
  }

  private validator(key: string, schema: unknown): ValidateFunction {
    let fn = this.compiled.get(key);
    if (!fn) {
      fn = this.ajv.compile(this.converter.convert(schema) as Json);
      this.compiled.set(key, fn);
    }
    return fn;
  }

  private sortOperations(): void {
    const params = (t: string): number => (t.match(/\{/g) ?? []).length;
    this.operations.sort((a, b) => params(a.template) - params(b.template));
  }

  check(exchange: Exchange): ExchangeReport {
    if (!this.sorted) {
      this.sortOperations();
      this.sorted = true;
    }
    const url = new URL(exchange.url);
    const where = `${exchange.method} ${url.pathname}`;
    const operation = this.operations.find(
      (o) => o.method === exchange.method && o.pattern.test(url.pathname),
    );
    if (!operation) {
      const missing = [`${where}: no such operation in ${this.id}`];
      return { errors: missing, responseErrors: missing, undeclaredStatus: false };
    }
    const errors: string[] = [];
    const responseErrors: string[] = [];
    const params = ((operation.op['parameters'] as Json[] | undefined) ?? []).map((p) =>
      this.resolveParameter(p),
    );
    const queryNames = new Set(
      params.filter((p) => p['in'] === 'query').map((p) => String(p['name'])),
    );
    for (const name of url.searchParams.keys()) {
      // `Cursor` arrives inside the `next` links ShipBob returns, which clients follow as given.
      if (name !== 'Cursor' && !queryNames.has(name))
        errors.push(`${where}: query parameter ${name} is not declared`);
    }
    for (const header of params.filter((p) => p['in'] === 'header' && p['required'] === true)) {
      if (exchange.requestHeaders[String(header['name']).toLowerCase()] === undefined)
        errors.push(`${where}: required header ${String(header['name'])} missing`);
    }
    const requestSchema = (
      (operation.op['requestBody'] as Json | undefined)?.['content'] as Json | undefined
    )?.['application/json'];
    if (exchange.requestBody !== undefined) {
      if (!isObject(requestSchema)) errors.push(`${where}: a body was sent but none is declared`);
      else
        this.validate(
          `${operation.method} ${operation.template} request`,
          requestSchema['schema'],
          exchange.requestBody,
          `${where} request`,
          errors,
        );
    }
    if (exchange.status === undefined || exchange.malformed)
      return { errors, responseErrors, undeclaredStatus: false };
    const response = (operation.op['responses'] as Json)[String(exchange.status)];
    if (!isObject(response)) return { errors, responseErrors, undeclaredStatus: true };
    const content = (response['content'] as Json | undefined)?.['application/json'];
    if (isObject(content) && content['schema'] !== undefined) {
      if (exchange.responseBody === undefined)
        responseErrors.push(`${where} ${exchange.status}: a body is declared but none was sent`);
      else
        this.validate(
          `${operation.method} ${operation.template} ${exchange.status}`,
          content['schema'],
          exchange.responseBody,
          `${where} ${exchange.status}`,
          responseErrors,
        );
    } else if (exchange.responseBody !== undefined && exchange.status !== 200) {
      responseErrors.push(`${where} ${exchange.status}: a body was sent but none is declared`);
    }
    return { errors: [...errors, ...responseErrors], responseErrors, undeclaredStatus: false };
  }

  private resolveParameter(param: Json): Json {
    return param;
  }

  private validate(
    key: string,
    schema: unknown,
    data: unknown,
    where: string,
    errors: string[],
  ): void {
    const fn = this.validator(key, schema);
    if (!fn(data)) {
      for (const e of (fn.errors ?? []).slice(0, 5))
        errors.push(
          `${where}: ${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
        );
    }
  }
}

/** Loads `shipbob-<version>.json` from the directory given by VENDOR_OPENAPI_DIR. */
export function loadShipBobOpenApi(dir: string, version: string): ShipBobOpenApi {
  const document = JSON.parse(readFileSync(join(dir, `shipbob-${version}.json`), 'utf8')) as Json;
  return new ShipBobOpenApi(document, `shipbob-${version}`);
}

/** An `onExchange` hook that records every exchange in the shape {@link ShipBobOpenApi} checks. */
export function recordExchanges(exchanges: Exchange[]): (exchange: HttpExchange) => void {
  return (seen) => {
    const exchange: Exchange = {
      method: seen.method,
      url: seen.url,
      requestHeaders: seen.requestHeaders,
      requestBody:
        seen.requestBody === undefined ? undefined : (JSON.parse(seen.requestBody) as unknown),
      status: seen.status,
    };
    if (seen.responseBody !== undefined && seen.responseBody.length > 0) {
      try {
        exchange.responseBody = JSON.parse(seen.responseBody) as unknown;
      } catch {
        exchange.responseBody = seen.responseBody;
        exchange.malformed = true;
      }
    }
    exchanges.push(exchange);
  };
}

/**
 * A fetch that records every exchange (request and, when one came, response): for raw calls to
 * the simulator; the client records through its `onExchange` hook ({@link recordExchanges}).
 */
export function recordingFetch(exchanges: Exchange[], inner: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const url =
      typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url;
    const headers = Object.fromEntries(
      Object.entries((init?.headers ?? {}) as Record<string, string>).map(([k, v]) => [
        k.toLowerCase(),
        v,
      ]),
    );
    const exchange: Exchange = {
      method: init?.method ?? 'GET',
      url,
      requestHeaders: headers,
      requestBody: typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined,
    };
    exchanges.push(exchange);
    const response = await inner(input, init);
    const text = await response.clone().text();
    exchange.status = response.status;
    if (text.length > 0) {
      try {
        exchange.responseBody = JSON.parse(text) as unknown;
      } catch {
        exchange.responseBody = text;
        exchange.malformed = true;
      }
    }
    return response;
  };
}
