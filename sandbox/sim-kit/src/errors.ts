/**
 * A failure a simulated API answers with. The simulator's vendor hook turns it into the vendor's
 * error body (Mirakl `{status, message, code?}`, ShipBob problem details, ...), so handlers
 * throw it and never build error bodies themselves.
 */
export class SimHttpError extends Error {
  /** Machine code the vendor documents for this failure (Mirakl `ORDER_NOT_FOUND`, ...). */
  readonly code: string | undefined;
  /** A ready-made vendor body, when the vendor's shape cannot be derived from status and message. */
  readonly body: unknown;
  /** Headers the answer carries (`Retry-After`, ...). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly status: number,
    message: string,
    options: { code?: string; body?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'SimHttpError';
    this.code = options.code;
    this.body = options.body;
    this.headers = options.headers ?? {};
  }
}

/** What express's own layers throw (body-parser limits, bad encodings): a status and a type. */
interface HttpLayerError {
  status?: unknown;
  statusCode?: unknown;
  type?: unknown;
  message?: unknown;
}

/**
 * Any thrown value as a {@link SimHttpError}: client errors of express's own layers keep their
 * status, everything else is a 500 whose message does not leak internals.
 */
export function toSimHttpError(error: unknown, bodyLimit: string | number): SimHttpError {
  if (error instanceof SimHttpError) return error;
  const layer = (typeof error === 'object' && error !== null ? error : {}) as HttpLayerError;
  const status = typeof layer.status === 'number' ? layer.status : layer.statusCode;
  if (layer.type === 'entity.too.large') {
    return new SimHttpError(413, `The request body is larger than ${String(bodyLimit)}; send less`);
  }
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new SimHttpError(
      status,
      typeof layer.message === 'string' ? layer.message : 'Bad Request',
    );
  }
  return new SimHttpError(500, 'Internal server error');
}
