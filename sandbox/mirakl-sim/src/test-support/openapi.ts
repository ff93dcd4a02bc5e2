import {
  compilePathTemplate,
  eachComponentProperty,
  eachOperation,
  OpenApiDocument,
  orNull,
  type Amendment,
  type ExchangeAdapter,
} from '@msync/test-support';
import type { Exchange } from '../index.js';

// Mirakl's published seller OpenAPI 3.1 document, with its errata, and how the simulator's
// journal is judged by it: for the simulator's suites and the Mirakl client's contract suite.

export const MIRAKL_OPENAPI_FILE = 'mirakl-mmp-seller.json';

type Json = Record<string, unknown>;

/**
 * Some fields are typed as objects or strings while their own descriptions say they are null in
 * some states (addresses "Null before shipping", dates "or null if no discount"): those accept null.
 */
const documentedNulls: Amendment = (document) =>
  eachComponentProperty(document, (_component, name, schema, properties) => {
    const description = typeof schema['description'] === 'string' ? schema['description'] : '';
    if (/\bnull\b/i.test(description)) properties[name] = orNull(schema);
  });

/**
 * Offset paging (reference §2.1) is described once, in the document's general notes, instead of
 * on each list operation: every GET takes its parameters.
 */
const offsetPagingOnListings: Amendment = (document) => {
  const paging: Json[] = [
    { name: 'offset', schema: { type: 'integer', minimum: 0 } },
    { name: 'max', schema: { type: 'integer', minimum: 1 } },
    { name: 'paginate', schema: { type: 'boolean' } },
    { name: 'sort', schema: { type: 'string' } },
    { name: 'order', schema: { type: 'string', enum: ['asc', 'desc'] } },
    { name: 'locale', schema: { type: 'string' } },
  ];
  eachOperation(document, (method, _template, operation) => {
    if (method !== 'get') return;
    const parameters = (operation['parameters'] ??= []) as Json[];
    for (const param of paging)
      if (!parameters.some((p) => p['in'] === 'query' && p['name'] === param['name']))
        parameters.push({ in: 'query', ...param });
  });
};

/**
 * Query parameters described as "a comma-separated list" are typed as one value
 * (`order_state_codes` as one state): each listed value is checked instead.
 */
const commaSeparatedLists: Amendment = (document) =>
  eachOperation(document, (_method, _template, operation) => {
    for (const param of (operation['parameters'] ?? []) as Json[]) {
      const schema = param['schema'] as Json | undefined;
      const description = typeof param['description'] === 'string' ? param['description'] : '';
      if (param['in'] !== 'query' || !schema || schema['type'] === 'array') continue;
      if (!/comma-separated list/i.test(description)) continue;
      param['schema'] = { type: 'array', items: schema };
      param['explode'] = false;
    }
  });

const OF54_DOCUMENT_PATH = '/dynamic-url/The+URL+is+retrieved+from+OF53+output/OF54';

/** OF54's JSON file is an array of offers, though the document describes one. */
const exportFileIsAnArray: Amendment = (document) => {
  const paths = document['paths'] as Record<string, Record<string, Json>>;
  const answer = paths[OF54_DOCUMENT_PATH]?.['get']?.['responses'] as Json | undefined;
  const json = ((answer?.['200'] as Json | undefined)?.['content'] as Json | undefined)?.[
    'application/json'
  ] as Json | undefined;
  if (json)
    json['schema'] = {
      type: 'array',
      items: { $ref: '#/components/schemas/OF54_Response_200_Ext_FileStructure' },
    };
};

/** V01 answers with a body "subject to change" that the document tells readers to ignore. */
const healthCheckBodyIgnored: Amendment = (document) => {
  const paths = document['paths'] as Record<string, Record<string, Json>>;
  const answer = (paths['/api/version']?.['get']?.['responses'] as Json | undefined)?.['200'];
  if (answer) (answer as Json)['content'] = { '*/*': {} };
};

let loaded: OpenApiDocument | undefined;

/** Mirakl's seller document from the vendors' document folder, errata applied (loaded once). */
export function miraklDocument(): OpenApiDocument {
  loaded ??= OpenApiDocument.fromVendorFile(MIRAKL_OPENAPI_FILE, {
    amendments: [
      documentedNulls,
      offsetPagingOnListings,
      commaSeparatedLists,
      exportFileIsAnArray,
      healthCheckBodyIgnored,
    ],
  });
  return loaded;
}

/** Faults whose answers are deliberately not what the document describes. */
const SHAPE_BREAKING_FAULTS = new Set([
  'status',
  'drop',
  'malformed',
  'truncated',
  'wrong-shape',
  'call-frequency',
]);

/** Where the simulator serves the export files OF53 points at (a URL the vendor picks). */
const SIMULATOR_EXPORT_FILE = compilePathTemplate('/api/offers/export/async/file/{trackingId}');

/** How the simulator's journal is judged by Mirakl's document. */
export const simulatorJournal: ExchangeAdapter<Exchange> = {
  documentPath: (exchange) =>
    SIMULATOR_EXPORT_FILE.match(exchange.path) ? OF54_DOCUMENT_PATH : undefined,
  requestNotJudged: (exchange) =>
    SIMULATOR_EXPORT_FILE.match(exchange.path)
      ? 'an export file URL: OF53 hands it out, the document does not describe it'
      : undefined,
  answerNotJudged: (exchange) => {
    if (exchange.fault && SHAPE_BREAKING_FAULTS.has(exchange.fault))
      return `deformed on purpose (fault ${exchange.fault})`;
    if (exchange.status >= 400) return 'an error answer: the document describes success answers';
    return undefined;
  },
};
