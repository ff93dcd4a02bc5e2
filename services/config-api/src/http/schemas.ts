import { z } from 'zod';
import { RETURN_ACTIONS, TOGGLES } from '../domain/store.js';
import { HEADER_SAFE_MESSAGE, HEADER_VALUE_PATTERN } from '../domain/credentials.js';
import { ORDER_STEPS } from '../domain/order-steps.js';
import { MAX_ACTIVITY_PAGE_SIZE } from '../activity.js';

/** Every request and response body of the API; the OpenAPI document is generated from these. */
export const requestSchemas = z.registry<{ id: string }>();
export const responseSchemas = z.registry<{ id: string }>();

/**
 * Text a person types as a name or code: no surrounding spaces, no control characters (the
 * empty string passes: a minimum length says that once).
 */
const PLAIN_TEXT_PATTERN = /^(?:[^\s\p{Cc}](?:[^\p{Cc}]*[^\s\p{Cc}])?)?$/u;

/** Rules enforced by a pattern, by name (zod reports them all as `invalid_format`). */
const PATTERN_RULES = new Map<string, string>([
  [String(HEADER_VALUE_PATTERN), 'header-safe'],
  [String(PLAIN_TEXT_PATTERN), 'plain-text'],
]);

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

/** Non-empty text of at most `max` characters, without surrounding spaces or control characters. */
const plainText = (what: string, max: number) =>
  z
    .string()
    .min(1, { error: `${what} is empty` })
    .max(max, { error: `${what} is longer than ${max} characters` })
    .regex(PLAIN_TEXT_PATTERN, {
      error: `${what} has leading or trailing spaces or control characters`,
    });

/** A mapping keyed by Mirakl codes with at most `max` entries (documented as maxProperties). */
function boundedMapping<V extends z.ZodType>(
  key: z.ZodType<string>,
  value: V,
  max: number,
  entries: string,
) {
  return z
    .record(key, value)
    .check((ctx) => {
      if (Object.keys(ctx.value).length <= max) return;
      ctx.issues.push({
        code: 'too_big',
        origin: 'object',
        maximum: max,
        inclusive: true,
        input: ctx.value,
        message: `At most ${max} ${entries}`,
      });
    })
    .meta({ maxProperties: max });
}

/** Bounds of a store's ship options (ADR 0060). */
const MAX_SHIPPING_METHODS = 50;
const shipOption = plainText('A ShipBob ship option', 100);
const shippingMethods = boundedMapping(
  plainText('A Mirakl shipping type code', 64),
  shipOption,
  MAX_SHIPPING_METHODS,
  'shipping types',
);

