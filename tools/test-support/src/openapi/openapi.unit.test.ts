import { describe, expect, it } from '@jest/globals';
import {
  compilePathTemplate,
  OpenApiDocument,
  PathTemplateMatcher,
  recordingFetch,
  type RecordedExchange,
} from './index.js';

describe('path templates', () => {
  it('reads two parameters, percent-decoded, and nothing across segments', () => {
    const template = compilePathTemplate('/order/{orderId}/shipment/{shipmentId}');
    expect(template.names).toEqual(['orderId', 'shipmentId']);
    expect(template.match('/order/A%2F1/shipment/42')).toEqual({
      orderId: 'A/1',
      shipmentId: '42',
    });
    expect(template.match('/order/1/shipment')).toBeUndefined();
    expect(template.match('/order/1/shipment/2/logs')).toBeUndefined();
    expect(template.match('/order//shipment/2')).toBeUndefined();
  });

  it('keeps everything else literal: custom-method suffixes and regular-expression characters', () => {
    expect(compilePathTemplate('/order/{orderId}:cancel').match('/order/7:cancel')).toEqual({
      orderId: '7',
    });
    const dynamic = compilePathTemplate('/dynamic-url/The+URL+is+retrieved/OF54');
    expect(dynamic.match('/dynamic-url/The+URL+is+retrieved/OF54')).toEqual({});
    expect(dynamic.match('/dynamic-url/TheeURLLis+retrieved/OF54')).toBeUndefined();
  });

  it('picks the most specific template: literals before parameters', () => {
    const matcher = new PathTemplateMatcher(
      [
        '/reasons/{type}',
        '/reasons/incident_open',
        '/shipment/{id}',
        '/shipment/{id}:getLineItems',
      ].map((template) => ({ template, value: template })),
    );
    expect(matcher.match('/reasons/incident_open')?.value).toBe('/reasons/incident_open');
    expect(matcher.match('/reasons/messaging')).toMatchObject({
      value: '/reasons/{type}',
      params: { type: 'messaging' },
    });
    expect(matcher.match('/shipment/5:getLineItems')?.params).toEqual({ id: '5' });
    expect(matcher.match('/shipment/5:getLineItems')?.value).toBe('/shipment/{id}:getLineItems');
    expect(matcher.match('/shipment/5')?.value).toBe('/shipment/{id}');
    expect(
      matcher.match('/reasons/incident_open', (v) => v !== '/reasons/incident_open')?.value,
    ).toBe('/reasons/{type}');
    expect(matcher.match('/nowhere')).toBeUndefined();
  });
});

/** A small orders API, in either OpenAPI version (3.0 spells "or null" with `nullable`). */
function ordersDocument(version: '3.0.3' | '3.1.0'): Record<string, unknown> {
  const nullableDate =
    version === '3.0.3'
      ? { type: 'string', format: 'date-time', nullable: true }
      : { type: ['string', 'null'], format: 'date-time' };
  return {
    openapi: version,
    info: { title: `orders ${version}`, version: '1' },
    paths: {
      '/orders': {
        get: {
          operationId: 'LIST',
          parameters: [
            { in: 'query', name: 'state', schema: { $ref: '#/components/schemas/State' } },
            { in: 'query', name: 'max', schema: { type: 'integer', maximum: 100 } },
          ],
          responses: {
            '200': {
              description: 'a page',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Page' } } },
            },
          },
        },
      },
      '/orders/{orderId}/lines/{lineId}': {
        put: {
          operationId: 'UPDATE_LINE',
          parameters: [
            { in: 'path', name: 'orderId', required: true, schema: { type: 'string' } },
            { in: 'path', name: 'lineId', required: true, schema: { type: 'integer' } },
            { in: 'header', name: 'X-Channel', required: true, schema: { type: 'integer' } },
          ],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Line' } } },
          },
          responses: { '204': { description: 'updated' } },
        },
      },
    },
    components: {
      schemas: {
        State: { type: 'string', enum: ['OPEN', 'SHIPPED'] },
        Page: {
          type: 'object',
          required: ['orders', 'total_count'],
          properties: {
            orders: { type: 'array', items: { $ref: '#/components/schemas/Order' } },
            total_count: { type: 'integer' },
          },
        },
        Order: {
          type: 'object',
          required: ['id', 'state'],
          properties: {
            id: { type: 'string' },
            state: { $ref: '#/components/schemas/State' },
            shipped_at: nullableDate,
            // 3.0 ignores keywords beside a `$ref`; 3.1 applies them.
            reference: { $ref: '#/components/schemas/Reference', maxLength: 3 },
          },
        },
        Reference: { type: 'string' },
        Line: {
          type: 'object',
          required: ['quantity'],
          additionalProperties: false,
          properties: { quantity: { type: 'integer', minimum: 1 } },
        },
      },
    },
  };
}

