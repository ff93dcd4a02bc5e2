import {
  eachOperation,
  OpenApiDocument,
  orNull,
  type Amendment,
  type ExchangeAdapter,
  type RecordedExchange,
} from '@msync/test-support';

// ShipBob's published OpenAPI 3.0 documents, with their errata, for every suite that judges
// ShipBob traffic: the simulator's own, the client's against the simulator, the live one.

export const SHIPBOB_VERSIONS = ['2025-07', '2026-01'] as const;
export type ShipBobDocumentVersion = (typeof SHIPBOB_VERSIONS)[number];

type Json = Record<string, unknown>;

/**
 * A shipment's `tracking` is null until it is labeled (reference §8.3); OpenAPI 3.0 cannot mark a
 * `$ref` nullable, so the document types it as an object only.
 */
const trackingNullUntilLabeled: Amendment = (document) => {
  const schemas = (document['components'] as Json)['schemas'] as Record<string, Json>;
  const properties = schemas['Orders.ShipmentViewModel']?.['properties'] as Json | undefined;
  if (properties?.['tracking']) properties['tracking'] = orNull(properties['tracking']);
};

/**
 * Some `required` lists name camelCase fields (`referenceId`) whose wire names are snake_case
 * (`reference_id`); taken literally they reject every valid body.
 */
const requiredByWireName: Amendment = (document) => {
  const schemas = (document['components'] as Json)['schemas'] as Record<string, Json>;
  const propertyNames = (schema: Json | undefined, seen = new Set<Json>()): Set<string> => {
    if (!schema || seen.has(schema)) return new Set();
    seen.add(schema);
    const names = new Set(Object.keys(schema['properties'] ?? {}));
    for (const member of (schema['allOf'] ?? []) as Json[]) {
      const ref = member['$ref'];
      const resolved = typeof ref === 'string' ? schemas[ref.split('/').pop()!] : member;
      for (const name of propertyNames(resolved, seen)) names.add(name);
    }
    return names;
  };
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    const schema = node as Json;
    if (Array.isArray(schema['required'])) {
      const names = propertyNames(schema);
      schema['required'] = (schema['required'] as string[]).map((name) => {
        const snake = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
        return !names.has(name) && names.has(snake) ? snake : name;
      });
    }
    Object.values(schema).forEach(visit);
  };
  visit(document);
};

/**
 * ShipBob's generator writes `additionalProperties: false` on every schema, also where no
 * properties are declared beside it (strings, dictionaries, the extension members of problem
 * details, `oneOf` wrappers); there it would reject every field. Kept where properties are
 * declared or inherited through `allOf`.
 */
const closedOnlyWithProperties: Amendment = (document) => {
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    const schema = node as Json;
    if (
      schema['additionalProperties'] === false &&
      schema['properties'] === undefined &&
      schema['allOf'] === undefined
    )
      delete schema['additionalProperties'];
    Object.values(schema).forEach(visit);
  };
  visit(document);
};

/** `Cursor` arrives inside the `next` links list answers carry, which clients follow as given. */
const cursorOnListings: Amendment = (document) =>
  eachOperation(document, (method, _template, operation) => {
    const parameters = (operation['parameters'] ??= []) as Json[];
    if (method === 'get' && !parameters.some((p) => p['in'] === 'query' && p['name'] === 'Cursor'))
      parameters.push({ in: 'query', name: 'Cursor', schema: { type: 'string' } });
  });

const documents = new Map<string, OpenApiDocument>();

/** `shipbob-<version>.json` from the vendors' document folder, errata applied (loaded once). */
export function shipBobDocument(version: ShipBobDocumentVersion): OpenApiDocument {
  let document = documents.get(version);
  if (!document) {
    document = OpenApiDocument.fromVendorFile(`shipbob-${version}.json`, {
      amendments: [
        trackingNullUntilLabeled,
        requiredByWireName,
        closedOnlyWithProperties,
        cursorOnListings,
      ],
    });
    documents.set(version, document);
  }
  return document;
}

/** Answers the simulator's `malformed` fault deformed on purpose are not judged. */
export const notJsonOnPurpose = (exchange: RecordedExchange): string | undefined =>
  exchange.responseNotJson ? 'the body is not JSON (an injected fault)' : undefined;

/**
 * Every distinct problem of these exchanges against the document of their version (the first
 * path segment, `/2025-07/...`).
 */
export function shipBobProblems(
  exchanges: readonly RecordedExchange[],
  adapter: ExchangeAdapter & { answersOnly?: boolean } = {},
): string[] {
  const problems = new Set<string>();
  for (const exchange of exchanges) {
    const version = exchange.path.split('/')[1] as ShipBobDocumentVersion;
    if (!SHIPBOB_VERSIONS.includes(version)) {
      problems.add(`${exchange.method} ${exchange.path}: no ShipBob document for this version`);
      continue;
    }
    for (const problem of shipBobDocument(version).problems([exchange], adapter))
      problems.add(problem);
  }
  return [...problems];
}
