/**
 * One HTTP request and its answer, as a test recorded it, in the terms an OpenAPI document
 * speaks. The simulators' request journals (`@msync/sim-kit`) record this shape already.
 */
export interface RecordedExchange {
  method: string;
  /** The path without the query string, still percent-encoded. */
  path: string;
  /** Decoded query parameters, each with every value it was given. */
  query?: Record<string, string[]>;
  /** Lower-case names; checked against the operation's header parameters when recorded. */
  requestHeaders?: Record<string, string | undefined>;
  /** Checked against the operation's request media types when recorded. */
  requestContentType?: string;
  /** Parsed JSON, `{ fields, files }` for multipart forms, text otherwise; absent when none. */
  requestBody?: unknown;
  /** Absent or 0 when no answer came (connection refused or dropped). */
  status?: number;
  /** Checked against the answer's media types when recorded. */
  responseContentType?: string;
  /** Parsed JSON, text otherwise; absent when the answer had no body. */
  responseBody?: unknown;
  /** The answer's body was text that does not parse as JSON. */
  responseNotJson?: boolean;
}

/** A multipart form as recorded: field values, and the file name of each file part. */
export interface RecordedForm {
  fields: Record<string, string>;
  files: Record<string, string>;
}

/** The path and decoded query of a URL, as {@link RecordedExchange} holds them. */
export function pathAndQuery(url: string): Pick<RecordedExchange, 'path' | 'query'> {
  const parsed = new URL(url);
  const query: Record<string, string[]> = {};
  for (const [name, value] of parsed.searchParams) (query[name] ??= []).push(value);
  return { path: parsed.pathname, query };
}

/** A body as recorded: the parsed JSON, else the text (flagged), nothing when empty. */
export function recordedBody(text: string | undefined): { body?: unknown; notJson?: boolean } {
  if (text === undefined || text.length === 0) return {};
  try {
    return { body: JSON.parse(text) as unknown };
  } catch {
    return { body: text, notJson: true };
  }
}

/**
 * A fetch that records every exchange it makes (the request at once, the answer when it
 * comes): for tests that call an HTTP API directly rather than through a client.
 */
export function recordingFetch(
  exchanges: RecordedExchange[],
  inner: typeof fetch = fetch,
): typeof fetch {
  return async (input, init) => {
    const url =
      typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url;
    const requestHeaders = Object.fromEntries(
      [...new Headers(init?.headers).entries()].map(([name, value]) => [name.toLowerCase(), value]),
    );
    const exchange: RecordedExchange = {
      method: (init?.method ?? 'GET').toUpperCase(),
      ...pathAndQuery(url),
      requestHeaders,
    };
    if (requestHeaders['content-type'])
      exchange.requestContentType = requestHeaders['content-type'];
    if (typeof init?.body === 'string') exchange.requestBody = recordedBody(init.body).body;
    exchanges.push(exchange);
    const response = await inner(input, init);
    exchange.status = response.status;
    const contentType = response.headers.get('content-type');
    if (contentType) exchange.responseContentType = contentType;
    const { body, notJson } = recordedBody(await response.clone().text());
    if (body !== undefined) exchange.responseBody = body;
    if (notJson) exchange.responseNotJson = true;
    return response;
  };
}
