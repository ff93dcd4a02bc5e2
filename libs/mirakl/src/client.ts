import {
  chunksOf,
  parseCsv,
  renderCsv,
  PermanentError,
  RateLimitedError,
  RetriableError,
  retry,
  sleep as defaultSleep,
  type Logger,
  errorMessage,
  withDeadline,
} from '@msync/platform';
import type {
  Carrier,
  ListOrdersQuery,
  MiraklOffer,
  MiraklOrder,
  MiraklShop,
  MiraklStore,
  OfferChanges,
  ShipmentTracking,
  StockFailure,
  StockImportStarted,
  StockPushResult,
  StockUpdate,
} from './domain.js';
import { OFFER_EXPORTS_UNAVAILABLE } from './domain.js';
import {
  accountDto,
  carriersDto,
  exportChunkDto,
  exportItemToOffer,
  exportStartedDto,
  exportStatusDto,
  importStatusDto,
  offerImportStartedDto,
  offerPageDto,
  orderPageDto,
  stockImportStartedDto,
  toCarriers,
  toOffer,
  toOrder,
  toShop,
} from './dto.js';
import { systemResolver, type HostResolver } from './address-guard.js';
import { CallLimiter, type CallLimiterOptions, type LimitedOperation } from './limiter.js';
import { Transport, parseDto, type RawResponse, type RequestSpec } from './transport.js';
import { normaliseApiBase } from './url.js';

export interface MiraklClientOptions {
  /** Store URL, e.g. `https://macysus-prod.mirakl.net` (a trailing `/api` is accepted). */
  storeUrl: string;
  /** Raw shop API key, sent as `Authorization: <key>`. */
  apiKey: string;
  /** For users with several shops. */
  shopId?: number;
  /** Per attempt, a total deadline from connecting to the last byte of the body. Default 30 s. */
  timeoutMs?: number;
  /** Attempts after the first for retriable failures. Default 4. */
  retries?: number;
  retryInitialDelayMs?: number;
  retryMaxDelayMs?: number;
  /**
   * Longest `Retry-After` of a 429 waited out inside a call before retrying; a longer one is
   * thrown as the `RateLimitedError` (0: never wait a 429 out here). Default: no limit.
   */
  maxRetryAfterMs?: number;
  /** A limiter shared by every client of the same store, or options for a private one. */
  limiter?: CallLimiter | CallLimiterOptions;
  /** Page size for OR11/OF21 (Mirakl caps it at 100). */
  pageSize?: number;
  /**
   * Wait between STO01/OF01 and the import's first status read (STO02/OF02). Default 1.5 s; the
   * read still keeps its operation's interval from the store's previous one (limiter, shared
   * spacing).
   */
  importFirstPollDelayMs?: number;
  /** Wait between import status polls (STO02/OF02). Default 15 s; the limiter may stretch it. */
  importPollIntervalMs?: number;
  /** Give up following an import after this long (it keeps running at Mirakl). Default 30 min. */
  importTimeoutMs?: number;
  exportPollIntervalMs?: number;
  exportTimeoutMs?: number;
  /**
   * Subtracted from the time a differential offer export is requested before it becomes the next
   * `since`, so a clock ahead of Mirakl's cannot skip changes. Repeats are harmless. Default 5 min.
   * Used only when Mirakl's answer to OF52 carries no `Date` (ADR 0177).
   */
  clockSkewMarginMs?: number;
  /**
   * Subtracted from the time Mirakl answered OF52, by its own clock (the answer's `Date`), before
   * it becomes the next `since` (ADR 0177): changes saved at Mirakl just before it and seen by a
   * later export still come. Default 30 s.
   */
  exportCursorMarginMs?: number;
  /** How long SH21 carriers are cached. Default 24 h (SH21 is a once-a-day call). */
  carrierCacheMs?: number;
  logger?: Logger;
  /**
   * Host names or IP literals that may resolve to loopback, private or link-local addresses
   * (simulators, local runs). Every other host is refused such addresses on every connection.
   * Default none.
   */
  trustedHosts?: readonly string[];
  /**
   * Spacing shared with every other process that calls the shop, for the operations it names
   * (the call gate, ADR 0042/0086). Without it, only this client's limiter spaces the calls.
   */
  sharedSpacing?: SharedSpacing;
  /** DNS for the address guard; the system resolver by default (tests control DNS with it). */
  resolver?: HostResolver;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Spacing of some operations shared by every process that calls one shop. */
export interface SharedSpacing {
  operations: readonly LimitedOperation[];
  /** Before the call; throws a `RateLimitedError` with the wait when the shop was called too recently. */
  claim(operation: LimitedOperation): Promise<void>;
  /** After the call was answered or failed (`error`): spaces the shop's next call of it. */
  settled(operation: LimitedOperation, error?: unknown): Promise<void>;
}

const PAGE_RESTARTS = 3;
const STO01_REFUSED_STATUSES = [403, 404, 405, 501] as const;
const STO01_REPROBE_MS = 24 * 3600_000;
/** OF52 answers of a store whose operator has not enabled asynchronous exports. */
const OF52_UNAVAILABLE_STATUSES = [404, 405, 501] as const;

/** Creates the HTTP adapter of {@link MiraklStore} for one store. */
export function createMiraklClient(options: MiraklClientOptions): MiraklStore {
  return new MiraklHttpClient(options);
}

class MiraklHttpClient implements MiraklStore {
  private readonly transport: Transport;
  private readonly limiter: CallLimiter;
  private readonly logger?: Logger;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private carriers?: { at: number; list: Carrier[] };
  private stockImportsRefusedAt?: number;

