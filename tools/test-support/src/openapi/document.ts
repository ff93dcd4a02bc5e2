import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { vendorOpenApiDir } from '../vendor-docs.js';
import type { RecordedExchange } from './exchange.js';
import { PathTemplateMatcher } from './path-template.js';
import { SchemaChecker } from './schema-checker.js';
import { isObject, type OpenApiVersion } from './schema-dialect.js';
import { checkAnswer, checkRequest } from './checks.js';

type Json = Record<string, unknown>;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** One operation of the document. */
export interface OpenApiOperation {
  method: string;
  template: string;
  operationId?: string;
  /** Path- and operation-level parameters, references resolved. */
  parameters: Json[];
  definition: Json;
}

/** Fixes to a vendor's document, made on a private copy before anything is compiled. */
export type Amendment = (document: Json) => void;

export interface DocumentOptions {
  /** Names the document in messages; the file name when loaded from a file. */
  name?: string;
  /** The document's errata, in order (see the vendor adapters). */
  amendments?: readonly Amendment[];
}

/** How one suite's exchanges are judged, beyond what the document says. */
export interface ExchangeAdapter<E extends RecordedExchange = RecordedExchange> {
  /** The document path to match instead of the exchange's own (a pre-computed URL, say). */
  documentPath?(exchange: E): string | undefined;
  /** Why the request cannot be judged by the document, when it cannot. */
  requestNotJudged?(exchange: E): string | undefined;
  /** Why the answer cannot be judged by the document (an injected fault...), when it cannot. */
  answerNotJudged?(exchange: E): string | undefined;
  /** Statuses the suite provokes on purpose that the document does not declare. */
  undeclaredStatuses?: Iterable<number>;
}

/** What the document says about one exchange. */
export interface ExchangeReport {
  /** `GET /api/orders`, as sent. */
  exchange: string;
  /** The operation it matched, by template, and its `operationId` when the document gives one. */
  template?: string;
  operationId?: string;
  /** Problems with what the client sent. */
  request: string[];
  /** Problems with what the server answered. */
  answer: string[];
  requestNotJudged?: string;
  answerNotJudged?: string;
}

/** An OpenAPI 3.0 or 3.1 document that judges recorded exchanges (see README). */
export class OpenApiDocument {
  readonly name: string;
  readonly version: OpenApiVersion;
  private readonly document: Json;
  private readonly operations: PathTemplateMatcher<OpenApiOperation>;
  private readonly schemas: SchemaChecker;

