/** The local run's demo tenant: made once through config-api's API, then reused on every start. */

export const DEMO_TENANT_NAME = 'Demo seller';
const DEMO_TOKEN_NAME = 'demo (npm start)';

export interface DemoTenant {
  tenantId: string;
  tenantName: string;
  /** A tenant bearer token for the UI and the API. */
  token: string;
}

interface Options {
  /** config-api's base URL, e.g. `http://127.0.0.1:8081`. */
  apiUrl: string;
  adminToken: string;
  /** The token a previous start printed (kept with the local state), if any. */
  savedToken?: string | undefined;
  name?: string;
}

/**
 * Returns a working token of the demo tenant. The saved token is reused while config-api still
 * accepts it; otherwise the tenant is found by name (or created) and a new token is issued, so
 * restarts never pile up tenants.
 */
export async function ensureDemoTenant(options: Options): Promise<DemoTenant> {
  const name = options.name ?? DEMO_TENANT_NAME;
  const call = apiCaller(options.apiUrl);
  if (options.savedToken) {
    const me = await call('GET', '/v1/whoami', options.savedToken);
    if (me.status === 200 && me.body['role'] === 'tenant') {
      return {
        tenantId: String(me.body['tenantId']),
        tenantName: typeof me.body['tenantName'] === 'string' ? me.body['tenantName'] : name,
        token: options.savedToken,
      };
    }
  }
  const tenants = await call('GET', '/v1/tenants', options.adminToken);
  expectStatus(tenants, 200, 'list tenants');
  const items = tenants.body['items'] as { id: string; name: string }[];
  let tenant = items.find((t) => t.name === name);
  if (!tenant) {
    const created = await call('POST', '/v1/tenants', options.adminToken, { name });
    expectStatus(created, 201, 'create the demo tenant');
    tenant = { id: String(created.body['id']), name };
  }
  const issued = await call('POST', '/v1/tokens', options.adminToken, {
    name: DEMO_TOKEN_NAME,
    tenantId: tenant.id,
  });
  expectStatus(issued, 201, 'issue the demo token');
  return { tenantId: tenant.id, tenantName: tenant.name, token: String(issued.body['token']) };
}

export interface Answer {
  status: number;
  body: Record<string, unknown>;
  etag: string | null;
}

export function apiCaller(apiUrl: string) {
  return async (
    method: string,
    path: string,
    token: string,
    body?: unknown,
    extraHeaders: Record<string, string> = {},
  ): Promise<Answer> => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...extraHeaders };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return {
      status: res.status,
      body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
      etag: res.headers.get('etag'),
    };
  };
}

export function expectStatus(answer: Answer, status: number, what: string): void {
  if (answer.status !== status) {
    const { detail, title } = answer.body;
    const why = typeof detail === 'string' ? detail : typeof title === 'string' ? title : '';
    throw new Error(`could not ${what}: config-api answered ${answer.status} ${why}`.trim());
  }
}