  constructor(private readonly options: MiraklClientOptions) {
    if (!options.apiKey)
      throw new PermanentError('A Mirakl API key is required', { reason: 'invalid-config' });
    this.logger = options.logger?.child({ component: 'mirakl-client' });
    this.logger?.addSecret(options.apiKey);
    this.transport = new Transport({
      apiBase: normaliseApiBase(options.storeUrl),
      apiKey: options.apiKey,
      shopId: options.shopId,
      timeoutMs: options.timeoutMs ?? 30_000,
      logger: this.logger,
      trustedHosts: options.trustedHosts ?? [],
      resolver: options.resolver ?? systemResolver,
    });
    this.limiter =
      options.limiter instanceof CallLimiter ? options.limiter : new CallLimiter(options.limiter);
    this.sleep = options.sleep ?? defaultSleep;
  }

  /**
   * One call with the limiter and retries for retriable failures; within the deadline of the
   * work it is part of (`runWithDeadline`), if any.
   */
  private async call(given: RequestSpec): Promise<RawResponse> {
    return withDeadline(given.signal, (signal) =>
      this.callWithin(signal ? { ...given, signal } : given),
    );
  }

  /** {@link call} with the deadline already in `spec.signal`. */
  private callWithin(spec: RequestSpec): Promise<RawResponse> {
    return retry(
      async () => {
        const shared = this.sharedSpacingOf(spec.operation);
        await shared?.claim(spec.operation as LimitedOperation);
        await this.limiter.acquire(spec.operation, spec.signal);
        let failure: unknown;
        try {
          return await this.transport.send(spec);
        } catch (error) {
          failure = error;
          throw error;
        } finally {
          this.limiter.settled(spec.operation);
          await shared?.settled(spec.operation as LimitedOperation, failure);
        }
      },
      {
        retries: this.options.retries ?? 4,
        initialDelayMs: this.options.retryInitialDelayMs ?? 500,
        maxDelayMs: this.options.retryMaxDelayMs ?? 30_000,
        ...(this.options.maxRetryAfterMs === undefined
          ? {}
          : { maxRateLimitWaitMs: this.options.maxRetryAfterMs }),
        signal: spec.signal,
        sleep: this.options.sleep,
        onRetry: ({ attempt, delayMs, error }) => {
          // A 429 slows every caller of this store down, not only this retry.
          if (error instanceof RateLimitedError)
            this.limiter.backOff(spec.operation, error.retryAfterMs);
          this.logger?.warn('mirakl call failed, retrying', {
            operation: spec.operation,
            attempt,
            delayMs,
            error: errorMessage(error),
          });
        },
      },
    );
  }

  private sharedSpacingOf(operation: string): SharedSpacing | undefined {
    const shared = this.options.sharedSpacing;
    return shared?.operations.includes(operation as LimitedOperation) ? shared : undefined;
  }

  private async getJson(spec: RequestSpec): Promise<unknown> {
    return this.transport.json(spec.operation, await this.call(spec));
  }

  async checkHealth(): Promise<void> {
    await this.call({ operation: 'V01', method: 'GET', path: '/version' });
  }

