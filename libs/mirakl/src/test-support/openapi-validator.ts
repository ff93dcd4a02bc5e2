import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { Exchange } from '@msync/mirakl-sim';

/** The vendor document's file name inside `VENDOR_OPENAPI_DIR`. */
export const MIRAKL_OPENAPI_FILE = 'mirakl-mmp-seller.json';

/**
 * Paging parameters of Mirakl's offset pagination. The published document describes them once,
 * in its general notes, instead of on each list operation, so they are accepted on any GET.
 */
const OFFSET_PAGING_PARAMS = new Set(['offset', 'max', 'sort', 'order', 'paginate', 'locale']);

/** Faults whose answers are deliberately not what the document describes. */
const SHAPE_BREAKING_FAULTS = new Set([
  'status',
  'drop',
  'malformed',
  'truncated',
  'wrong-shape',
  'call-frequency',
]);

type Json = Record<string, unknown>;

interface OperationDef {
  method: string;
  template: string;
  pattern: RegExp;
  op: Json;
}

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as (ajv: Ajv2020) => void;

/** Validates recorded exchanges (requests and answers) against Mirakl's published OpenAPI document. */
export class MiraklOpenApiValidator {
  private readonly ajv: Ajv2020;
  private readonly ops: OperationDef[];
  private readonly cache = new Map<unknown, ValidateFunction>();

