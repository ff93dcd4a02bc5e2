import type { z } from 'zod';
import type { Principal } from '../domain/access.js';
import { Problem } from '../domain/problem.js';
import type { StoreService } from '../stores.js';
import type { AccessService } from '../access.js';
import type { ActivityService } from '../activity.js';
import type { ReportsService } from '../reports.js';
import type { CatalogService } from '../catalog.js';
import type { ReconcileService } from '../reconcile.js';
import {
  CatalogCyclesView,
  CatalogSkuPageView,
  CatalogSkuQuery,
  ActivityListQuery,
  ActivityPageView,
  OrderTimelineView,
  TokenListQuery,
  ConfigureStoreRequest,
  ConnectStoreRequest,
  CreateTenantRequest,
  FulfillmentCenterList,
  IssueTokenRequest,
  IssuedTokenView,
  ReconcileRequestedView,
  ReconnectStoreRequest,
  ReportHistoryQuery,
  ReportHistoryView,
  ReportPreviewView,
  ReturnsApprovalRequest,
  TestReportView,
  StoreList,
  StoreView,
  TenantList,
  TenantView,
  TokenList,
  Whoami,
} from './schemas.js';
import { activityEntryView, etagOf, orderTimelineView, storeView } from './views.js';
import type { TokenDocument } from '../adapters/mongo-access.js';

export type Access = 'any' | 'admin';
export type IfMatch = 'required' | 'optional' | 'none';

export interface RequestContext {
  principal: Principal;
  params: Record<string, string>;
  /** The query, parsed by the operation's `query` schema. */
  query: Record<string, unknown>;
  body: unknown;
  /** The version named by If-Match, when given. */
  expectedVersion: number | undefined;
}

export interface Reply {
  status: number;
  body?: unknown;
  etag?: string;
}

export interface Operation {
  id: string;
  method: 'get' | 'post' | 'patch' | 'put' | 'delete';
  /** OpenAPI form, e.g. `/v1/stores/{storeId}`. */
  path: string;
  summary: string;
  access: Access;
  body?: z.ZodType;
  bodyOptional?: boolean;
  ifMatch: IfMatch;
  /** Query parameters (each at most once); the field descriptions document them. */
  query?: z.ZodObject;
  success: { status: number; schema?: z.ZodType; description: string; etag?: boolean };
  /** Error statuses this operation can answer besides the common ones. */
  errors: number[];
  handle(ctx: RequestContext): Promise<Reply>;
}

export const COMMON_ERRORS = [400, 401, 413, 415, 422, 500];

const storeReply = (status: number, store: Parameters<typeof storeView>[0]): Reply => ({
  status,
  body: storeView(store),
  etag: etagOf(store),
});

const tokenView = (t: TokenDocument) => ({
  id: t._id,
  name: t.name,
  role: t.role,
  tenantId: t.tenantId,
  createdAt: t.createdAt.toISOString(),
});