/** Bounds of a store's incident reason mapping (ADR 0080). */
const MAX_RETURN_REASONS = 100;
const returnReasons = boundedMapping(
  plainText('A Mirakl incident reason code', 64),
  z.enum(['create', 'ignore']),
  MAX_RETURN_REASONS,
  'incident reasons',
);
const returnAction = z.enum(RETURN_ACTIONS, {
  error: `One of ${RETURN_ACTIONS.join(', ')}`,
});

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
    reportWhenEmpty: z
      .boolean()
      .optional()
      .describe(
        'On a day without completed returns, send a "no completed returns" report (default: no e-mail)',
      ),
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
    shippingMethods: shippingMethods
      .optional()
      .describe(
        "Mirakl shipping type code (an order's shipping_type_code, e.g. STD) → ShipBob ship option name (sent as the order's shipping_method). Replaces the whole mapping; {} empties it",
      ),
    defaultShippingMethod: shipOption
      .optional()
      .describe('ShipBob ship option of an order whose shipping type has no mapping'),
    cancelShipBobOnMarketplaceCancel: z
      .boolean()
      .optional()
      .describe(
        'Under Sync Cancelations: an order canceled or refused on the marketplace also cancels its ShipBob order while it is not labeled (needs a verified PAT; acts only with toggles.cancellations on)',
      ),
    returnReasons: returnReasons
      .optional()
      .describe(
        'Mirakl incident reason code (e.g. DAMAGED) → create (a ShipBob return) or ignore (none); a reason not listed creates one. Replaces the whole mapping; {} empties it',
      ),
    returnRequestedAction: returnAction
      .optional()
      .describe('The action asked of the warehouse for every returned item (default Default)'),
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
    reportWhenEmpty: z.boolean(),
    toggles: z.object(togglesShape),
    inventoryBuffer: z.int().min(0),
    returnFulfillmentCenterId: z.string().nullable(),
    pollIntervalMinutes: z.int().min(1),
    shippingMethods: z
      .record(z.string(), z.string())
      .describe('Mirakl shipping type code → ShipBob ship option name'),
    defaultShippingMethod: z
      .string()
      .describe('ShipBob ship option of an order whose shipping type has no mapping'),
    cancelShipBobOnMarketplaceCancel: z
      .boolean()
      .describe('Marketplace cancellations also cancel the ShipBob order (off by default)'),
    returnReasons: z
      .record(z.string(), z.enum(['create', 'ignore']))
      .describe('Mirakl incident reason code → create or ignore; a reason not listed creates'),
    returnRequestedAction: z.enum(RETURN_ACTIONS),
    returnsApproved: z.boolean(),
    tracking: z
      .object({
        mode: z
          .enum(['webhooks', 'polling'])
          .describe(
            'webhooks: ShipBob pushes shipments within seconds (polling stays the safety net); polling: no webhook subscription (no public receiver URL configured, or no flow that uses it)',
          ),
      })
      .describe('How ShipBob changes reach the sync'),
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

export const TokenListQuery = z.object({
  tenantId: z.string().optional().describe('Only the tokens of this tenant'),
});

const pageSize = { error: `A whole number from 1 to ${MAX_ACTIVITY_PAGE_SIZE}` };

export const ActivityListQuery = z.strictObject({
  flow: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .describe('Only this flow, as recorded: offers, inventory, orders, tracking, …'),
  outcome: z
    .string()
    .min(1)
    .max(32)
    .optional()
    .describe('Only this outcome, as recorded: APPLIED, DUPLICATE, SKIPPED, FAILED, …'),
  orderId: z.string().min(1).max(128).optional().describe('Only the entries of this Mirakl order'),
  limit: z.coerce
    .number(pageSize)
    .int(pageSize)
    .min(1, pageSize)
    .max(MAX_ACTIVITY_PAGE_SIZE, pageSize)
    .optional()
    .describe(`Entries per page, at most ${MAX_ACTIVITY_PAGE_SIZE} (default 50)`),
  cursor: z
    .string()
    .min(1)
    .max(512)
    .optional()
    .describe('nextCursor of the previous page, as it was given'),
});

const orderStep = z.enum(ORDER_STEPS);

export const ActivityEntryView = z
  .object({
    id: z.string().describe('The outcome event id'),
    at: timestamp.describe('When the applier recorded the outcome'),
    flow: z.string().describe('As recorded; new flows appear as they are'),
    action: z.string().nullable(),
    effectKey: z.string(),
    target: z.string().describe('MIRAKL or SHIPBOB'),
    outcome: z.string().describe('APPLIED, DUPLICATE, SKIPPED, FAILED, or a newer value as it is'),
    subjectId: z.string().describe('An order id, a SKU or an incident line'),
    orderId: z.string().nullable().describe('The Mirakl order, when the effect is about one'),
    steps: z.array(orderStep).describe('The timeline steps this effect stands for'),
    reason: z.string().nullable(),
    detail: z.string().nullable(),
    externalIds: z.record(z.string(), z.string()),
    latencyMs: z.number().nullable(),
    correlationId: z.string(),
    returnStatus: z
      .object({
        returnId: z.string(),
        status: z
          .string()
          .describe('AwaitingArrival, Arrived, Processing, Completed, Cancelled, or newer as is'),
        at: timestamp.describe('When the return reached it in ShipBob'),
        actionTaken: z.string().nullable(),
        completedAt: timestamp.nullable(),
      })
      .nullable()
      .describe(
        'For a returns entry with a ShipBob return: its latest ShipBob status (null until reported)',
      ),
  })
  .register(responseSchemas, { id: 'ActivityEntry' });

