/** What a failed SMTP send means for the report. */
export type SendFailureKind =
  /** Nothing was accepted and trying again can work: retry with backoff. */
  | 'transient'
  /** The server refused the address or the message for good: a FAILED report. */
  | 'refused'
  /** The message was handed over and the answer was lost: it may have arrived; never resend. */
  | 'uncertain';

/** The parts of a nodemailer error that decide, plus whether the message body was sent. */
export interface SendFailure {
  code?: string | undefined;
  command?: string | undefined;
  responseCode?: number | undefined;
  /** The server had said 354 (go ahead) to DATA: the message may have been taken. */
  bodySent: boolean;
}

/** Commands whose permanent refusal is about this report (its recipient, its content). */
const MESSAGE_COMMANDS = /^(RCPT|DATA)/i;

/**
 * Classifies a failed send. A server reply decides when there is one: 5xx (except 503) to the
 * recipient or the message is a refusal; any other reply (4xx, 503, a 5xx to our own sender or
 * login, which is our configuration, not the store's) is retried. Without a reply, a failure
 * before the message body left is retried, one after it is uncertain.
 */
export function classifySendFailure(failure: SendFailure): SendFailureKind {
  const { responseCode } = failure;
  if (responseCode !== undefined) {
    const permanent = responseCode >= 500 && responseCode < 600 && responseCode !== 503;
    return permanent && MESSAGE_COMMANDS.test(failure.command ?? '') ? 'refused' : 'transient';
  }
  // nodemailer refuses an unusable address before sending anything.
  if (failure.code === 'EENVELOPE') return 'refused';
  return failure.bodySent ? 'uncertain' : 'transient';
}