/** The API, one entry per operation: the router and the OpenAPI document are built from it. */
export function operations(services: {
  stores: StoreService;
  access: AccessService;
  activity: ActivityService;
  reports: ReportsService;
  catalog: CatalogService;
  reconcile: ReconcileService;
}): Operation[] {
  const { stores, access, activity, reports, catalog, reconcile } = services;
  const storeId = (ctx: RequestContext) => ctx.params['storeId'] ?? '';
  return [
    {
      id: 'whoami',
      method: 'get',
      path: '/v1/whoami',
      summary: 'The role (and tenant, with its name) of the calling token',
      access: 'any',
      ifMatch: 'none',
      success: { status: 200, schema: Whoami, description: 'The caller' },
      errors: [],
      handle: async ({ principal }) => ({
        status: 200,
        body:
          principal.role === 'tenant'
            ? {
                role: principal.role,
                tenantId: principal.tenantId,
                tenantName: (await access.findTenant(principal.tenantId))?.name ?? null,
              }
            : { role: principal.role, tenantId: null, tenantName: null },
      }),
    },
    {
      id: 'listStores',
      method: 'get',
      path: '/v1/stores',
      summary: "The caller's stores (every store for an admin)",
      access: 'any',
      ifMatch: 'none',
      success: { status: 200, schema: StoreList, description: 'Stores' },
      errors: [],
      handle: async ({ principal }) => ({
        status: 200,
        body: { items: (await stores.list(principal)).map(storeView) },
      }),
    },
    {
      id: 'connectStore',
      method: 'post',
      path: '/v1/stores',
      summary: 'Connect a Mirakl store (the key is verified; a first offers sync is requested)',
      access: 'any',
      body: ConnectStoreRequest,
      ifMatch: 'none',
      success: { status: 201, schema: StoreView, description: 'Connected', etag: true },
      errors: [403, 409, 422, 502, 503],
      handle: async (ctx) =>
        storeReply(
          201,
          await stores.connect(ctx.principal, ctx.body as z.infer<typeof ConnectStoreRequest>),
        ),
    },
    {
      id: 'getStore',
      method: 'get',
      path: '/v1/stores/{storeId}',
      summary: 'One store; the ETag is its version',
      access: 'any',
      ifMatch: 'none',
      success: { status: 200, schema: StoreView, description: 'The store', etag: true },
      errors: [404],
      handle: async (ctx) => storeReply(200, await stores.get(ctx.principal, storeId(ctx))),
    },
    {
      id: 'configureStore',
      method: 'patch',
      path: '/v1/stores/{storeId}',
      summary: 'Change the configuration (validated as a whole); needs If-Match',
      access: 'any',
      body: ConfigureStoreRequest,
      ifMatch: 'required',
      success: { status: 200, schema: StoreView, description: 'Saved', etag: true },
      errors: [404, 412, 422, 428, 502, 503],
      handle: async (ctx) =>
        storeReply(
          200,
          await stores.configure(
            ctx.principal,
            storeId(ctx),
            ctx.expectedVersion ?? 0,
            ctx.body as z.infer<typeof ConfigureStoreRequest>,
          ),
        ),
    },
    {
      id: 'deleteStore',
      method: 'delete',
      path: '/v1/stores/{storeId}',
      summary: 'Delete: secrets erased, syncing stops, history kept',
      access: 'any',
      ifMatch: 'optional',
      success: { status: 204, description: 'Deleted' },
      errors: [404, 412],
      handle: async (ctx) => {
        await stores.remove(ctx.principal, storeId(ctx), ctx.expectedVersion);
        return { status: 204 };
      },
    },
    {
      id: 'disconnectStore',
      method: 'post',
      path: '/v1/stores/{storeId}/disconnect',
      summary: 'Stop all syncing; configuration and history are kept',
      access: 'any',
      ifMatch: 'optional',
      success: { status: 200, schema: StoreView, description: 'Disconnected', etag: true },
      errors: [404, 412],
      handle: async (ctx) =>
        storeReply(200, await stores.disconnect(ctx.principal, storeId(ctx), ctx.expectedVersion)),
    },
    {
      id: 'reconnectStore',
      method: 'post',
      path: '/v1/stores/{storeId}/connect',
      summary: 'Resume syncing after the key is verified again (optionally a new key)',
      access: 'any',
      body: ReconnectStoreRequest,
      bodyOptional: true,
      ifMatch: 'optional',
      success: { status: 200, schema: StoreView, description: 'Connected', etag: true },
      errors: [404, 412, 422, 502, 503],
      handle: async (ctx) =>
        storeReply(
          200,
          await stores.reconnect(
            ctx.principal,
            storeId(ctx),
            ctx.expectedVersion,
            (ctx.body as z.infer<typeof ReconnectStoreRequest> | undefined) ?? {},
          ),
        ),
    },
    {
      id: 'setReturnsApproval',
      method: 'put',
      path: '/v1/stores/{storeId}/returns-approval',
      summary: 'Admin: approve (or revoke) returns for a store',
      access: 'admin',
      body: ReturnsApprovalRequest,
      ifMatch: 'optional',
      success: { status: 200, schema: StoreView, description: 'Saved', etag: true },
      errors: [403, 404, 412],
      handle: async (ctx) =>
        storeReply(
          200,
          await stores.setReturnsApproval(
            ctx.principal,
            storeId(ctx),
            (ctx.body as z.infer<typeof ReturnsApprovalRequest>).approved,
            ctx.expectedVersion,
          ),
        ),
    },
    {
      id: 'listFulfillmentCenters',
      method: 'get',
      path: '/v1/stores/{storeId}/fulfillment-centers',
      summary: "The ShipBob account's fulfillment centers (for the return center)",
      access: 'any',
      ifMatch: 'none',
      success: { status: 200, schema: FulfillmentCenterList, description: 'Centers' },
      errors: [404, 409, 502, 503],
      handle: async (ctx) => ({
        status: 200,
        body: { items: await stores.fulfillmentCenters(ctx.principal, storeId(ctx)) },
      }),
    },
    {
      id: 'listStoreActivity',
      method: 'get',
      path: '/v1/stores/{storeId}/activity',
      summary: 'What the sync did for a store, newest first (paged with a cursor)',
      access: 'any',
      ifMatch: 'none',
      query: ActivityListQuery,
      success: { status: 200, schema: ActivityPageView, description: 'One page of entries' },
      errors: [404],
      handle: async (ctx) => {
        const page = await activity.list(ctx.principal, storeId(ctx), ctx.query);
        return {
          status: 200,
          body: { items: page.items.map(activityEntryView), nextCursor: page.nextCursor },
        };
      },
    },
    {
      id: 'getOrderTimeline',
      method: 'get',
      path: '/v1/stores/{storeId}/orders/{orderId}/timeline',
      summary: "A Mirakl order's journey: seen, accepted, … shipped, and its last failure",
      access: 'any',
      ifMatch: 'none',
      success: { status: 200, schema: OrderTimelineView, description: 'The timeline' },
      errors: [404],
      handle: async (ctx) => ({
        status: 200,
        body: orderTimelineView(
          await activity.timeline(ctx.principal, storeId(ctx), ctx.params['orderId'] ?? ''),
        ),
      }),
    },
    {
      id: 'reconcileStoreStock',
      method: 'post',
      path: '/v1/stores/{storeId}/reconcile',
      summary:
        "Compare Mirakl's offer quantities with what the product computes now (a full offer export); drift shows in the activity and is fixed by the next stock import",
      access: 'any',
      ifMatch: 'none',
      success: {
        status: 202,
        schema: ReconcileRequestedView,
        description: 'Requested; the result appears in the activity (flow inventory)',
      },
      errors: [404, 409, 503],
      handle: async (ctx) => ({
        status: 202,
        body: await reconcile.request(ctx.principal, storeId(ctx)),
      }),
    },
    {
      id: 'previewStoreReport',
      method: 'get',
      path: '/v1/stores/{storeId}/report/preview',
      summary: 'The returns report e-mail the reporter would send for the store now',
      access: 'any',
      ifMatch: 'none',
      success: { status: 200, schema: ReportPreviewView, description: 'The report' },
      errors: [404, 409, 503],
      handle: async (ctx) => ({
        status: 200,
        body: await reports.preview(ctx.principal, storeId(ctx)),
      }),
    },
    {
      id: 'sendTestStoreReport',
      method: 'post',
      path: '/v1/stores/{storeId}/report/test',
      summary:
        'Send the report as it would be now to the store address, marked as a test (not the daily report)',
      access: 'any',
      ifMatch: 'none',
      success: { status: 200, schema: TestReportView, description: 'Sent' },
      errors: [404, 409, 429, 502, 503],
      handle: async (ctx) => ({
        status: 200,
        body: await reports.sendTest(ctx.principal, storeId(ctx)),
      }),
    },
    {
      id: 'listStoreReports',
      method: 'get',
      path: '/v1/stores/{storeId}/reports',
      summary: 'The daily reports of the store: date, result, number of returns, newest first',
      access: 'any',
      ifMatch: 'none',
      query: ReportHistoryQuery,
      success: { status: 200, schema: ReportHistoryView, description: 'Reports' },
      errors: [404, 503],
      handle: async (ctx) => ({
        status: 200,
        body: {
          items: await reports.history(
            ctx.principal,
            storeId(ctx),
            (ctx.query as { limit?: number }).limit ?? 30,
          ),
        },
      }),
    },
    {
      id: 'getStoreCatalog',
      method: 'get',
      path: '/v1/stores/{storeId}/catalog',
      summary:
        'The last cycle of each catalog flow (offers, inventory): when, SKUs changed, errors',
      access: 'any',
      ifMatch: 'none',
      success: { status: 200, schema: CatalogCyclesView, description: 'The last cycles' },
      errors: [404, 503],
      handle: async (ctx) => ({
        status: 200,
        body: await catalog.cycles(ctx.principal, storeId(ctx)),
      }),
    },
    {
      id: 'listStoreCatalogSkus',
      method: 'get',
      path: '/v1/stores/{storeId}/catalog/skus',
      summary:
        "The store's SKUs by SKU: ShipBob product, levels, buffer, computed and pushed quantity, last push result",
      access: 'any',
      ifMatch: 'none',
      query: CatalogSkuQuery,
      success: { status: 200, schema: CatalogSkuPageView, description: 'A page of SKUs' },
      errors: [404, 503],
      handle: async (ctx) => ({
        status: 200,
        body: await catalog.skus(ctx.principal, storeId(ctx), ctx.query),
      }),
    },
    {
      id: 'listTenants',
      method: 'get',
      path: '/v1/tenants',
      summary: 'Admin: every tenant',
      access: 'admin',
      ifMatch: 'none',
      success: { status: 200, schema: TenantList, description: 'Tenants' },
      errors: [403],
      handle: async () => ({
        status: 200,
        body: {
          items: (await access.listTenants()).map((t) => ({
            id: t._id,
            name: t.name,
            createdAt: t.createdAt.toISOString(),
          })),
        },
      }),
    },
    {
      id: 'createTenant',
      method: 'post',
      path: '/v1/tenants',
      summary: 'Admin: create a tenant',
      access: 'admin',
      body: CreateTenantRequest,
      ifMatch: 'none',
      success: { status: 201, schema: TenantView, description: 'Created' },
      errors: [403, 422],
      handle: async (ctx) => {
        const t = await access.createTenant((ctx.body as z.infer<typeof CreateTenantRequest>).name);
        return {
          status: 201,
          body: { id: t._id, name: t.name, createdAt: t.createdAt.toISOString() },
        };
      },
    },
    {
      id: 'listTokens',
      method: 'get',
      path: '/v1/tokens',
      summary: 'Admin: API tokens (never their values), optionally of one tenant',
      access: 'admin',
      ifMatch: 'none',
      query: TokenListQuery,
      success: { status: 200, schema: TokenList, description: 'Tokens' },
      errors: [403],
      handle: async (ctx) => {
        const { tenantId } = ctx.query as z.infer<typeof TokenListQuery>;
        const tokens = await access.listTokens(tenantId !== undefined ? { tenantId } : {});
        return { status: 200, body: { items: tokens.map(tokenView) } };
      },
    },
    {
      id: 'issueToken',
      method: 'post',
      path: '/v1/tokens',
      summary: 'Admin: issue a tenant token (or, with tenantId null, an admin token)',
      access: 'admin',
      body: IssueTokenRequest,
      ifMatch: 'none',
      success: {
        status: 201,
        schema: IssuedTokenView,
        description: 'Issued; the value is shown once',
      },
      errors: [403, 404, 422],
      handle: async (ctx) => {
        const input = ctx.body as z.infer<typeof IssueTokenRequest>;
        const issued = await access.issueToken({
          role: input.tenantId === null ? 'admin' : 'tenant',
          tenantId: input.tenantId,
          name: input.name,
        });
        return { status: 201, body: { ...issued, createdAt: issued.createdAt.toISOString() } };
      },
    },
    {
      id: 'revokeToken',
      method: 'delete',
      path: '/v1/tokens/{tokenId}',
      summary: 'Admin: revoke a token',
      access: 'admin',
      ifMatch: 'none',
      success: { status: 204, description: 'Revoked' },
      errors: [403, 404],
      handle: async (ctx) => {
        await access.revokeToken(ctx.params['tokenId'] ?? '');
        return { status: 204 };
      },
    },
  ];
}

export function requireAdmin(principal: Principal): void {
  if (principal.role !== 'admin') throw Problem.forbidden('This needs an admin token');
}