  async verifyCredentials(): Promise<MiraklShop> {
    const body = await this.getJson({ operation: 'A01', method: 'GET', path: '/account' });
    return toShop(parseDto('A01', accountDto, body));
  }

  async listOffers(options: { sku?: string } = {}): Promise<MiraklOffer[]> {
    const offers = await this.listAllPages('OF21', '/offers', { sku: options.sku }, (body) => {
      const page = parseDto('OF21', offerPageDto, body);
      return { items: page.offers.map(toOffer), total: page.total_count };
    });
    return dedupeBy(
      offers,
      (o) => o.shopSku,
      () => true,
    );
  }

  async exportOffers(
    options: {
      since?: Date;
      signal?: AbortSignal;
      /**
       * Awaited once the export is ready, before its files are downloaded: a caller bounding how
       * many catalogs it holds at once takes its slot here, not while Mirakl prepares the file.
       */
      beforeDownload?: () => Promise<void>;
    } = {},
  ): Promise<OfferChanges> {
    const requestedAt = Date.now();
    const response = await this.call({
      operation: 'OF52',
      method: 'POST',
      path: '/offers/export/async',
      json: {
        export_type: 'application/json',
        ...(options.since ? { last_request_date: options.since.toISOString() } : {}),
      },
      passStatuses: OF52_UNAVAILABLE_STATUSES,
      signal: options.signal,
    });
    if (response.status < 200 || response.status >= 300) {
      throw new PermanentError(
        `Mirakl OF52: asynchronous offer exports are not available on this store (HTTP ${response.status})`,
        { reason: OFFER_EXPORTS_UNAVAILABLE },
      );
    }
    const started = parseDto('OF52', exportStartedDto, this.transport.json('OF52', response));
    // The next differential starts from Mirakl's clock when it tells it: no margin for a clock of
    // ours that runs ahead of it, only for changes saved as the export began (ADR 0177).
    const answeredAt = response.date === undefined ? Number.NaN : Date.parse(response.date);
    const exportedAt = Number.isFinite(answeredAt)
      ? new Date(answeredAt - (this.options.exportCursorMarginMs ?? 30_000))
      : new Date(requestedAt - (this.options.clockSkewMarginMs ?? 5 * 60_000));
    const deadline = Date.now() + (this.options.exportTimeoutMs ?? 30 * 60_000);
    let urls: string[] = [];
    for (;;) {
      const status = parseDto(
        'OF53',
        exportStatusDto,
        await this.getJson({
          operation: 'OF53',
          method: 'GET',
          path: `/offers/export/async/status/${encodeURIComponent(started.tracking_id)}`,
          signal: options.signal,
        }),
      );
      if (status.status === 'COMPLETED') {
        urls = status.urls ?? [];
        break;
      }
      if (status.status === 'FAILED') {
        throw new RetriableError(
          `Mirakl OF53: the offer export failed (${status.error?.detail ?? 'no detail'})`,
          {
            reason: 'export-failed',
          },
        );
      }
      if (Date.now() > deadline) {
        throw new RetriableError('Mirakl OF53: the offer export did not finish in time', {
          reason: 'export-timeout',
        });
      }
      // The wait ends with the surrounding deadline too (a poller that stops, ADR 0186).
      await withDeadline(options.signal, (within) =>
        this.sleep(this.options.exportPollIntervalMs ?? 10_000, within),
      );
    }
    await options.beforeDownload?.();
    const offers: MiraklOffer[] = [];
    const deleted: MiraklOffer[] = [];
    for (const url of urls) {
      // Each item is mapped field by field (`exportItemToOffer`): taken as it came when it passes.
      const chunk = parseDto(
        'OF54',
        exportChunkDto,
        await this.getJson({ operation: 'OF54', method: 'GET', path: url, signal: options.signal }),
        true,
      );
      for (const item of chunk) {
        if (item.deleted) deleted.push(exportItemToOffer(item));
        else offers.push(exportItemToOffer(item));
      }
    }
    return { offers, deletedSkus: deleted.map((o) => o.shopSku), deleted, exportedAt };
  }