const listing = (overrides: Partial<RecordedExchange> = {}): RecordedExchange => ({
  method: 'GET',
  path: '/orders',
  query: { state: ['OPEN'], max: ['10'] },
  status: 200,
  responseContentType: 'application/json; charset=utf-8',
  responseBody: { orders: [{ id: 'A-1', state: 'OPEN', shipped_at: null }], total_count: 1 },
  ...overrides,
});

const lineUpdate = (overrides: Partial<RecordedExchange> = {}): RecordedExchange => ({
  method: 'PUT',
  path: '/orders/A-1/lines/2',
  requestHeaders: { 'x-channel': '7' },
  requestContentType: 'application/json',
  requestBody: { quantity: 1 },
  status: 204,
  ...overrides,
});

describe.each(['3.0.3', '3.1.0'] as const)(
  'an OpenAPI %s document judging exchanges',
  (version) => {
    const doc = new OpenApiDocument(ordersDocument(version));

    it('finds nothing wrong with exchanges that follow it, and names their operation', () => {
      expect(doc.check(listing())).toMatchObject({ operationId: 'LIST', request: [], answer: [] });
      expect(doc.check(lineUpdate())).toMatchObject({
        operationId: 'UPDATE_LINE',
        template: '/orders/{orderId}/lines/{lineId}',
        request: [],
        answer: [],
      });
    });

    it('reports an answer without a required field', () => {
      const report = doc.check(listing({ responseBody: { orders: [] } }));
      expect(report.request).toEqual([]);
      expect(report.answer).toEqual([
        "GET /orders → 200 answer: / must have required property 'total_count'",
      ]);
    });

    it('reports a value outside an enum, in the answer and in the query', () => {
      const report = doc.check(
        listing({
          query: { state: ['LOST'] },
          responseBody: { orders: [{ id: 'A-1', state: 'LOST' }], total_count: 1 },
        }),
      );
      expect(report.request).toEqual([
        'GET /orders query parameter state: / must be equal to one of the allowed values {"allowedValues":["OPEN","SHIPPED"]}',
      ]);
      expect(report.answer.join('\n')).toContain(
        '/orders/0/state must be equal to one of the allowed values',
      );
    });

    it('reports a status the operation does not declare, unless the suite provokes it on purpose', () => {
      const teapot = listing({ status: 418, responseBody: { error: 'teapot' } });
      expect(doc.check(teapot).answer).toEqual([
        'GET /orders → 418: status 418 is not among the documented ones (200)',
      ]);
      expect(doc.check(teapot, { undeclaredStatuses: [418] }).answer).toEqual([]);
    });

    it('checks both parameters of a path with two, the required header and the body', () => {
      expect(doc.check(lineUpdate({ path: '/orders/A-1/lines/second' })).request).toEqual([
        'PUT /orders/A-1/lines/second path parameter lineId: / must be integer',
      ]);
      expect(doc.check(lineUpdate({ requestHeaders: {} })).request).toEqual([
        'PUT /orders/A-1/lines/2: required header X-Channel is missing',
      ]);
      expect(doc.check(lineUpdate({ requestBody: { quantity: 0, note: 'x' } })).request).toEqual([
        'PUT /orders/A-1/lines/2 request: / must NOT have additional properties {"additionalProperty":"note"}',
        'PUT /orders/A-1/lines/2 request: /quantity must be >= 1 {"comparison":">=","limit":1}',
      ]);
      expect(doc.check(lineUpdate({ requestBody: undefined })).request).toEqual([
        'PUT /orders/A-1/lines/2: the operation requires a request body and none was sent',
      ]);
      expect(doc.check(lineUpdate({ requestContentType: 'text/plain' })).request).toEqual([
        'PUT /orders/A-1/lines/2: request content type text/plain is not among application/json',
      ]);
    });

    it('reports query parameters, bodies and content types the document does not have', () => {
      expect(doc.check(listing({ query: { page: ['2'] } })).request).toEqual([
        'GET /orders: query parameter page is not in the document',
      ]);
      expect(doc.check(lineUpdate({ responseBody: { ok: true } })).answer).toEqual([
        'PUT /orders/A-1/lines/2 → 204: a body was sent but the document declares none',
      ]);
      expect(doc.check(listing({ responseContentType: 'text/csv' })).answer).toEqual([
        'GET /orders → 200: content type text/csv is not among application/json',
      ]);
      expect(
        doc.check(listing({ responseBody: '{"orders":', responseNotJson: true })).answer,
      ).toEqual(['GET /orders → 200: the body is not JSON']);
    });

    it('reports an exchange no operation matches, in its request and its answer', () => {
      const report = doc.check(listing({ method: 'DELETE' }));
      expect(report.request).toEqual([
        `DELETE /orders: orders ${version} has no operation with this method and path`,
      ]);
      expect(report.answer).toEqual(report.request);
    });

    it('accepts null in a nullable field, and nowhere else', () => {
      const withNull = (order: Record<string, unknown>) =>
        doc.check(listing({ responseBody: { orders: [order], total_count: 1 } })).answer;
      expect(withNull({ id: 'A-1', state: 'OPEN', shipped_at: null })).toEqual([]);
      expect(withNull({ id: 'A-1', state: 'OPEN', shipped_at: 'yesterday' })).toEqual([
        'GET /orders → 200 answer: /orders/0/shipped_at must match format "date-time" {"format":"date-time"}',
      ]);
      expect(withNull({ id: null, state: 'OPEN' })).toEqual([
        'GET /orders → 200 answer: /orders/0/id must be string',
      ]);
    });

    it('leaves answers the suite cannot judge, and exchanges that got no answer, out', () => {
      const broken = listing({ responseBody: { wrong: true } });
      const report = doc.check(broken, { answerNotJudged: () => 'an injected fault' });
      expect(report).toMatchObject({ answer: [], answerNotJudged: 'an injected fault' });
      expect(doc.check(listing({ status: 0, responseBody: undefined }))).toMatchObject({
        answer: [],
        answerNotJudged: 'no answer came',
      });
      expect(doc.problems([broken, broken])).toEqual([
        "GET /orders → 200 answer: / must have required property 'orders'",
        "GET /orders → 200 answer: / must have required property 'total_count'",
      ]);
    });
  },
);

