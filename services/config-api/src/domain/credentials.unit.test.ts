import { describe, expect, it } from '@jest/globals';
import { isHeaderSafe, maskSecret, visibleTail } from './credentials.js';

describe('masked secrets', () => {
  it('shows at most a quarter of a secret and never more than four characters', () => {
    const shown = (secret: string) => maskSecret(visibleTail(secret));
    expect(shown('')).toBe('••••');
    expect(shown('abc')).toBe('••••');
    expect(shown('k3y9')).toBe('••••9');
    expect(shown('sim-pat')).toBe('••••t');
    expect(shown('12345678')).toBe('••••78');
    expect(shown('mirakl-key-A-9f8e7d6c5b4a3921')).toBe('••••3921');
  });
});

describe('credentials as HTTP header values', () => {
  it('accepts printable ASCII, inner spaces and Latin-1', () => {
    for (const value of ['sim-pat', 'a b', 'tab\there', 'clé-ü', 'msync_AZaz09-_']) {
      expect({ value, safe: isHeaderSafe(value) }).toEqual({ value, safe: true });
    }
  });

  it('refuses line breaks, NUL, other control characters and characters beyond Latin-1', () => {
    for (const value of [
      'a\r\nb',
      'a\nb',
      'a\rb',
      'a\u0000b',
      'a\u0007b',
      'a\u007fb',
      '€',
      'ключ',
    ]) {
      expect({ value, safe: isHeaderSafe(value) }).toEqual({ value, safe: false });
    }
  });
});
