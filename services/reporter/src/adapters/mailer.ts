import nodemailer from 'nodemailer';
import { errorMessage, scrubString } from '@msync/platform';
import { classifySendFailure, type SendFailureKind } from '../domain/send-failure.js';
import type { RenderedReport } from '../domain/render.js';

/** A send that did not succeed, classified (domain/send-failure.ts). */
export class SendError extends Error {
  constructor(
    readonly kind: SendFailureKind,
    message: string,
    readonly responseCode: number | undefined,
  ) {
    super(message);
    this.name = 'SendError';
  }
}

export interface Mailer {
  /** Sends one report; resolves with the message id, or throws a {@link SendError}. */
  send(to: string, report: RenderedReport): Promise<{ messageId: string }>;
}

export interface MailerOptions {
  smtpUrl: string;
  from: string;
  /** Bound of each SMTP wait (connect, greeting, any reply); a send cannot hang longer. */
  timeoutMs: number;
}

interface NodemailerFailure {
  code?: string;
  command?: string;
  responseCode?: number;
  response?: string;
}

/**
 * Sends through nodemailer over `SMTP_URL`, one connection per report (a few sends a day per
 * store; nothing to pool). It watches the SMTP replies for the `354` that lets the message body
 * go, so a failure after it is told apart from one where nothing was handed over.
 */
export function createMailer(options: MailerOptions): Mailer {
  return {
    async send(to, report) {
      let bodySent = false;
      const watch = (entry: { tnx?: string }, message: unknown) => {
        if (entry.tnx === 'server' && String(message).startsWith('354')) bodySent = true;
      };
      const ignore = () => undefined;
      const transport = nodemailer.createTransport({
        url: options.smtpUrl,
        connectionTimeout: options.timeoutMs,
        greetingTimeout: options.timeoutMs,
        socketTimeout: options.timeoutMs,
        dnsTimeout: options.timeoutMs,
        transactionLog: true,
        logger: {
          level: ignore,
          trace: ignore,
          debug: watch,
          info: ignore,
          warn: ignore,
          error: ignore,
          fatal: ignore,
        },
      });
      try {
        const info = await transport.sendMail({
          from: options.from,
          to,
          subject: report.subject,
          text: report.text,
          html: report.html,
        });
        return { messageId: info.messageId };
      } catch (error) {
        const failure = error as NodemailerFailure;
        const kind = classifySendFailure({
          code: failure.code,
          command: failure.command,
          responseCode: failure.responseCode,
          bodySent,
        });
        throw new SendError(kind, scrubString(errorMessage(error)), failure.responseCode);
      } finally {
        transport.close();
      }
    },
  };
}