describe('the differences between OpenAPI 3.0 and 3.1', () => {
  const withReference = (reference: string) =>
    listing({
      responseBody: { orders: [{ id: 'A-1', state: 'OPEN', reference }], total_count: 1 },
    });

  it('applies keywords beside a $ref in 3.1 only', () => {
    expect(
      new OpenApiDocument(ordersDocument('3.0.3')).check(withReference('ABCDEF')).answer,
    ).toEqual([]);
    expect(
      new OpenApiDocument(ordersDocument('3.1.0')).check(withReference('ABCDEF')).answer,
    ).toEqual([
      'GET /orders → 200 answer: /orders/0/reference must NOT have more than 3 characters {"limit":3}',
    ]);
  });

  it('reads 3.0 boolean exclusive bounds, and refuses documents of other versions', () => {
    const doc30 = ordersDocument('3.0.3');
    const line = (
      (doc30['components'] as Record<string, Record<string, Record<string, unknown>>>)['schemas']![
        'Line'
      ]!['properties'] as Record<string, Record<string, unknown>>
    )['quantity']!;
    Object.assign(line, { minimum: 1, exclusiveMinimum: true });
    const doc = new OpenApiDocument(doc30);
    expect(doc.check(lineUpdate({ requestBody: { quantity: 1 } })).request).toEqual([
      'PUT /orders/A-1/lines/2 request: /quantity must be > 1 {"comparison":">","limit":1}',
    ]);
    expect(doc.check(lineUpdate({ requestBody: { quantity: 2 } })).request).toEqual([]);
    expect(() => new OpenApiDocument({ ...doc30, swagger: '2.0', openapi: undefined })).toThrow(
      /only OpenAPI 3.0 and 3.1/,
    );
  });

  it('reads allOf as inheritance even where every part forbids additional properties', () => {
    const doc30 = ordersDocument('3.0.3');
    const schemas = (doc30['components'] as Record<string, Record<string, unknown>>)['schemas']!;
    schemas['Base'] = {
      type: 'object',
      additionalProperties: false,
      required: ['id'],
      properties: { id: { type: 'string' } },
    };
    schemas['Order'] = {
      additionalProperties: false,
      allOf: [
        { $ref: '#/components/schemas/Base' },
        {
          type: 'object',
          additionalProperties: false,
          required: ['state'],
          properties: { state: { $ref: '#/components/schemas/State' } },
        },
      ],
    };
    const doc = new OpenApiDocument(doc30);
    const page = (order: Record<string, unknown>) =>
      doc.check(listing({ responseBody: { orders: [order], total_count: 1 } })).answer;
    expect(page({ id: 'A-1', state: 'OPEN' })).toEqual([]);
    expect(page({ id: 'A-1' })).toEqual([
      "GET /orders → 200 answer: /orders/0 must have required property 'state'",
    ]);
    expect(page({ id: 'A-1', state: 'OPEN', extra: 1 })).toEqual([
      'GET /orders → 200 answer: /orders/0 must NOT have additional properties {"additionalProperty":"extra"}',
    ]);
  });

  it('applies amendments before compiling, on a copy', () => {
    const source = ordersDocument('3.1.0');
    const doc = new OpenApiDocument(source, {
      amendments: [
        (d) => {
          const schemas = (d['components'] as Record<string, Record<string, unknown>>)['schemas']!;
          (schemas['Page'] as Record<string, unknown>)['required'] = ['orders'];
        },
      ],
    });
    expect(doc.check(listing({ responseBody: { orders: [] } })).answer).toEqual([]);
    expect(
      new OpenApiDocument(source).check(listing({ responseBody: { orders: [] } })).answer,
    ).not.toEqual([]);
  });
});