  /** Loads `file` from the vendors' document folder ({@link vendorOpenApiDir}). */
  static fromVendorFile(file: string, options: DocumentOptions = {}): OpenApiDocument {
    const path = join(vendorOpenApiDir(), file);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      throw new Error(
        `${path} is missing: put the vendor's published document there (see docs/reference/openapi)`,
      );
    }
    return new OpenApiDocument(JSON.parse(text) as Json, { name: file, ...options });
  }

  constructor(document: Json, options: DocumentOptions = {}) {
    this.document = structuredClone(document);
    for (const amend of options.amendments ?? []) amend(this.document);
    this.name = options.name ?? String((this.document['info'] as Json | undefined)?.['title']);
    this.version = versionOf(this.document['openapi']);
    const components = (this.document['components'] as Json | undefined)?.['schemas'] ?? {};
    // One ajv per document: the id only has to be a valid URI.
    const id = `openapi:${this.name.replace(/[^\w.-]+/g, '-')}`;
    this.schemas = new SchemaChecker(components as Json, this.version, id);
    this.operations = new PathTemplateMatcher(this.listOperations());
  }

  /** The operation a method and a concrete path belong to, with the path's parameter values. */
  operation(
    method: string,
    path: string,
  ): { operation: OpenApiOperation; params: Record<string, string> } | undefined {
    const found = this.operations.match(path, (op) => op.method === method.toUpperCase());
    return found && { operation: found.value, params: found.params };
  }

  /** Judges the request and (when it can be judged) the answer of one exchange. */
  check<E extends RecordedExchange>(exchange: E, adapter: ExchangeAdapter<E> = {}): ExchangeReport {
    const method = exchange.method.toUpperCase();
    const report: ExchangeReport = {
      exchange: `${method} ${exchange.path}`,
      request: [],
      answer: [],
    };
    const requestNotJudged = adapter.requestNotJudged?.(exchange);
    const answerNotJudged = !exchange.status
      ? 'no answer came'
      : adapter.answerNotJudged?.(exchange);
    if (requestNotJudged) report.requestNotJudged = requestNotJudged;
    if (answerNotJudged) report.answerNotJudged = answerNotJudged;
    const found = this.operation(method, adapter.documentPath?.(exchange) ?? exchange.path);
    if (!found) {
      const missing = `${report.exchange}: ${this.name} has no operation with this method and path`;
      if (!requestNotJudged) report.request.push(missing);
      if (!answerNotJudged) report.answer.push(missing);
      return report;
    }
    report.template = found.operation.template;
    if (found.operation.operationId) report.operationId = found.operation.operationId;
    const context = {
      schemas: this.schemas,
      resolve: (node: unknown) => this.resolve(node),
      operation: found.operation,
      where: report.exchange,
    };
    if (!requestNotJudged) report.request.push(...checkRequest(context, exchange, found.params));
    if (!answerNotJudged)
      report.answer.push(...checkAnswer(context, exchange, new Set(adapter.undeclaredStatuses)));
    return report;
  }

  /**
   * Every distinct problem of these exchanges: with their requests and answers, or (`answersOnly`,
   * for suites that send wrong requests on purpose) with their answers only.
   */
  problems<E extends RecordedExchange>(
    exchanges: Iterable<E>,
    adapter: ExchangeAdapter<E> & { answersOnly?: boolean } = {},
  ): string[] {
    const problems = new Set<string>();
    for (const exchange of exchanges) {
      const report = this.check(exchange, adapter);
      for (const problem of adapter.answersOnly
        ? report.answer
        : [...report.request, ...report.answer])
        problems.add(problem);
    }
    return [...problems];
  }

  /** Compiles every component schema; the reasons of those that do not compile. */
  compileAll(): string[] {
    const components = ((this.document['components'] as Json | undefined)?.['schemas'] ??
      {}) as Json;
    return Object.keys(components).flatMap((name) => {
      try {
        this.schemas.compile({ $ref: `#/components/schemas/${name}` });
        return [];
      } catch (error) {
        return [`${name}: ${(error as Error).message}`];
      }
    });
  }

  /** Follows local `$ref`s (`#/components/parameters/...`) to the object they point at. */
  private resolve(node: unknown): Json {
    let current = node;
    for (let hops = 0; isObject(current) && typeof current['$ref'] === 'string'; hops++) {
      const ref = current['$ref'];
      if (hops > 20 || !ref.startsWith('#/')) break;
      current = ref
        .slice(2)
        .split('/')
        .map((t) => decodeURIComponent(t).replace(/~1/g, '/').replace(/~0/g, '~'))
        .reduce<unknown>((at, token) => (isObject(at) ? at[token] : undefined), this.document);
    }
    return isObject(current) ? current : {};
  }

  private listOperations(): { template: string; value: OpenApiOperation }[] {
    const paths = (this.document['paths'] ?? {}) as Record<string, Json>;
    return Object.entries(paths).flatMap(([template, item]) => {
      const shared = ((item['parameters'] ?? []) as unknown[]).map((p) => this.resolve(p));
      return METHODS.filter((m) => isObject(item[m])).map((m) => {
        const definition = item[m] as Json;
        const own = ((definition['parameters'] ?? []) as unknown[]).map((p) => this.resolve(p));
        const parameters = [
          ...shared.filter((s) => !own.some((o) => o['name'] === s['name'] && o['in'] === s['in'])),
          ...own,
        ];
        const operationId = definition['operationId'];
        return {
          template,
          value: {
            method: m.toUpperCase(),
            template,
            ...(typeof operationId === 'string' ? { operationId } : {}),
            parameters,
            definition,
          },
        };
      });
    });
  }
}

function versionOf(declared: unknown): OpenApiVersion {
  const text = String(declared);
  if (text.startsWith('3.0')) return '3.0';
  if (text.startsWith('3.1')) return '3.1';
  throw new Error(
    `openapi ${text}: only OpenAPI 3.0 and 3.1 documents are supported (convert a Swagger 2.0 document first)`,
  );
}
