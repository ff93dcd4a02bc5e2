import { describe, expect, it } from '@jest/globals';
import { classifySendFailure } from './send-failure.js';

describe('what a failed SMTP send means', () => {
  it.each([
    // [failure, kind]
    [{ responseCode: 550, command: 'RCPT TO', bodySent: false }, 'refused'],
    [{ responseCode: 553, command: 'RCPT TO', bodySent: false }, 'refused'],
    [{ responseCode: 554, command: 'DATA', bodySent: true }, 'refused'],
    [{ responseCode: 450, command: 'RCPT TO', bodySent: false }, 'transient'],
    [{ responseCode: 451, command: 'DATA', bodySent: true }, 'transient'],
    [{ responseCode: 421, command: 'CONN', bodySent: false }, 'transient'],
    [{ responseCode: 503, command: 'RCPT TO', bodySent: false }, 'transient'],
    // Our own sender or login refused: our configuration, retried until fixed.
    [{ responseCode: 535, command: 'AUTH PLAIN', bodySent: false }, 'transient'],
    [{ responseCode: 550, command: 'MAIL FROM', bodySent: false }, 'transient'],
    [{ code: 'ECONNECTION', command: 'CONN', bodySent: false }, 'transient'],
    [{ code: 'ETIMEDOUT', command: 'CONN', bodySent: false }, 'transient'],
    [{ code: 'ESOCKET', bodySent: false }, 'transient'],
    [{ code: 'EENVELOPE', bodySent: false }, 'refused'],
    // The body left and no answer came: it may have been delivered.
    [{ code: 'ECONNECTION', command: 'CONN', bodySent: true }, 'uncertain'],
    [{ code: 'ETIMEDOUT', command: 'CONN', bodySent: true }, 'uncertain'],
  ] as const)('%j is %s', (failure, kind) => {
    expect(classifySendFailure(failure)).toBe(kind);
  });
});
