// config-api's HTTP API as a tenant (or the administrator) calls it: the way the end-to-end test
// and the orders benchmark set up tenants and stores, never through the database.

export interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
  etag: string | null;
}

export interface ApiCall {
  token: string;
  body?: unknown;
  ifMatch?: string;
}

/** One request to config-api; the answer's JSON body (empty object when none) and ETag. */
export async function callConfigApi(
  apiUrl: string,
  method: string,
  path: string,
  call: ApiCall,
): Promise<ApiAnswer> {
  const headers: Record<string, string> = { authorization: `Bearer ${call.token}` };
  if (call.body !== undefined) headers['content-type'] = 'application/json';
  if (call.ifMatch) headers['if-match'] = call.ifMatch;
  const response = await fetch(`${apiUrl}${path}`, {
    method,
    headers,
    ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
    etag: response.headers.get('etag'),
  };
}

function expectStatus(answer: ApiAnswer, status: number, what: string): ApiAnswer {
  if (answer.status !== status)
    throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer;
}

/** A tenant created by the administrator, and a token of its own. */
export async function createTenant(
  apiUrl: string,
  adminToken: string,
  name: string,
): Promise<{ tenantId: string; token: string }> {
  const tenant = expectStatus(
    await callConfigApi(apiUrl, 'POST', '/v1/tenants', { token: adminToken, body: { name } }),
    201,
    'creating a tenant',
  );
  const tenantId = String(tenant.body['id']);
  const token = expectStatus(
    await callConfigApi(apiUrl, 'POST', '/v1/tokens', {
      token: adminToken,
      body: { name, tenantId },
    }),
    201,
    'issuing a tenant token',
  );
  return { tenantId, token: String(token.body['token']) };
}

export interface StoreSetup {
  miraklUrl: string;
  miraklApiKey: string;
  shipbobPat: string;
  toggles: Record<string, boolean>;
  pollIntervalMinutes: number;
  /** Further settings sent with the configuring PATCH (e.g. ship options). */
  settings?: Record<string, unknown>;
}

/**
 * Connects a store as a seller does (Mirakl URL and key, then the ShipBob token, toggles and
 * poll interval); the store's id once it is `CONNECTED`.
 */
export async function connectStore(
  apiUrl: string,
  token: string,
  setup: StoreSetup,
): Promise<string> {
  const connected = expectStatus(
    await callConfigApi(apiUrl, 'POST', '/v1/stores', {
      token,
      body: { miraklUrl: setup.miraklUrl, miraklApiKey: setup.miraklApiKey },
    }),
    201,
    'connecting a store',
  );
  const storeId = String(connected.body['id']);
  const current = await callConfigApi(apiUrl, 'GET', `/v1/stores/${storeId}`, { token });
  const configured = expectStatus(
    await callConfigApi(apiUrl, 'PATCH', `/v1/stores/${storeId}`, {
      token,
      ifMatch: current.etag ?? '',
      body: {
        shipbobPat: setup.shipbobPat,
        toggles: setup.toggles,
        pollIntervalMinutes: setup.pollIntervalMinutes,
        ...setup.settings,
      },
    }),
    200,
    'configuring a store',
  );
  if (configured.body['status'] !== 'CONNECTED')
    throw new Error(`store ${storeId} is ${String(configured.body['status'])}, not CONNECTED`);
  return storeId;
}

/** Changes a store's settings as a seller does (read, then PATCH with its ETag). */
export async function updateStore(
  apiUrl: string,
  token: string,
  storeId: string,
  body: Record<string, unknown>,
): Promise<void> {
  const current = await callConfigApi(apiUrl, 'GET', `/v1/stores/${storeId}`, { token });
  expectStatus(
    await callConfigApi(apiUrl, 'PATCH', `/v1/stores/${storeId}`, {
      token,
      ifMatch: current.etag ?? '',
      body,
    }),
    200,
    'updating a store',
  );
}