  async pushStock(
    updates: readonly StockUpdate[],
    options: {
      signal?: AbortSignal;
      onStarted?: (started: StockImportStarted) => Promise<void>;
    } = {},
  ): Promise<StockPushResult> {
    const lines = stockLines(updates);
    if (lines.length === 0) {
      return {
        importId: '',
        via: 'STO01',
        status: 'COMPLETE',
        linesInSuccess: 0,
        linesInError: 0,
        failures: [],
      };
    }
    const refusedRecently =
      this.stockImportsRefusedAt !== undefined &&
      Date.now() - this.stockImportsRefusedAt < STO01_REPROBE_MS;
    if (!refusedRecently) {
      const csv = renderCsv([
        ['offer-sku', 'quantity', 'warehouse-code', 'update-delete'],
        ...lines.map(([sku, q]) => [sku, q, '', 'update']),
      ]);
      const res = await this.call({
        operation: 'STO01',
        method: 'POST',
        path: '/offers/stock/imports',
        form: csvForm(csv, 'stock.csv'),
        passStatuses: STO01_REFUSED_STATUSES,
        signal: options.signal,
      });
      if (res.status >= 200 && res.status < 300) {
        const { import_id } = parseDto(
          'STO01',
          stockImportStartedDto,
          this.transport.json('STO01', res),
        );
        await options.onStarted?.({ importId: import_id, via: 'STO01' });
        return this.followImport('STO01', import_id, lines, options.signal);
      }
      this.stockImportsRefusedAt = Date.now();
      this.logger?.warn('STO01 stock imports refused by the store, using OF01 offer imports', {
        status: res.status,
      });
    }
    const csv = renderCsv([
      ['sku', 'quantity', 'update-delete'],
      ...lines.map(([sku, q]) => [sku, q, 'update']),
    ]);
    const form = csvForm(csv, 'offers.csv');
    form.append('import_mode', 'NORMAL');
    const started = parseDto(
      'OF01',
      offerImportStartedDto,
      await this.getJson({
        operation: 'OF01',
        method: 'POST',
        path: '/offers/imports',
        form,
        signal: options.signal,
      }),
    );
    const importId = String(started.import_id);
    await options.onStarted?.({ importId, via: 'OF01' });
    return this.followImport('OF01', importId, lines, options.signal);
  }

  followStockImport(
    started: StockImportStarted,
    updates: readonly StockUpdate[],
    options: { signal?: AbortSignal } = {},
  ): Promise<StockPushResult> {
    return this.followImport(started.via, started.importId, stockLines(updates), options.signal);
  }

  private async followImport(
    via: 'STO01' | 'OF01',
    importId: string,
    lines: [string, number][],
    signal?: AbortSignal,
  ): Promise<StockPushResult> {
    const statusOp = via === 'STO01' ? 'STO02' : 'OF02';
    const statusPath =
      via === 'STO01'
        ? `/offers/stock/imports/${encodeURIComponent(importId)}/status`
        : `/offers/imports/${encodeURIComponent(importId)}`;
    const deadline = Date.now() + (this.options.importTimeoutMs ?? 30 * 60_000);
    // A small import ends within seconds: the first read comes soon after the import, the later
    // ones at the interval; none closer to the store's previous read than its operation allows.
    let delayMs = this.options.importFirstPollDelayMs ?? 1_500;
    for (;;) {
      // The wait ends with the surrounding deadline too: the caller resumes by the import's id.
      await withDeadline(signal, (within) =>
        this.sleep(Math.max(delayMs, this.limiter.waitMs(statusOp)), within),
      );
      delayMs = this.options.importPollIntervalMs ?? 15_000;
      let body: unknown;
      try {
        body = await this.getJson({ operation: statusOp, method: 'GET', path: statusPath, signal });
      } catch (error) {
        if (!(error instanceof RateLimitedError) || Date.now() > deadline) throw error;
        // Read too soon (another follower of the shop, another process, a 429): a status read
        // is harmless to repeat, so it is read again once allowed.
        this.limiter.backOff(statusOp, error.retryAfterMs);
        delayMs = 0;
        continue;
      }
      const status = parseDto(statusOp, importStatusDto, body);
      if (status.status === 'COMPLETE' || status.status === 'FAILED') {
        const failures = status.has_error_report
          ? await this.readErrorReport(via, importId, lines, signal)
          : [];
        return {
          importId,
          via,
          status: status.status,
          linesInSuccess: status.lines_in_success ?? 0,
          linesInError: status.lines_in_error ?? failures.length,
          failures,
          reason: status.reason_status || undefined,
        };
      }
      if (Date.now() > deadline) {
        throw new RetriableError(`Mirakl ${statusOp}: import ${importId} did not finish in time`, {
          reason: 'import-timeout',
        });
      }
    }
  }

