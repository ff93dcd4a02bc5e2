import type { StoreConfig } from '@msync/events';
import { errorMessage, type Logger } from '@msync/platform';
import type { ReportLedger } from './adapters/mongo-ledger.js';
import type { ReturnsProjection } from './adapters/mongo-returns.js';
import type { TestSendSlots } from './adapters/mongo-test-sends.js';
import { SendError, type Mailer } from './adapters/mailer.js';
import { localDay } from './domain/local-day.js';
import { renderReport, type RenderedReport } from './domain/render.js';
import { reportRows, windowStart } from './domain/report-window.js';
import { reportSettingsOf } from './reporter.js';

export interface ReportPreview extends RenderedReport {
  reportDate: string;
  timeZone: string;
  returnCount: number;
  /** Where the report goes (null: the store has no report address). */
  to: string | null;
}

export interface ReportHistoryEntry {
  reportDate: string;
  result: string;
  reason: string | null;
  returnCount: number;
  detail: string | null;
  to: string | null;
  resolvedAt: string;
}

/** Why a desk request cannot be served, as the ops routes answer it. */
export class DeskError extends Error {
  constructor(
    readonly status: 404 | 409 | 429 | 502,
    readonly title: string,
    detail: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(detail);
  }
}

export interface ReportDeskOptions {
  returns: ReturnsProjection;
  ledger: ReportLedger;
  mailer: Mailer;
  slots: TestSendSlots;
  configs: { get(storeId: string): StoreConfig | undefined };
  timeZone: string;
  logger: Logger;
  now?: () => number;
}

/**
 * What the seller sees of the reports (ADR 0072): the e-mail the reporter would send now, a
 * test send of it, and the report history. Read-only towards the ledger and the projection: a
 * test neither counts as the day's report nor marks its returns reported.
 */
export function createReportDesk(options: ReportDeskOptions) {
  const { returns, ledger, mailer, slots, timeZone } = options;
  const now = options.now ?? Date.now;
  const logger = options.logger.child({ component: 'report-desk' });

  const configOf = (storeId: string): StoreConfig => {
    const config = options.configs.get(storeId);
    if (!config)
      throw new DeskError(
        404,
        'Unknown store',
        `the reporter has no configuration of store ${storeId}`,
      );
    return config;
  };

  const render = async (storeId: string, test: boolean): Promise<ReportPreview> => {
    const settings = reportSettingsOf(configOf(storeId));
    const at = now();
    const [latest] = await ledger.history(storeId, 1);
    const rows = reportRows(
      await returns.unreportedCompleted(storeId),
      windowStart(latest ?? null, at),
    );
    const reportDate = localDay(at, timeZone);
    const rendered = renderReport({ storeName: settings.name, reportDate, timeZone, rows, test });
    return {
      ...rendered,
      reportDate,
      timeZone,
      returnCount: rows.length,
      to: settings.email?.trim() || null,
    };
  };

  return {
    /** The report as it would be sent now: the returns the next report lists so far. */
    preview: (storeId: string) => render(storeId, false),

    /** Sends the preview, marked as a test, to the store's report address; one per slot. */
    async sendTest(storeId: string): Promise<{ to: string; subject: string; messageId: string }> {
      const report = await render(storeId, true);
      if (!report.to)
        throw new DeskError(
          409,
          'No report address',
          'the store has no report e-mail address (reportEmail)',
        );
      const slot = await slots.take(storeId, now());
      if (!slot.taken)
        throw new DeskError(
          429,
          'Too many test reports',
          'a test report of this store was sent a moment ago; try again later',
          Math.max(1, Math.ceil((slot.nextAt - now()) / 1000)),
        );
      try {
        const { messageId } = await mailer.send(report.to, report);
        logger.info('test report sent', { storeId, returns: report.returnCount });
        return { to: report.to, subject: report.subject, messageId };
      } catch (error) {
        const kind = error instanceof SendError ? error.kind : 'uncertain';
        logger.warn('test report not sent', { storeId, kind, error: errorMessage(error) });
        throw new DeskError(
          502,
          'Test report not sent',
          kind === 'refused'
            ? `the mail server refused the test report to ${report.to}: ${errorMessage(error)}`
            : `the test report to ${report.to} could not be sent: ${errorMessage(error)}`,
        );
      }
    },

    /** The store's decided reports, newest first. */
    async history(storeId: string, limit: number): Promise<ReportHistoryEntry[]> {
      const reports = await ledger.history(storeId, limit);
      return reports.map((r) => ({
        reportDate: r.reportDate,
        result: r.result,
        reason: r.reason,
        returnCount: r.returnIds.length,
        detail: r.detail,
        to: r.to,
        resolvedAt: r.resolvedAt.toISOString(),
      }));
    },
  };
}

export type ReportDesk = ReturnType<typeof createReportDesk>;
