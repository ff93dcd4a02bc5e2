import { z } from 'zod';
import { TOGGLES } from '../domain/store.js';
import { HEADER_SAFE_MESSAGE, HEADER_VALUE_PATTERN } from '../domain/credentials.js';

/** Every request and response body of the API; the OpenAPI document is generated from these. */
export const requestSchemas = z.registry<{ id: string }>();
export const responseSchemas = z.registry<{ id: string }>();

/** Rules enforced by a pattern, by name (zod reports them all as `invalid_format`). */
const PATTERN_RULES = new Map<string, string>([[String(HEADER_VALUE_PATTERN), 'header-safe']]);

/** The rule a pattern (as zod reports it, `/…/`) enforces, for the problem's `errors[].rule`. */
export const ruleOfPattern = (pattern: string | undefined): string | undefined =>
  pattern === undefined ? undefined : PATTERN_RULES.get(pattern);

/** A vendor credential: sent as an HTTP header, so only characters a header can carry. */
const secretInput = z
  .string()
  .min(1)
  .max(512)
  .regex(HEADER_VALUE_PATTERN, { error: HEADER_SAFE_MESSAGE });
const togglesShape = Object.fromEntries(TOGGLES.map((t) => [t, z.boolean()])) as Record<
  (typeof TOGGLES)[number],
  z.ZodBoolean
>;

export const ConnectStoreRequest = z
  .strictObject({
    miraklUrl: z
      .string()
      .min(1)
      .max(2048)
      .describe(
        'Any address of the Mirakl back office, e.g. https://acme.mirakl.net or a page copied from the address bar; only its origin is kept',
      ),
    miraklApiKey: secretInput.describe('Shop API key; verified with the account call (A01)'),
  })
  .register(requestSchemas, { id: 'ConnectStoreRequest' });

export const ConfigureStoreRequest = z
  .strictObject({
    shipbobPat: secretInput
      .nullable()
      .optional()
      .describe('ShipBob personal access token (verified); null removes it'),
    reportEmail: z
      .email({ error: 'Not a valid e-mail address' })
      .max(254)
      .nullable()
      .optional()
      .describe('Daily return report address'),
    toggles: z.strictObject(togglesShape).partial().optional(),
    inventoryBuffer: z
      .int({ error: 'A whole number of units' })
      .min(0, { error: 'The buffer is at least 0' })
      .max(1_000_000)
      .optional(),
    returnFulfillmentCenterId: z.string().min(1).max(64).nullable().optional(),
    pollIntervalMinutes: z
      .int({ error: 'A whole number of minutes' })
      .min(1, { error: 'At least 1 minute' })
      .max(1440, { error: 'At most 1440 minutes (a day)' })
      .optional(),
  })
  .register(requestSchemas, { id: 'ConfigureStoreRequest' });

export const ReconnectStoreRequest = z
  .strictObject({ miraklApiKey: secretInput.optional().describe('A replacement key') })
  .register(requestSchemas, { id: 'ReconnectStoreRequest' });

export const ReturnsApprovalRequest = z
  .strictObject({ approved: z.boolean() })
  .register(requestSchemas, { id: 'ReturnsApprovalRequest' });

export const CreateTenantRequest = z
  .strictObject({ name: z.string().trim().min(1).max(200) })
  .register(requestSchemas, { id: 'CreateTenantRequest' });

export const IssueTokenRequest = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    tenantId: z.string().min(1).max(64).nullable().describe('null issues an admin token'),
  })
  .register(requestSchemas, { id: 'IssueTokenRequest' });

const timestamp = z.iso.datetime();

export const StoreView = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    status: z.enum(['CONNECTED', 'DISCONNECTED']),
    miraklUrl: z.string().describe('The marketplace origin; the seller API is at <miraklUrl>/api'),
    miraklShopId: z.string(),
    miraklShopName: z.string().nullable(),
    miraklApiKey: z
      .string()
      .nullable()
      .describe('Masked: at most a quarter of the key and never more than its last 4 characters'),
    shipbob: z
      .object({
        pat: z.string().describe('Masked like miraklApiKey'),
        channelId: z.string(),
        channelName: z.string(),
      })
      .nullable(),
    reportEmail: z.string().nullable(),
    toggles: z.object(togglesShape),
    inventoryBuffer: z.int().min(0),
    returnFulfillmentCenterId: z.string().nullable(),
    pollIntervalMinutes: z.int().min(1),
    returnsApproved: z.boolean(),
    version: z.int().min(1),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .register(responseSchemas, { id: 'Store' });

export const StoreList = z
  .object({ items: z.array(StoreView) })
  .register(responseSchemas, { id: 'StoreList' });

export const FulfillmentCenterList = z
  .object({
    items: z.array(z.object({ id: z.string(), name: z.string(), location: z.string().nullable() })),
  })
  .register(responseSchemas, { id: 'FulfillmentCenterList' });

export const TenantView = z
  .object({ id: z.string(), name: z.string(), createdAt: timestamp })
  .register(responseSchemas, { id: 'Tenant' });
export const TenantList = z
  .object({ items: z.array(TenantView) })
  .register(responseSchemas, { id: 'TenantList' });

export const TokenView = z
  .object({
    id: z.string(),
    name: z.string(),
    role: z.enum(['admin', 'tenant']),
    tenantId: z.string().nullable(),
    createdAt: timestamp,
  })
  .register(responseSchemas, { id: 'Token' });
export const TokenList = z
  .object({ items: z.array(TokenView) })
  .register(responseSchemas, { id: 'TokenList' });
export const IssuedTokenView = TokenView.extend({
  token: z.string().describe('The bearer token; shown only in this answer'),
}).register(responseSchemas, { id: 'IssuedToken' });

export const Whoami = z
  .object({
    role: z.enum(['admin', 'tenant']),
    tenantId: z.string().nullable(),
    tenantName: z.string().nullable().describe("The tenant's name (null for an admin)"),
  })
  .register(responseSchemas, { id: 'Whoami' });

export const ProblemView = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.int().min(400).max(599),
    detail: z.string().optional(),
    errors: z
      .array(z.object({ field: z.string(), rule: z.string(), message: z.string() }))
      .optional(),
    existingStoreId: z.string().optional(),
    existingStore: z.string().optional(),
    currentVersion: z.int().optional(),
  })
  .register(responseSchemas, { id: 'Problem' });
