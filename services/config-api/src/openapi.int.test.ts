import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  capturingLogger,
  infra,
  OpenApiDocument,
  uniqueName,
  uniqueNamespace,
  withContext,
} from '@msync/test-support';
import {
  ADMIN_TOKEN,
  KEY_A,
  client,
  configApiHarness,
  type Harness,
  type Instance,
} from './test-support/harness.js';
import { orderJourney } from './test-support/order-events.js';
import {
  startApplierProcess,
  startReporterProcess,
  type ReporterProcess,
  type ServiceProcess,
} from './test-support/service-process.js';

// Generated requests against every documented operation: no 5xx, and every answer is one the
// document lists for that operation, with a body that matches the documented schema (judged by
// the same OpenAPI validator as the vendors' traffic).

type Json = Record<string, unknown>;
const obj = (value: unknown): Json => (value ?? {}) as Json;

const MIRAKL_KEY = 'fuzz-mirakl-key-0d9c8b7a';
const PAT = 'fuzz-shipbob-pat-1e2f3a4b';
const RUNS = 50;
const { logger } = capturingLogger('warn');
let h: Harness;
let instance: Instance;
let baseUrl = '';
let doc: Json = {};
const tokens: Record<'admin' | 'tenant', string> = { admin: ADMIN_TOKEN, tenant: '' };
const ids: string[] = [];
let reporter: ReporterProcess | undefined;
let applier: ServiceProcess | undefined;

beforeAll(async () => {
  const env = infra();
  const database = uniqueName('config-api-fuzz');
  h = await configApiHarness({ infra: env, database, namespace: uniqueNamespace(), logger });
  h.mirakl.control.addShop({ shopId: 6001, apiKey: MIRAKL_KEY, name: 'Fuzz Shop' });
  h.shipbob.control.world.seedMerchant({ pats: [PAT] });
  // The report operations ask the real reporter (ADR 0072).
  reporter = await startReporterProcess({
    path: process.env['PATH'] ?? '',
    infra: env,
    namespace: h.namespace,
    database,
  });
  // The catalog operations ask the real sync-applier (ADR 0089).
  applier = await startApplierProcess({
    path: process.env['PATH'] ?? '',
    infra: env,
    namespace: h.namespace,
    database,
    encryptionKeys: `k1:${KEY_A}`,
  });
  instance = await h.start({ reporterUrl: reporter.url, applierUrl: applier.url });
  baseUrl = instance.url;
  const admin = client(baseUrl, ADMIN_TOKEN);
  const tenant = await admin('POST', '/v1/tenants', { body: { name: 'Fuzz Co' } });
  tokens.tenant = (
    await admin('POST', '/v1/tokens', { body: { name: 'f', tenantId: tenant.body.id } })
  ).body.token;
  const store = await client(baseUrl, tokens.tenant)('POST', '/v1/stores', {
    body: { miraklUrl: h.mirakl.url, miraklApiKey: MIRAKL_KEY },
  });
  ids.push(store.body.id, tenant.body.id);
  // Activity and a timeline to answer with: the generated paths use one id for the store and
  // the order, so the order is named like the store.
  const journey = orderJourney(store.body.id, store.body.id);
  const at = new Date();
  await instance.api.activity.project({
    topicKey: 'orderAwaitingAcceptance',
    value: journey.awaiting(at),
  });
  await instance.api.activity.project({
    topicKey: 'syncOutcome',
    value: journey.outcome(at, 'orders', 'accept', 'FAILED', 'Mirakl answered 500'),
  });
  doc = (await client(baseUrl)('GET', '/v1/openapi.json')).body;
}, 120_000);

afterAll(async () => {
  await reporter?.close();
  await applier?.close();
  await h?.close();
});