export const ActivityPageView = z
  .object({
    items: z.array(ActivityEntryView),
    nextCursor: z.string().nullable().describe('Pass as cursor for the next page; null at the end'),
  })
  .register(responseSchemas, { id: 'ActivityPage' });

export const OrderTimelineView = z
  .object({
    storeId: z.string(),
    orderId: z.string(),
    commercialId: z.string().nullable(),
    orderCreatedAt: timestamp.nullable(),
    acceptanceDeadline: timestamp.nullable(),
    steps: z
      .array(z.object({ step: orderStep, at: timestamp.nullable() }))
      .describe('Every step in journey order; at is null until reached'),
    awaitingAcceptance: z.boolean(),
    shipbobOrderId: z.string().nullable(),
    shipment: z
      .object({
        shipmentId: z.string(),
        carrier: z.string(),
        trackingNumber: z.string(),
        trackingUrl: z.string().nullable(),
      })
      .nullable(),
    cancellation: z.object({ state: z.string(), reason: z.string().nullable() }).nullable(),
    lastFailure: z
      .object({
        at: timestamp,
        flow: z.string(),
        action: z.string().nullable(),
        steps: z.array(orderStep),
        outcome: z.string(),
        reason: z.string().nullable(),
        detail: z.string().nullable(),
        resolved: z.boolean().describe('Every step it was about was reached after it'),
      })
      .nullable(),
    finishedAt: timestamp.nullable(),
    updatedAt: timestamp.describe('Time of the latest event about this order'),
  })
  .register(responseSchemas, { id: 'OrderTimeline' });

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

export const MAX_REPORT_HISTORY = 400;
const historySize = { error: `A whole number from 1 to ${MAX_REPORT_HISTORY}` };

export const ReportHistoryQuery = z.strictObject({
  limit: z.coerce
    .number(historySize)
    .int(historySize)
    .min(1, historySize)
    .max(MAX_REPORT_HISTORY, historySize)
    .optional()
    .describe(`Reports to list, newest first, at most ${MAX_REPORT_HISTORY} (default 30)`),
});

export const ReportPreviewView = z
  .object({
    subject: z.string(),
    html: z.string().describe('The HTML part, as the e-mail would carry it'),
    text: z.string().describe('The plain-text part'),
    reportDate: z.string().describe('The local date the report would be sent for (YYYY-MM-DD)'),
    timeZone: z.string(),
    returnCount: z.number().int().describe('Completed returns the report would list'),
    to: z.string().nullable().describe('The report address; null when the store has none'),
  })
  .register(responseSchemas, { id: 'ReportPreview' });

export const ReconcileRequestedView = z
  .object({
    storeId: z.string(),
    requestedAt: z.string().describe('When the reconciliation was requested (ISO 8601)'),
    correlationId: z
      .string()
      .describe('The activity entries of this reconciliation carry this correlation id'),
  })
  .register(responseSchemas, { id: 'ReconcileRequested' });

export const TestReportView = z
  .object({ to: z.string(), subject: z.string(), messageId: z.string() })
  .register(responseSchemas, { id: 'TestReport' });

export const ReportHistoryView = z
  .object({
    items: z.array(
      z.object({
        reportDate: z.string(),
        result: z.string().describe('SENT, EMPTY, FAILED, … as the reporter recorded it'),
        reason: z.string().nullable(),
        returnCount: z.number().int(),
        detail: z.string().nullable(),
        to: z.string().nullable(),
        resolvedAt: timestamp,
      }),
    ),
  })
  .register(responseSchemas, { id: 'ReportHistory' });