  private async readErrorReport(
    via: 'STO01' | 'OF01',
    importId: string,
    lines: [string, number][],
    signal?: AbortSignal,
  ): Promise<StockFailure[]> {
    const operation = via === 'STO01' ? 'STO03' : 'OF03';
    const path =
      via === 'STO01'
        ? `/offers/stock/imports/${encodeURIComponent(importId)}/error_report`
        : `/offers/imports/${encodeURIComponent(importId)}/error_report`;
    const res = await this.call({ operation, method: 'GET', path, signal });
    return parseErrorReport(
      res.text,
      lines.map(([sku]) => sku),
    );
  }

  async listOrdersUpdatedSince(query: ListOrdersQuery): Promise<MiraklOrder[]> {
    const base = {
      start_update_date: query.updatedSince?.toISOString(),
      end_update_date: query.updatedUntil?.toISOString(),
      order_state_codes:
        query.states && query.states.length > 0 ? query.states.join(',') : undefined,
      has_incident: query.hasIncident,
      sort: 'dateCreated',
      order: 'asc',
    };
    const idChunks = query.orderIds ? chunksOf([...new Set(query.orderIds)], 100) : [undefined];
    const all: MiraklOrder[] = [];
    for (const ids of idChunks) {
      if (ids?.length === 0) continue;
      const orders = await this.listAllPages(
        'OR11',
        '/orders',
        { ...base, order_ids: ids?.join(',') },
        (body) => {
          const page = parseDto('OR11', orderPageDto, body);
          return { items: page.orders.map(toOrder), total: page.total_count };
        },
      );
      all.push(...orders);
    }
    return dedupeBy(
      all,
      (o) => o.orderId,
      (a, b) => a.lastUpdatedAt.getTime() >= b.lastUpdatedAt.getTime(),
    );
  }

  /**
   * Reads every page. When `total_count` changes between pages (items entered or left the
   * filter, so offsets shifted) it starts over, keeping what it saw: nothing is skipped.
   */
  private async listAllPages<T>(
    operation: string,
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    parse: (body: unknown) => { items: T[]; total: number },
  ): Promise<T[]> {
    const max = Math.min(100, this.options.pageSize ?? 100);
    const seen: T[] = [];
    for (let pass = 0; pass <= PAGE_RESTARTS; pass++) {
      let total: number | undefined;
      let shifted = false;
      for (let offset = 0; total === undefined || offset < total; offset += max) {
        const page = parse(
          await this.getJson({ operation, method: 'GET', path, query: { ...query, max, offset } }),
        );
        seen.push(...page.items);
        if (total !== undefined && page.total !== total) {
          shifted = true;
          break;
        }
        total = page.total;
        if (page.items.length === 0) break;
      }
      if (!shifted) return seen;
      this.logger?.info('mirakl list changed while paging, reading it again', { operation, pass });
    }
    throw new RetriableError(`Mirakl ${operation}: the list kept changing while it was read`, {
      reason: 'page-drift',
    });
  }

  async acceptOrder(order: { orderId: string; lineIds?: readonly string[] }): Promise<void> {
    let lineIds = order.lineIds ?? [];
    if (lineIds.length === 0) {
      const [current] = await this.listOrdersUpdatedSince({ orderIds: [order.orderId] });
      if (!current)
        throw new PermanentError(`Mirakl order ${order.orderId} not found`, {
          reason: 'not-found',
        });
      lineIds = current.lines.map((l) => l.lineId);
    }
    await this.call({
      operation: 'OR21',
      method: 'PUT',
      path: `/orders/${encodeURIComponent(order.orderId)}/accept`,
      json: { order_lines: lineIds.map((id) => ({ id, accepted: true })) },
      orderId: order.orderId,
    });
  }

  async setTracking(orderId: string, tracking: ShipmentTracking): Promise<void> {
    const carrier = await this.findCarrier(tracking);
    const json = carrier
      ? { carrier_code: carrier.code, tracking_number: tracking.trackingNumber }
      : {
          carrier_name: tracking.carrierName,
          tracking_number: tracking.trackingNumber,
          ...(tracking.trackingUrl ? { carrier_url: tracking.trackingUrl } : {}),
        };
    await this.call({
      operation: 'OR23',
      method: 'PUT',
      path: `/orders/${encodeURIComponent(orderId)}/tracking`,
      json,
      orderId,
    });
  }

