import { randomUUID } from 'node:crypto';
import type { EventOf, StoreConfig } from '@msync/events';
import { RetriableError, errorMessage, type Logger } from '@msync/platform';
import type { OutcomePublisher } from './adapters/outcomes.js';
import type { ReportLedger, ReportRecord } from './adapters/mongo-ledger.js';
import type { ReturnsProjection } from './adapters/mongo-returns.js';
import { SendError, type Mailer } from './adapters/mailer.js';
import {
  decideReport,
  type ReportPolicy,
  type ReportResolution,
  type ReportSettings,
} from './domain/decision.js';
import { localDay } from './domain/local-day.js';
import { renderReport } from './domain/render.js';
import { reportRows, windowStart, type ReportRow } from './domain/report-window.js';
import { returnOf } from './domain/returns.js';
import type { ReporterMetrics } from './metrics.js';

export type ReportRequested = EventOf<'reportRequested'>;

export interface ReporterAppOptions {
  returns: ReturnsProjection;
  ledger: ReportLedger;
  mailer: Mailer;
  configs: { get(storeId: string): StoreConfig | undefined };
  publishOutcome: OutcomePublisher;
  metrics: ReporterMetrics;
  logger: Logger;
  policy: ReportPolicy;
  /** Names this process in its claims (for operators reading the ledger). */
  holder: string;
  now?: () => number;
}

/** The report settings of a store's latest configuration. */
export function reportSettingsOf(config: StoreConfig): ReportSettings {
  return {
    name: config.miraklShopName ?? `shop ${config.miraklShopId}`,
    connected: config.status === 'CONNECTED',
    email: config.reportEmail,
    reportWhenEmpty: config.reportWhenEmpty,
  };
}

/** How many times the ledger is read again when another attempt decided in between. */
const LEDGER_ROUNDS = 3;

