import { describe, expect, it } from '@jest/globals';
import { createLogger } from './logger.js';
import { isSecretKey, scrubString } from './redact.js';

const SECRET = 'sk_live_9f8e7d6c5b4a';

function capture() {
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', write: (l) => lines.push(l) });
  return { logger, lines, text: () => lines.join('\n') };
}

describe('logger redaction', () => {
  it.each([
    'apiKey',
    'api_key',
    'X-Api-Key',
    'miraklApiKey',
    'token',
    'accessToken',
    'pat',
    'shipbobPat',
    'SHIPBOB_PAT',
    'authorization',
    'Authorization',
    'password',
    'clientSecret',
    'webhookSecret',
    'MIRAKL_API_KEY',
    'encryptionKey',
    'privateKey',
    'refresh_token',
    'credentials',
    'cookie',
    'set-cookie',
    'passwd',
  ])('never prints the value of a field named %s', (key) => {
    const { logger, text } = capture();
    logger.info('hello', { [key]: SECRET, nested: { deeper: [{ [key]: SECRET }] } });
    expect(text()).not.toContain(SECRET);
    expect(text()).toContain('[REDACTED]');
  });

  it('scrubs Authorization headers inside objects, errors and messages', () => {
    const { logger, text } = capture();
    const error = new Error(`request failed with Authorization: ${SECRET}`);
    logger.error(`calling with Bearer ${SECRET}`, {
      headers: { Authorization: `Bearer ${SECRET}`, accept: 'application/json' },
      error,
      url: `https://user:${SECRET}@example.com/path`,
    });
    expect(text()).not.toContain(SECRET);
    expect(JSON.parse(text())).toMatchObject({ headers: { accept: 'application/json' } });
  });

  it('scrubs registered secret values wherever they appear, also from child loggers', () => {
    const { logger, text } = capture();
    const child = logger.child({ storeId: 's1' });
    child.addSecret(SECRET);
    logger.warn('odd payload', { body: `{"x":"${SECRET}"}`, list: [SECRET] });
    expect(text()).not.toContain(SECRET);
  });

  it('keeps ordinary fields readable', () => {
    const { logger, lines } = capture();
    logger.info('polled', { storeId: 'store-1', path: '/api/orders', count: 3 });
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 'info',
      msg: 'polled',
      storeId: 'store-1',
      path: '/api/orders',
      count: 3,
    });
  });

  it('respects the level threshold', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'warn', write: (l) => lines.push(l) });
    logger.info('quiet');
    logger.warn('loud');
    expect(lines).toHaveLength(1);
  });

  it('does not take ordinary names for secrets', () => {
    expect(isSecretKey('path')).toBe(false);
    expect(isSecretKey('storeId')).toBe(false);
    expect(scrubString('plain text')).toBe('plain text');
  });
});
