import { STATUS_CODES } from 'node:http';
import { SimHttpError } from '@msync/sim-kit';

/**
 * The error bodies ShipBob's services answer with. They differ by service (reference §4.4), so
 * each route says which one its OpenAPI operation documents.
 */

/**
 * A failure answered with exactly `body` (any JSON value), or without a body when there is none:
 * ShipBob sends its 401, 403 and most 404s bare (see `SHIPBOB_VENDOR.errorBody`).
 */
export function vendorError(status: number, body?: unknown): SimHttpError {
  const message = (body as { message?: unknown } | undefined)?.message;
  return new SimHttpError(
    status,
    typeof message === 'string' ? message : (STATUS_CODES[status] ?? 'Error'),
    { body },
  );
}

/** A query or path parameter the route cannot read; rendered in the route's documented 400 shape. */
export class InvalidParameter extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
  }
}

/** Field (wire path) → messages, ASP.NET's model-state dictionary. */
export type FieldErrors = Record<string, string[]>;

/**
 * How an operation's documented 400 looks: `fields` = field → messages (orders, products,
 * channels, shipping methods); `problem` = ProblemDetails (inventory, returns); `string` = a bare
 * JSON string (tracking); `object-result` = ASP.NET's serialised ObjectResult (webhooks).
 */
export type ErrorStyle = 'fields' | 'problem' | 'string' | 'object-result';

export function problem(status: number, detail: string): Record<string, unknown> {
  return { type: 'https://tools.ietf.org/html/rfc9110', title: detail, status, detail };
}

/** ASP.NET's ValidationProblemDetails: a ProblemDetails with the field → messages map. */
export function validationProblem(status: number, errors: FieldErrors): Record<string, unknown> {
  return {
    type: 'https://tools.ietf.org/html/rfc9110#section-15.5.1',
    title: 'One or more validation errors occurred.',
    status,
    errors,
  };
}

/** The returns service's 422 `ApiError`. */
export function apiError(message: string): Record<string, unknown> {
  return { message, errors: [message] };
}

/** The webhooks service's 400/422: an ASP.NET `ObjectResult` serialised as is. */
export function objectResult(status: number, value: unknown): Record<string, unknown> {
  const type = status === 422 ? 'UnprocessableEntityObjectResult' : 'BadRequestObjectResult';
  return {
    $type: type,
    status_code: status,
    value,
    content_types: [],
    formatters: [],
    declared_type: null,
  };
}

export function errorBody(style: ErrorStyle, status: number, errors: FieldErrors): unknown {
  switch (style) {
    case 'fields':
      return errors;
    case 'problem':
      return validationProblem(status, errors);
    case 'string':
      return Object.values(errors).flat().join(' ');
    case 'object-result':
      return objectResult(status, { errors });
  }
}

/** The body of ShipBob's 429 (reference §4.3). */
export function rateLimitBody(retryAfterSeconds: number): Record<string, unknown> {
  return {
    statusCode: 429,
    message: `Rate limit is exceeded. Try again in ${retryAfterSeconds} seconds.`,
  };
}