  private async findCarrier(tracking: ShipmentTracking): Promise<Carrier | undefined> {
    let carriers: Carrier[];
    try {
      carriers = await this.listCarriers();
    } catch (error) {
      // Without the carrier list, name + URL still gives the customer a working link.
      this.logger?.warn('SH21 carriers unavailable, sending carrier name and URL', {
        error: errorMessage(error),
      });
      return undefined;
    }
    const norm = (s: string | undefined): string =>
      (s ?? '').toLowerCase().replace(/[^a-z0-9]/g, '');
    if (tracking.carrierCode) {
      const byCode = carriers.find((c) => c.code === tracking.carrierCode);
      if (byCode) return byCode;
    }
    const name = norm(tracking.carrierName);
    return carriers.find((c) =>
      [c.code, c.label, c.standardCode].some((v) => v !== undefined && norm(v) === name),
    );
  }

  async confirmShipment(orderId: string): Promise<void> {
    await this.call({
      operation: 'OR24',
      method: 'PUT',
      path: `/orders/${encodeURIComponent(orderId)}/ship`,
      emptyBody: true,
      orderId,
    });
  }

  async cancelOrder(orderId: string): Promise<void> {
    await this.call({
      operation: 'OR29',
      method: 'PUT',
      path: `/orders/${encodeURIComponent(orderId)}/cancel`,
      emptyBody: true,
      orderId,
    });
  }

  async listCarriers(): Promise<Carrier[]> {
    const ttl = this.options.carrierCacheMs ?? 24 * 3600_000;
    if (this.carriers && Date.now() - this.carriers.at < ttl) return this.carriers.list;
    const list = toCarriers(
      parseDto(
        'SH21',
        carriersDto,
        await this.getJson({ operation: 'SH21', method: 'GET', path: '/shipping/carriers' }),
      ),
    );
    this.carriers = { at: Date.now(), list };
    return list;
  }
}

function csvForm(csv: string, filename: string): FormData {
  const form = new FormData();
  form.append('file', new Blob([csv], { type: 'text/csv' }), filename);
  return form;
}

/**
 * Reads an STO03/OF03 error report. Columns are located by name where Mirakl names them
 * (`offer-sku`/`sku`, `error-message`, `error-line`/`line`); otherwise the line number is first
 * and the reason second, and the SKU is taken from the uploaded line.
 */
export function parseErrorReport(text: string, uploadedSkus: readonly string[]): StockFailure[] {
  const [header, ...rows] = parseCsv(text);
  if (!header) return [];
  const names = header.map((h) => h.trim().toLowerCase());
  const find = (...candidates: string[]): number => names.findIndex((n) => candidates.includes(n));
  const skuCol = find('offer-sku', 'sku');
  const messageCol = find('error-message', 'error', 'message', 'error-reason');
  const lineCol = find('error-line', 'line', 'line-number');
  return rows.map((cells) => {
    const lineRaw = cells[lineCol >= 0 ? lineCol : 0];
    const line =
      lineRaw !== undefined && /^\d+$/.test(lineRaw.trim()) ? Number(lineRaw) : undefined;
    const message = cells[messageCol >= 0 ? messageCol : 1] ?? 'rejected';
    const sku =
      (skuCol >= 0 ? cells[skuCol] : undefined) ??
      (line !== undefined ? uploadedSkus[line - 2] : undefined) ??
      '';
    return { sku, message, line };
  });
}

/** Keeps one item per key; `prefer(a, b)` says whether a newly seen `a` replaces `b`. */
function dedupeBy<T>(items: T[], key: (t: T) => string, prefer: (a: T, b: T) => boolean): T[] {
  const map = new Map<string, T>();
  for (const item of items) {
    const k = key(item);
    const existing = map.get(k);
    if (!existing || prefer(item, existing)) map.set(k, item);
  }
  return [...map.values()];
}

/** The lines of a stock import, one per SKU (the last quantity given wins); refuses invalid ones. */
function stockLines(updates: readonly StockUpdate[]): [string, number][] {
  const bySku = new Map<string, number>();
  for (const u of updates) {
    if (!u.sku || !Number.isInteger(u.quantity) || u.quantity < 0) {
      throw new PermanentError(
        `Invalid stock update for SKU "${u.sku}": quantity must be a whole number >= 0`,
        {
          reason: 'invalid-stock-update',
        },
      );
    }
    bySku.set(u.sku, u.quantity);
  }
  return [...bySku.entries()];
}