describe('forms, comma lists, status ranges and suite adapters', () => {
  const doc = new OpenApiDocument({
    openapi: '3.1.0',
    info: { title: 'imports', version: '1' },
    paths: {
      '/imports': {
        post: {
          parameters: [
            {
              in: 'query',
              name: 'ids',
              explode: false,
              schema: { type: 'array', items: { type: 'integer' } },
            },
          ],
          requestBody: {
            content: {
              'multipart/form-data': {
                schema: {
                  type: 'object',
                  required: ['file', 'mode'],
                  properties: {
                    file: { type: 'string', format: 'binary' },
                    mode: { type: 'string', enum: ['NORMAL', 'REPLACE'] },
                  },
                },
              },
            },
          },
          responses: { '201': { description: 'created' }, '4XX': { description: 'refused' } },
        },
      },
    },
  });
  const upload = (overrides: Partial<RecordedExchange> = {}): RecordedExchange => ({
    method: 'POST',
    path: '/imports',
    query: { ids: ['1,2'] },
    requestContentType: 'multipart/form-data; boundary=x',
    requestBody: { fields: { mode: 'NORMAL' }, files: { file: 'stock.csv' } },
    status: 201,
    ...overrides,
  });

  it('checks each value of a comma list and each part of a form', () => {
    expect(doc.check(upload())).toMatchObject({ request: [], answer: [] });
    expect(doc.check(upload({ query: { ids: ['1,two'] } })).request).toEqual([
      'POST /imports query parameter ids: /1 must be integer',
    ]);
    expect(
      doc.check(upload({ requestBody: { fields: { mode: 'MERGE', extra: '1' }, files: {} } }))
        .request,
    ).toEqual([
      'POST /imports: multipart part file is missing',
      'POST /imports multipart field mode: / must be equal to one of the allowed values {"allowedValues":["NORMAL","REPLACE"]}',
      'POST /imports: multipart field extra is not in the document',
    ]);
  });

  it('reads a status range as declared', () => {
    expect(doc.check(upload({ status: 409 })).answer).toEqual([]);
    expect(doc.check(upload({ status: 500 })).answer).toEqual([
      'POST /imports → 500: status 500 is not among the documented ones (201, 4XX)',
    ]);
  });

  it('judges a URL the document does not describe as the operation the suite names', () => {
    const download = upload({ path: '/files/7', query: { part: ['0'] }, status: 500 });
    expect(doc.check(download).request).toEqual([
      'POST /files/7: imports has no operation with this method and path',
    ]);
    const report = doc.check(download, {
      documentPath: () => '/imports',
      requestNotJudged: () => 'a pre-computed URL',
    });
    expect(report).toMatchObject({
      template: '/imports',
      request: [],
      requestNotJudged: 'a pre-computed URL',
    });
    expect(report.answer).toEqual([
      'POST /files/7 → 500: status 500 is not among the documented ones (201, 4XX)',
    ]);
  });
});

describe('recordingFetch', () => {
  it('records the request at once and the answer when it comes, in the document’s terms', async () => {
    const exchanges: RecordedExchange[] = [];
    const answer = async () =>
      new Response('{"orders":[]', {
        status: 200,
        headers: { 'content-type': 'application/json' },
      });
    const fetchRecorded = recordingFetch(exchanges, answer);
    const response = await fetchRecorded('http://sim.test/orders?state=OPEN&state=SHIPPED', {
      method: 'post',
      headers: { 'Content-Type': 'application/json', 'X-Channel': '7' },
      body: '{"quantity":1}',
    });
    expect(await response.text()).toBe('{"orders":[]');
    expect(exchanges).toEqual([
      {
        method: 'POST',
        path: '/orders',
        query: { state: ['OPEN', 'SHIPPED'] },
        requestHeaders: { 'content-type': 'application/json', 'x-channel': '7' },
        requestContentType: 'application/json',
        requestBody: { quantity: 1 },
        status: 200,
        responseContentType: 'application/json',
        responseBody: '{"orders":[]',
        responseNotJson: true,
      },
    ]);
  });
});
