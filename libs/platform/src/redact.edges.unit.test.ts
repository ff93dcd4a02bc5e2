import { describe, expect, it } from '@jest/globals';
import { REDACTED, isSecretKey, redact, scrubString } from './redact.js';

describe('secret field names', () => {
  it.each([
    'apiKey',
    'token',
    'clientSecret',
    'password',
    'smtpPasswd',
    'Proxy-Authorization',
    'pat',
    'privateKey',
    'private_key',
    'awsCredentials',
    'Set-Cookie',
    'ENCRYPTION_KEY',
  ])('takes %s for a secret', (key) => {
    expect(isSecretKey(key)).toBe(true);
  });

  it.each(['patience', 'tokens', 'secretName', 'passwordHint', 'keyId', 'cookies', 'apiKeyLast4'])(
    'takes %s, which only contains a secret word, for an ordinary field',
    (key) => {
      expect(isSecretKey(key)).toBe(false);
    },
  );
});

describe('scrubbing strings', () => {
  it('removes registered secrets of four characters or more, wherever they appear', () => {
    expect(scrubString('pin abcd in abcdabcd', ['abcd'])).toBe(
      `pin ${REDACTED} in ${REDACTED}${REDACTED}`,
    );
    expect(scrubString('code x9z stays', ['x9z'])).toBe('code x9z stays');
    expect(scrubString('a: s3cr3t-1, b: s3cr3t-2', new Set(['s3cr3t-1', 's3cr3t-2']))).toBe(
      `a: ${REDACTED}, b: ${REDACTED}`,
    );
  });

  it('removes the password of a URL, keeping the user and host', () => {
    expect(scrubString('connect to mongodb://app:hunter22@db:27017/x and amqp://u:p@q/')).toBe(
      `connect to mongodb://app:${REDACTED}@db:27017/x and amqp://u:${REDACTED}@q/`,
    );
    expect(scrubString('see https://example.com/a:b/c@d')).toBe('see https://example.com/a:b/c@d');
  });

  it('removes bearer and basic credentials, in any case', () => {
    expect(scrubString('sent Bearer abc.def-ghi_jkl~m+n/o= upstream')).toBe(
      `sent Bearer ${REDACTED} upstream`,
    );
    // A header line loses the scheme too: the header name marks its whole value as secret.
    expect(scrubString('Authorization: Bearer abc')).not.toContain('abc');
    expect(scrubString('got basic dXNlcjpwYXNz== back')).toBe(`got basic ${REDACTED} back`);
    expect(scrubString('a BEARER   tok1 and Bearer tok2')).toBe(
      `a BEARER ${REDACTED} and Bearer ${REDACTED}`,
    );
  });

  it.each([
    ['token=abc123&page=2', `token=${REDACTED}&page=2`],
    ['api_key: abc123, next', `api_key: ${REDACTED}, next`],
    ['api-key=abc123', `api-key=${REDACTED}`],
    ['APIKEY=abc123;x=1', `APIKEY=${REDACTED};x=1`],
    ['{"password": "hunter22"}', `{"password": "${REDACTED}"}`],
    ["secret='s3' pat=shipbob-pat-1", `secret='${REDACTED}' pat=${REDACTED}`],
    ['authorization = abc', `authorization = ${REDACTED}`],
  ])('removes the value in %j', (input, expected) => {
    expect(scrubString(input)).toBe(expected);
  });

  it('leaves words that merely end like a secret name alone', () => {
    expect(scrubString('compat=1 xtoken=2')).toBe('compat=1 xtoken=2');
    expect(scrubString('token bucket refilled')).toBe('token bucket refilled');
  });
});

describe('redacting values', () => {
  it('replaces secret fields at any depth and keeps absent ones absent', () => {
    expect(
      redact({
        storeId: 's1',
        apiKey: 'k-1',
        pat: null,
        token: undefined,
        nested: [{ password: 0 }, 'Bearer xyz'],
      }),
    ).toEqual({
      storeId: 's1',
      apiKey: REDACTED,
      pat: null,
      token: undefined,
      nested: [{ password: REDACTED }, `Bearer ${REDACTED}`],
    });
  });

  it('scrubs registered secrets inside nested strings and maps', () => {
    const known = ['shipbob-pat-123'];
    expect(
      redact(
        { body: 'pat shipbob-pat-123 sent', headers: new Map([['x-pat', 'shipbob-pat-123']]) },
        known,
      ),
    ).toEqual({ body: `pat ${REDACTED} sent`, headers: { 'x-pat': REDACTED } });
    expect(redact(new Map([['note', 'has shipbob-pat-123']]), known)).toEqual({
      note: `has ${REDACTED}`,
    });
  });

  it('prints dates, buffers and big integers readably and passes other scalars through', () => {
    expect(
      redact({
        at: new Date('2026-01-02T03:04:05Z'),
        raw: Buffer.from('secret'),
        big: 12n,
        n: 3,
        ok: true,
        nothing: null,
      }),
    ).toEqual({
      at: '2026-01-02T03:04:05.000Z',
      raw: '<Buffer 6 bytes>',
      big: '12',
      n: 3,
      ok: true,
      nothing: null,
    });
    expect(redact(undefined)).toBeUndefined();
  });

  it('turns an error into a plain object with its own fields and its cause', () => {
    const cause = new Error('token=abc123 refused');
    const error = Object.assign(new TypeError('call failed', { cause }), {
      status: 401,
      authorization: 'Bearer abc',
    });
    const plain = redact(error) as Record<string, unknown>;
    expect(plain).toMatchObject({
      name: 'TypeError',
      message: 'call failed',
      status: 401,
      authorization: REDACTED,
      cause: { name: 'Error', message: `token=${REDACTED} refused` },
    });
    expect(String(plain['stack'])).toContain('call failed');
    expect('cause' in (redact(new Error('alone')) as object)).toBe(false);
  });

  it('cuts cycles in objects and arrays', () => {
    const loop: Record<string, unknown> = { name: 'a' };
    loop['self'] = loop;
    expect(redact(loop)).toEqual({ name: 'a', self: '[Circular]' });
    const list: unknown[] = [1];
    list.push(list);
    expect(redact(list)).toEqual([1, '[Circular]']);
  });
});