export const MAX_CATALOG_PAGE = 200;
const catalogPageSize = { error: `A whole number from 1 to ${MAX_CATALOG_PAGE}` };

export const CatalogSkuQuery = z.strictObject({
  q: z
    .string()
    .max(100)
    .optional()
    .describe('Only SKUs containing this text (any case); at most 100 characters'),
  limit: z.coerce
    .number(catalogPageSize)
    .int(catalogPageSize)
    .min(1, catalogPageSize)
    .max(MAX_CATALOG_PAGE, catalogPageSize)
    .optional()
    .describe(`SKUs per page, at most ${MAX_CATALOG_PAGE} (default 50)`),
  after: z
    .string()
    .min(1)
    .max(512)
    .optional()
    .describe('nextAfter of the previous page, as it was given'),
});

export const CatalogCyclesView = z
  .object({
    offers: z
      .object({
        at: timestamp.describe('The last offer of the cycle handled'),
        startedAt: timestamp,
        skus: z.number().int().describe('Offers changed in Mirakl that the cycle handled'),
        created: z.number().int().describe('ShipBob products created'),
        existing: z.number().int().describe('SKUs a ShipBob product already carried (reused)'),
        skipped: z.number().int().describe('Not acted on: flow off, offer deleted, …'),
        errors: z.number().int().describe('SKUs that failed (see the activity)'),
      })
      .nullable()
      .describe('The last offers poll the applier handled; null before the first'),
    inventory: z
      .object({
        cycleId: z.string(),
        at: timestamp,
        result: z.string().describe('imported, unchanged (no import), skipped, failed'),
        skus: z.number().int().describe('Quantities sent in the stock import'),
        errors: z.number().int().describe('Lines Mirakl refused (1 when the import failed)'),
        importId: z.string().nullable(),
        detail: z.string().nullable(),
      })
      .nullable()
      .describe('The last inventory cycle the applier ended; null before the first'),
  })
  .register(responseSchemas, { id: 'CatalogCycles' });

export const CatalogSkuPageView = z
  .object({
    items: z.array(
      z.object({
        sku: z.string().describe('The Mirakl shop SKU'),
        offer: z.boolean().describe('A current offer of the store (false: deleted in Mirakl)'),
        shipbobProductId: z.string().nullable().describe('The ShipBob product carrying the SKU'),
        offerResult: z
          .object({
            outcome: z
              .string()
              .describe('APPLIED (product created), DUPLICATE (found), SKIPPED, FAILED'),
            reason: z.string().nullable(),
            detail: z.string().nullable(),
            at: timestamp,
          })
          .nullable()
          .describe('What Sync Offers last did for the SKU'),
        fulfillable: z.number().int().nullable().describe("ShipBob's fulfillable quantity"),
        exception: z.number().int().nullable().describe("ShipBob's exception quantity"),
        active: z.boolean().nullable(),
        digital: z.boolean().nullable(),
        buffer: z.number().int().nullable().describe("The store's inventory buffer now"),
        quantity: z
          .number()
          .int()
          .nullable()
          .describe(
            'max(0, fulfillable − exception − buffer): what the next cycle would push; null when the SKU is not pushed',
          ),
        pushed: z
          .object({
            quantity: z.number().int(),
            at: timestamp.nullable(),
            result: z.string().nullable().describe('APPLIED or FAILED (the line Mirakl refused)'),
            reason: z.string().nullable(),
            detail: z.string().nullable(),
            importId: z.string().nullable(),
          })
          .nullable()
          .describe('The quantity last sent to Mirakl and what Mirakl said of its line'),
      }),
    ),
    total: z.number().int().describe('SKUs matching q, all pages'),
    nextAfter: z.string().nullable().describe('Pass as after for the next page; null at the end'),
  })
  .register(responseSchemas, { id: 'CatalogSkuPage' });
