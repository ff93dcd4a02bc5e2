import { z } from 'zod';
import { COMMON_ERRORS, type Operation } from './operations.js';
import { ProblemView, requestSchemas, responseSchemas } from './schemas.js';

const STATUS_TEXT: Record<number, string> = {
  400: 'Malformed request (JSON, parameters)',
  401: 'Missing or unknown bearer token',
  403: 'The token may not do this',
  404: 'No such resource (or not yours)',
  409: 'Conflicts with the current state',
  412: 'If-Match names an old version',
  413: 'Body too large',
  415: 'Body is not application/json',
  422: 'Breaks a rule; `errors` name the field and the rule',
  428: 'If-Match is required',
  500: 'Unexpected failure',
  502: 'The vendor answered unexpectedly',
  503: 'The vendor could not be reached; try again',
};

/** Builds the OpenAPI 3.1 document from the operation table and its zod schemas. */
export function openApiDocument(ops: readonly Operation[]): Record<string, unknown> {
  const components: Record<string, unknown> = {
    ...componentSchemas(requestSchemas, 'input'),
    ...componentSchemas(responseSchemas, 'output'),
  };
  const ref = (schema: z.ZodType, _io: 'input' | 'output'): Record<string, unknown> => {
    const id = requestSchemas.get(schema)?.id ?? responseSchemas.get(schema)?.id;
    if (!id) throw new Error('every API schema is registered with an id');
    return { $ref: `#/components/schemas/${id}` };
  };
  const problem = ref(ProblemView, 'output');

  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of ops) {
    const parameters: unknown[] = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    for (const [name, schema] of Object.entries(op.query?.shape ?? {})) {
      const { description, ...rest } = jsonSchemaOf(schema as z.ZodType);
      parameters.push({
        name,
        in: 'query',
        required: !(schema as z.ZodType).safeParse(undefined).success,
        ...(description ? { description } : {}),
        schema: rest,
      });
    }
    if (op.ifMatch !== 'none') {
      parameters.push({
        name: 'If-Match',
        in: 'header',
        required: op.ifMatch === 'required',
        description: 'The ETag (version) the change is based on',
        schema: { type: 'string' },
      });
    }
    const responses: Record<string, unknown> = {
      [op.success.status]: {
        description: op.success.description,
        ...(op.success.etag
          ? { headers: { ETag: { schema: { type: 'string' }, description: 'The version' } } }
          : {}),
        ...(op.success.schema
          ? { content: { 'application/json': { schema: ref(op.success.schema, 'output') } } }
          : {}),
      },
    };
    for (const status of [...new Set([...COMMON_ERRORS, ...op.errors])].sort()) {
      responses[status] = {
        description: STATUS_TEXT[status] ?? 'Error',
        content: { 'application/problem+json': { schema: problem } },
      };
    }
    (paths[op.path] ??= {})[op.method] = {
      operationId: op.id,
      summary: op.summary,
      ...(op.access === 'admin' ? { description: 'Needs an admin token.' } : {}),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(op.body
        ? {
            requestBody: {
              required: !op.bodyOptional,
              content: { 'application/json': { schema: ref(op.body, 'input') } },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'msync config-api',
      version: '1.0.0',
      description:
        'Connect and configure Mirakl stores and their ShipBob accounts. Errors are RFC 9457 problems.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths: {
      '/v1/openapi.json': {
        get: {
          operationId: 'openApi',
          summary: 'This document',
          security: [],
          responses: { 200: { description: 'OpenAPI 3.1', content: { 'application/json': {} } } },
        },
      },
      ...paths,
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: components,
    },
  };
}

function componentSchemas(
  registry: typeof requestSchemas,
  io: 'input' | 'output',
): Record<string, unknown> {
  const { schemas } = z.toJSONSchema(registry, {
    io,
    target: 'draft-2020-12',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  });
  return Object.fromEntries(
    Object.entries(schemas).map(([id, schema]) => {
      const { $schema: _s, $id: _i, id: _id, ...rest } = schema as Record<string, unknown>;
      return [id, rest];
    }),
  );
}

/** One query parameter's schema, as a client sends it (coerced numbers are integers). */
function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> & { description?: string } {
  const { $schema: _s, ...rest } = z.toJSONSchema(schema, {
    io: 'input',
    target: 'draft-2020-12',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  return rest;
}