  constructor(dir: string) {
    const doc = JSON.parse(readFileSync(join(dir, MIRAKL_OPENAPI_FILE), 'utf8')) as Json;
    allowDocumentedNulls(doc);
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
    addFormats(this.ajv);
    for (const f of ['int32', 'int64', 'with decimals', 'binary', 'PDF', 'cXML', 'JSON'])
      this.ajv.addFormat(f, true);
    this.ajv.addSchema(doc, 'mirakl');
    this.ops = [];
    for (const [template, item] of Object.entries(doc['paths'] as Record<string, Json>)) {
      for (const [method, op] of Object.entries(item)) {
        if (typeof op !== 'object' || op === null || !('responses' in op)) continue;
        const pattern = new RegExp('^' + template.replace(/\{[^}]+\}/g, '([^/]+)') + '$');
        this.ops.push({ method: method.toUpperCase(), template, pattern, op: op });
      }
    }
    this.ops.sort((a, b) => countParams(a.template) - countParams(b.template));
  }

  private validator(schema: unknown): ValidateFunction {
    let fn = this.cache.get(schema);
    if (!fn) {
      fn = this.ajv.compile(rewriteRefs(schema) as Json);
      this.cache.set(schema, fn);
    }
    return fn;
  }

  private check(schema: unknown, value: unknown, where: string): string[] {
    const fn = this.validator(schema);
    if (fn(value)) return [];
    return (fn.errors ?? [])
      .slice(0, 8)
      .map((e) => `${where}${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
  }

  /** Why the answer of this exchange cannot be judged by the document, if it cannot. */
  answerSkipReason(ex: Exchange): string | undefined {
    if (ex.fault && SHAPE_BREAKING_FAULTS.has(ex.fault)) return `fault ${ex.fault}`;
    if (ex.status >= 400) return 'error answer (the document describes success answers only)';
    return undefined;
  }

  /** Problems with the request of an exchange (path, query, body); empty when it matches. */
  validateRequest(ex: Exchange): string[] {
    // Export files live at pre-computed URLs outside the document's paths.
    if (ex.operation === 'OF54') return [];
    const label = `${ex.method} ${ex.path}`;
    const def = this.find(ex);
    if (!def) return [`${label}: no such operation in the document`];
    const problems: string[] = [];
    const params = (def.op['parameters'] as Json[] | undefined) ?? [];
    const pathValues = def.pattern.exec(ex.path)?.slice(1) ?? [];
    const pathNames = [...def.template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    pathNames.forEach((name, i) => {
      const p = params.find((x) => x['in'] === 'path' && x['name'] === name);
      if (p)
        problems.push(
          ...this.checkParam(p, decodeURIComponent(pathValues[i] ?? ''), `${label} path ${name}`),
        );
    });
    for (const [name, values] of Object.entries(ex.query)) {
      const p = params.find((x) => x['in'] === 'query' && x['name'] === name);
      if (!p) {
        if (!(ex.method === 'GET' && OFFSET_PAGING_PARAMS.has(name))) {
          problems.push(`${label}: query parameter ${name} is not in the document`);
        }
        continue;
      }
      for (const v of values) problems.push(...this.checkParam(p, v, `${label} query ${name}`));
    }
    for (const p of params) {
      if (p['required'] === true && p['in'] === 'query' && !(String(p['name']) in ex.query)) {
        problems.push(`${label}: required query parameter ${String(p['name'])} missing`);
      }
    }
    problems.push(...this.validateRequestBody(def, ex, label));
    return problems;
  }

  /** Problems with the answer of an exchange; call only when {@link answerSkipReason} is undefined. */
  validateAnswer(ex: Exchange): string[] {
    const label = `${ex.method} ${ex.path}`;
    if (ex.operation === 'OF54') {
      return Array.isArray(ex.responseBody)
        ? ex.responseBody.flatMap((item, i) =>
            this.check(
              { $ref: '#/components/schemas/OF54_Response_200_Ext_FileStructure' },
              item,
              `${label} item ${i}`,
            ),
          )
        : [`${label}: export file is not a JSON array`];
    }
    const def = this.find(ex);
    if (!def) return [`${label}: no such operation in the document`];
    return this.validateResponse(def, ex, label);
  }

  /** Request and, where judgeable, answer. */
  validate(ex: Exchange): string[] {
    return [
      ...this.validateRequest(ex),
      ...(this.answerSkipReason(ex) === undefined ? this.validateAnswer(ex) : []),
    ];
  }

  private find(ex: Exchange): OperationDef | undefined {
    return this.ops.find((o) => o.method === ex.method && o.pattern.test(ex.path));
  }

  private checkParam(param: Json, raw: string, where: string): string[] {
    const schema = (param['schema'] ?? {}) as Json;
    const values = schema['enum'] && raw.includes(',') ? raw.split(',') : [raw];
    return values.flatMap((v) => this.check(schema, coerce(schema, v), where));
  }

  private validateRequestBody(def: OperationDef, ex: Exchange, label: string): string[] {
    const rb = def.op['requestBody'] as Json | undefined;
    if (!rb) {
      return ex.requestBody === undefined || ex.requestBody === ''
        ? []
        : [`${label}: sends a body the operation does not take`];
    }
    const content = rb['content'] as Record<string, Json>;
    const type = (ex.requestContentType ?? '').split(';')[0]?.trim() ?? '';
    const media = content[type];
    if (!media)
      return [
        `${label}: request content type ${type || '(none)'} not in ${Object.keys(content).join(', ')}`,
      ];
    if (type === 'multipart/form-data') {
      const form = ex.requestBody as {
        fields: Record<string, string>;
        files: Record<string, string>;
      };
      const schema = media['schema'] as Json;
      const props = (schema['properties'] ?? {}) as Record<string, Json>;
      const problems: string[] = [];
      for (const req of (schema['required'] as string[] | undefined) ?? []) {
        if (!(req in form.fields) && !(req in form.files))
          problems.push(`${label}: multipart part ${req} missing`);
      }
      for (const [name, value] of Object.entries(form.fields)) {
        const prop = props[name];
        if (!prop) problems.push(`${label}: multipart part ${name} is not in the document`);
        else problems.push(...this.check(prop, coerce(prop, value), `${label} part ${name}`));
      }
      for (const name of Object.keys(form.files))
        if (!props[name]) problems.push(`${label}: multipart file ${name} is not in the document`);
      return problems;
    }
    return this.check(media['schema'], ex.requestBody, `${label} request`);
  }

  private validateResponse(def: OperationDef, ex: Exchange, label: string): string[] {
    const responses = def.op['responses'] as Record<string, Json>;
    const response = responses[String(ex.status)];
    if (!response)
      return [`${label}: status ${ex.status} not in ${Object.keys(responses).join(', ')}`];
    const content = response['content'] as Record<string, Json> | undefined;
    if (!content) return [];
    const type = (ex.responseContentType ?? '').split(';')[0]?.trim() ?? '';
    const media = content[type];
    if (!media)
      return [
        `${label}: answer content type ${type || '(none)'} not in ${Object.keys(content).join(', ')}`,
      ];
    if (type !== 'application/json') return [];
    return this.check(media['schema'], ex.responseBody, `${label} answer`);
  }
}

function countParams(template: string): number {
  return (template.match(/\{/g) ?? []).length;
}

function coerce(schema: Json, raw: string): unknown {
  const type = schema['type'];
  if (type === 'integer' || type === 'number')
    return raw.trim() !== '' && !Number.isNaN(Number(raw)) ? Number(raw) : raw;
  if (type === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
  if (type === 'array') return raw.split(',');
  return raw;
}

/** Points local `#/...` references at the registered document. */
function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (value === null || typeof value !== 'object') return value;
  const out: Json = {};
  for (const [k, v] of Object.entries(value as Json)) {
    out[k] =
      k === '$ref' && typeof v === 'string' && v.startsWith('#') ? `mirakl${v}` : rewriteRefs(v);
  }
  return out;
}

/**
 * The document types some fields as objects or strings while their own descriptions say they
 * are null in some states (addresses "Null before shipping", dates "or null if no discount").
 * Those fields, and only those, accept null.
 */
function allowDocumentedNulls(doc: Json): void {
  const schemas = (doc['components'] as Json)['schemas'] as Record<string, Json>;
  for (const schema of Object.values(schemas)) {
    const props = schema['properties'] as Record<string, Json> | undefined;
    if (!props) continue;
    for (const [name, prop] of Object.entries(props)) {
      const description = typeof prop['description'] === 'string' ? prop['description'] : '';
      if (/\bnull\b/i.test(description)) props[name] = { anyOf: [{ type: 'null' }, prop] };
    }
  }
}