/** An arbitrary of values matching (the subset of JSON Schema used by) a generated schema. */
function arbitraryOf(schema: Json): fc.Arbitrary<unknown> {
  if (schema['$ref']) {
    const name = (schema['$ref'] as string).split('/').pop()!;
    return arbitraryOf(obj(obj(obj(doc['components'])['schemas'])[name]));
  }
  if (schema['anyOf']) return fc.oneof(...(schema['anyOf'] as Json[]).map(arbitraryOf));
  if (schema['enum']) return fc.constantFrom(...(schema['enum'] as unknown[]));
  switch (schema['type']) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer':
      return fc.integer({
        min: (schema['minimum'] as number | undefined) ?? -1_000,
        max: (schema['maximum'] as number | undefined) ?? 1_000_000,
      });
    case 'string':
      if (schema['format'] === 'email') return fc.emailAddress();
      return fc.string({
        minLength: (schema['minLength'] as number | undefined) ?? 0,
        maxLength: Math.min((schema['maxLength'] as number | undefined) ?? 40, 60),
      });
    case 'object': {
      const props = (schema['properties'] ?? {}) as Record<string, Json>;
      const required = (schema['required'] ?? []) as string[];
      return fc.record(
        Object.fromEntries(Object.entries(props).map(([k, v]) => [k, arbitraryOf(v)])),
        { requiredKeys: required },
      );
    }
    default:
      return fc.jsonValue();
  }
}

/** Valid bodies, bodies with a wrong field, arbitrary JSON, and no body at all. */
function bodyArbitrary(schema: Json | undefined): fc.Arbitrary<unknown> {
  if (!schema) return fc.oneof(fc.constant(undefined), fc.constant(undefined), fc.jsonValue());
  const valid = arbitraryOf(schema);
  return fc.oneof(
    { weight: 4, arbitrary: valid },
    {
      weight: 1,
      arbitrary: fc
        .tuple(valid, fc.string({ minLength: 1, maxLength: 8 }), fc.jsonValue())
        .map(([v, k, x]) => (v && typeof v === 'object' ? { ...v, [k]: x } : v)),
    },
    { weight: 1, arbitrary: fc.jsonValue() },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

const operationsOf = () =>
  Object.entries(doc['paths'] as Record<string, Json>).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method, op: op as Json })),
  );

describe('generated requests against the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document whose schemas compile', () => {
    expect(doc['openapi']).toBe('3.1.0');
    expect(new OpenApiDocument(doc, { name: 'config-api' }).compileAll()).toEqual([]);
    expect(operationsOf().length).toBeGreaterThanOrEqual(17);
  });

  it('finds no 5xx and no answer that contradicts the document', async () => {
    const document = new OpenApiDocument(doc, { name: 'config-api' });
    const ops = operationsOf();
    // Destructive operations last, so the others see a live store.
    ops.sort((a, b) => Number(a.method === 'delete') - Number(b.method === 'delete'));
    for (const { path, method, op } of ops) {
      const bodySchema = obj(obj(obj(op['requestBody'])['content'])['application/json'])[
        'schema'
      ] as Json | undefined;
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom<'admin' | 'tenant'>('admin', 'tenant'),
          fc.oneof(fc.constantFrom(...ids), fc.string({ minLength: 1, maxLength: 12 })),
          method === 'get' ? fc.constant(undefined) : bodyArbitrary(bodySchema),
          fc.option(
            fc.oneof(
              fc.constant('"1"'),
              fc.nat(20).map((n) => `"${n}"`),
              fc.string({ maxLength: 6 }),
            ),
          ),
          async (who, id, body, ifMatch) => {
            const url = path.replace(/\{\w+\}/g, encodeURIComponent(id));
            const headers: Record<string, string> = {};
            if (ifMatch !== null) headers['if-match'] = ifMatch;
            const res = await client(baseUrl, tokens[who])(method.toUpperCase(), url, {
              ...(body !== undefined ? { body } : {}),
              headers,
            });
            const where = `${method.toUpperCase()} ${url} ${JSON.stringify(body)?.slice(0, 200)} → ${res.status} ${JSON.stringify(res.body)?.slice(0, 300)}`;
            withContext(where, () => expect(res.status).toBeLessThan(500));
            const report = document.check({
              method: method.toUpperCase(),
              path: url,
              status: res.status,
              responseContentType: res.headers.get('content-type') ?? undefined,
              responseBody: res.body,
            });
            withContext(where, () => expect(report.answer).toEqual([]));
          },
        ),
        { numRuns: RUNS, seed: 20261127 + ops.indexOf(ops.find((o) => o.op === op)!) },
      );
    }
  });
});
