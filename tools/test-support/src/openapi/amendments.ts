import { isObject } from './schema-dialect.js';

type Json = Record<string, unknown>;

/** Helpers for vendor adapters' amendments (errata applied to a document before use). */

/** `schema`, also admitting null, in a form both OpenAPI 3.0 and 3.1 documents accept here. */
export function orNull(schema: unknown): Json {
  return { anyOf: [schema, { type: 'null' }] };
}

/** Calls `visit` with each property of each component schema (reassign through `properties`). */
export function eachComponentProperty(
  document: Json,
  visit: (component: string, property: string, schema: Json, properties: Json) => void,
): void {
  const schemas = ((document['components'] as Json | undefined)?.['schemas'] ?? {}) as Json;
  for (const [component, schema] of Object.entries(schemas)) {
    const properties = isObject(schema) ? schema['properties'] : undefined;
    if (!isObject(properties)) continue;
    for (const [name, property] of Object.entries(properties))
      if (isObject(property)) visit(component, name, property, properties);
  }
}

/** Calls `visit` with each operation (method in lower case, as in the document). */
export function eachOperation(
  document: Json,
  visit: (method: string, template: string, operation: Json) => void,
): void {
  for (const [template, item] of Object.entries((document['paths'] ?? {}) as Json)) {
    if (!isObject(item)) continue;
    for (const [method, operation] of Object.entries(item))
      if (isObject(operation) && isObject(operation['responses']))
        visit(method, template, operation);
  }
}
