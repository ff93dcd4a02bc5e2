/* global sessionStorage, fetch */
/** The public API, as the UI uses it: bearer token, JSON, problem+json errors. */

const TOKEN_KEY = 'msync-api-token';

export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  set token(value) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
};

/** An API error: `status`, `title`, `detail` and `errors` ([{ field, rule, message }]). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.errors = problem.errors || [];
  }
}

/** Calls the API; resolves with `{ body, etag }`, rejects with an {@link ApiError}. */
export async function api(method, path, { body, ifMatch } = {}) {
  const headers = { accept: 'application/json' };
  if (session.token) headers.authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (ifMatch) headers['if-match'] = ifMatch;
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let data;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = { title: text };
  }
  if (!response.ok) throw new ApiError(response.status, data || {});
  return { body: data, etag: response.headers.get('etag') };
}