/** The reporter's use cases: keep the returns projection, send each store's report once a day. */
export function createReporterApp(options: ReporterAppOptions) {
  const { returns, ledger, mailer, metrics, policy } = options;
  const now = options.now ?? Date.now;
  const logger = options.logger.child({ component: 'reporter' });

  /** Marks the listed returns, publishes the outcome, then marks the report finished. */
  const finish = async (report: ReportRecord, command: ReportRequested): Promise<void> => {
    if (report.finished) return;
    if (report.result === 'SENT')
      await returns.markReported(report.storeId, report.returnIds, report.reportDate);
    await options.publishOutcome(report, command);
    await ledger.finish(report.storeId, report.reportDate);
  };

  /** Records the day's decision; false when another attempt had decided it first. */
  const decide = async (
    command: ReportRequested,
    resolution: ReportResolution,
    extra: { windowStart: number; rows?: readonly ReportRow[]; to?: string; messageId?: string },
  ): Promise<boolean> => {
    const report: ReportRecord = {
      ...resolution,
      storeId: command.envelope.storeId,
      reportDate: command.reportDate,
      windowStart: extra.windowStart,
      returnIds: (extra.rows ?? []).map((row) => row.returnId),
      to: extra.to ?? null,
      messageId: extra.messageId ?? null,
      resolvedAt: new Date(now()),
      outcomeEventId: randomUUID(),
      finished: false,
    };
    if (!(await ledger.decide(report))) {
      logger.warn('report decided by another attempt first', {
        storeId: report.storeId,
        reportDate: report.reportDate,
        result: report.result,
      });
      return false;
    }
    metrics.reports.inc({
      result: report.result.toLowerCase(),
      reason: report.reason ?? 'none',
    });
    logger.info('report decided', {
      storeId: report.storeId,
      reportDate: report.reportDate,
      result: report.result,
      reason: report.reason,
      returns: report.returnIds.length,
    });
    await finish(report, command);
    return true;
  };

  /** Claims the day, sends, and decides by what the send did. */
  const send = async (
    command: ReportRequested,
    settings: ReportSettings,
    rows: ReportRow[],
    since: number,
    today: string,
  ): Promise<'decided' | 'lost-claim'> => {
    const { storeId } = command.envelope;
    const attemptId = randomUUID();
    const claimed = await ledger.claim(storeId, command.reportDate, {
      attemptId,
      holder: options.holder,
      claimedAt: now(),
    });
    if (!claimed) return 'lost-claim';
    const to = settings.email!.trim();
    const rendered = renderReport({
      storeName: settings.name,
      reportDate: command.reportDate,
      timeZone: command.timeZone,
      rows,
      sentLateOn: today > command.reportDate ? today : undefined,
    });
    const started = now();
    try {
      const { messageId } = await mailer.send(to, rendered);
      metrics.sendAttempts.inc({ result: 'ok' });
      metrics.sendSeconds.observe({ result: 'ok' }, (now() - started) / 1000);
      const detail = `${rows.length} completed ${rows.length === 1 ? 'return' : 'returns'} sent to ${to}`;
      await decide(
        command,
        { result: 'SENT', reason: null, detail },
        { windowStart: since, rows, to, messageId },
      );
      return 'decided';
    } catch (error) {
      const kind = error instanceof SendError ? error.kind : 'uncertain';
      metrics.sendAttempts.inc({ result: kind });
      metrics.sendSeconds.observe({ result: kind }, (now() - started) / 1000);
      if (kind === 'transient') {
        // Nothing was handed over: the claim goes, and the retrier tries again with backoff.
        await ledger.release(storeId, command.reportDate, attemptId);
        throw new RetriableError(`the report could not be sent yet: ${errorMessage(error)}`, {
          cause: error,
          reason: 'smtp-unavailable',
        });
      }
      const detail =
        kind === 'refused'
          ? `the mail server refused the report to ${to}: ${errorMessage(error)}`
          : `the report to ${to} may or may not have been delivered (no answer after the message was sent): ${errorMessage(error)}`;
      await decide(command, { result: 'FAILED', reason: kind, detail }, { windowStart: since, to });
      return 'decided';
    }
  };

  return {
    /** Keeps the latest state of a return (by the source's time, not arrival order). */
    async onReturnUpdated(event: EventOf<'returnUpdated'>): Promise<void> {
      const result = await returns.upsert(returnOf(event));
      metrics.returnsProjected.inc({ result });
    },

    /** Sends the store's report of the day once, or records why not (ADR 0061). */
    async onReportRequested(command: ReportRequested): Promise<void> {
      const { storeId } = command.envelope;
      for (let round = 0; round < LEDGER_ROUNDS; round++) {
        const { claim, report } = await ledger.read(storeId, command.reportDate);
        if (report) {
          await finish(report, command);
          return;
        }
        const config = options.configs.get(storeId);
        const settings = config ? reportSettingsOf(config) : undefined;
        const since = windowStart(
          await ledger.previous(storeId, command.reportDate),
          command.envelope.occurredAt,
        );
        const rows = reportRows(await returns.unreportedCompleted(storeId), since);
        const at = now();
        const today = localDay(at, command.timeZone);
        const decision = decideReport(
          {
            reportDate: command.reportDate,
            today,
            settings,
            resolution: null,
            claim,
            rowCount: rows.length,
            now: at,
          },
          policy,
        );
        switch (decision.kind) {
          case 'done':
            return;
          case 'wait':
            throw new RetriableError(
              decision.why === 'claimed'
                ? 'another attempt is sending this report; looking again later'
                : 'the store configuration has not been read yet',
              { reason: decision.why === 'claimed' ? 'report-in-progress' : 'no-store-config' },
            );
          case 'resolve':
            if (await decide(command, decision.resolution, { windowStart: since })) return;
            break;
          case 'send':
            if ((await send(command, settings!, rows, since, today)) === 'decided') return;
            break;
          default: {
            const unknown: never = decision;
            throw new Error(`unknown decision ${JSON.stringify(unknown)}`);
          }
        }
      }
      throw new RetriableError('the report ledger kept changing; trying again later', {
        reason: 'ledger-contention',
      });
    },
  };
}

export type ReporterApp = ReturnType<typeof createReporterApp>;
