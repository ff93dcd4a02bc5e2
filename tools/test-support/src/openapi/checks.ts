import type { RecordedExchange, RecordedForm } from './exchange.js';
import type { OpenApiOperation } from './document.js';
import { declaredMedia, essence, isJsonMedia } from './media.js';
import { parameterValue, typedText } from './parameters.js';
import type { SchemaChecker } from './schema-checker.js';
import { isObject } from './schema-dialect.js';

type Json = Record<string, unknown>;

export interface CheckContext {
  schemas: SchemaChecker;
  resolve(node: unknown): Json;
  operation: OpenApiOperation;
  /** `GET /api/orders`, the start of every message. */
  where: string;
}

/** OpenAPI says header parameters with these names are ignored (other fields describe them). */
const IGNORED_HEADERS = new Set(['accept', 'content-type', 'authorization']);

/** Problems with a request: path, query and header parameters, and the body. */
export function checkRequest(
  ctx: CheckContext,
  exchange: RecordedExchange,
  pathValues: Record<string, string>,
): string[] {
  const { where } = ctx;
  const problems: string[] = [];
  const declared = (place: string) => ctx.operation.parameters.filter((p) => p['in'] === place);
  const checkValues = (param: Json, raw: readonly string[], label: string) => {
    const schema = ctx.resolve(param['schema'] ?? {});
    const items = isObject(schema['items']) ? ctx.resolve(schema['items']) : undefined;
    for (const value of parameterValue(param, schema, items, raw))
      problems.push(...ctx.schemas.problems(param['schema'] ?? {}, value, `${where} ${label}`));
  };

  for (const [name, value] of Object.entries(pathValues)) {
    const param = declared('path').find((p) => p['name'] === name);
    if (param) checkValues(param, [value], `path parameter ${name}`);
  }
  const query = exchange.query ?? {};
  for (const [name, values] of Object.entries(query)) {
    const param = declared('query').find((p) => p['name'] === name);
    if (param) checkValues(param, values, `query parameter ${name}`);
    else problems.push(`${where}: query parameter ${name} is not in the document`);
  }
  for (const param of declared('query'))
    if (param['required'] === true && !(String(param['name']) in query))
      problems.push(`${where}: required query parameter ${String(param['name'])} is missing`);
  if (exchange.requestHeaders) {
    for (const param of declared('header')) {
      const name = String(param['name']).toLowerCase();
      if (IGNORED_HEADERS.has(name)) continue;
      const value = exchange.requestHeaders[name];
      if (value !== undefined) checkValues(param, [value], `header ${name}`);
      else if (param['required'] === true)
        problems.push(`${where}: required header ${String(param['name'])} is missing`);
    }
  }
  problems.push(...checkRequestBody(ctx, exchange));
  return problems;
}

function checkRequestBody(ctx: CheckContext, exchange: RecordedExchange): string[] {
  const { where } = ctx;
  const sent = exchange.requestBody !== undefined && exchange.requestBody !== '';
  const declared = ctx.operation.definition['requestBody'];
  if (declared === undefined)
    return sent ? [`${where}: a request body was sent but the operation takes none`] : [];
  const requestBody = ctx.resolve(declared);
  if (!sent)
    return requestBody['required'] === true
      ? [`${where}: the operation requires a request body and none was sent`]
      : [];
  const content = (requestBody['content'] ?? {}) as Json;
  const recordedType = exchange.requestContentType ?? exchange.requestHeaders?.['content-type'];
  const found = declaredMedia(content, recordedType);
  if (!found)
    return [
      `${where}: request content type ${essence(recordedType) ?? '(none)'} is not among ${Object.keys(content).join(', ')}`,
    ];
  if (found.type === 'multipart/form-data' && isForm(exchange.requestBody))
    return checkForm(ctx, found.media['schema'], exchange.requestBody);
  if (!isJsonMedia(found.type) || found.media['schema'] === undefined) return [];
  return ctx.schemas.problems(found.media['schema'], exchange.requestBody, `${where} request`);
}

function isForm(body: unknown): body is RecordedForm {
  return isObject(body) && isObject(body['fields']) && isObject(body['files']);
}

/** Each field against its property (coerced from text), files by name, required parts present. */
function checkForm(ctx: CheckContext, declared: unknown, form: RecordedForm): string[] {
  const { where } = ctx;
  const schema = ctx.resolve(declared ?? {});
  const properties = (schema['properties'] ?? {}) as Json;
  const problems: string[] = [];
  for (const name of (schema['required'] as string[] | undefined) ?? [])
    if (!(name in form.fields) && !(name in form.files))
      problems.push(`${where}: multipart part ${name} is missing`);
  for (const [name, value] of Object.entries(form.fields)) {
    const property = properties[name];
    if (property === undefined) {
      problems.push(`${where}: multipart field ${name} is not in the document`);
      continue;
    }
    const typed = typedText(ctx.resolve(property), value);
    problems.push(...ctx.schemas.problems(property, typed, `${where} multipart field ${name}`));
  }
  for (const name of Object.keys(form.files))
    if (properties[name] === undefined)
      problems.push(`${where}: multipart file ${name} is not in the document`);
  return problems;
}

/** Problems with an answer: a declared status, a declared media type, a body that fits. */
export function checkAnswer(
  ctx: CheckContext,
  exchange: RecordedExchange,
  undeclaredAllowed: ReadonlySet<number>,
): string[] {
  const status = exchange.status!;
  const where = `${ctx.where} → ${status}`;
  const responses = (ctx.operation.definition['responses'] ?? {}) as Json;
  const declared =
    responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses['default'];
  if (declared === undefined)
    return undeclaredAllowed.has(status)
      ? []
      : [
          `${where}: status ${status} is not among the documented ones (${Object.keys(responses).join(', ')})`,
        ];
  const content = (ctx.resolve(declared)['content'] ?? {}) as Json;
  const sent = exchange.responseBody !== undefined && exchange.responseBody !== '';
  if (Object.keys(content).length === 0)
    return sent ? [`${where}: a body was sent but the document declares none`] : [];
  const found = declaredMedia(content, exchange.responseContentType);
  if (!found)
    return [
      `${where}: content type ${essence(exchange.responseContentType) ?? '(none)'} is not among ${Object.keys(content).join(', ')}`,
    ];
  if (!isJsonMedia(found.type) || found.media['schema'] === undefined) return [];
  if (!sent) return [`${where}: the document declares a body and none was sent`];
  if (exchange.responseNotJson) return [`${where}: the body is not JSON`];
  return ctx.schemas.problems(found.media['schema'], exchange.responseBody, `${where} answer`);
}
