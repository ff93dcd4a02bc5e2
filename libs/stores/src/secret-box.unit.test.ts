import { describe, expect, it } from '@jest/globals';
import { createSecretBox } from './secret-box.js';

const k1 = { id: 'k1', key: Buffer.alloc(32, 1) };
const k2 = { id: 'k2', key: Buffer.alloc(32, 2) };

describe('secret box (AES-256-GCM with key id)', () => {
  it('round-trips and never contains the plaintext', () => {
    const box = createSecretBox([k1]);
    const sealed = box.seal('my-secret-key-1234');
    expect(sealed).toMatch(/^v1\.k1\./);
    expect(sealed).not.toContain('my-secret');
    expect(box.open(sealed)).toBe('my-secret-key-1234');
    expect(box.seal('x')).not.toBe(box.seal('x'));
  });

  it('opens values of older keys and seals with the first', () => {
    const old = createSecretBox([k1]).seal('rotate-me');
    const box = createSecretBox([k2, k1]);
    expect(box.open(old)).toBe('rotate-me');
    expect(box.keyIdOf(box.seal('y'))).toBe('k2');
    expect(() => createSecretBox([k2]).open(old)).toThrow(/unknown key id k1/);
  });

  it('detects tampering and re-labelling', () => {
    const box = createSecretBox([k1, k2]);
    const sealed = box.seal('abc');
    const parts = sealed.split('.');
    parts[4] = Buffer.from('abd').toString('base64url');
    expect(() => box.open(parts.join('.'))).toThrow();
    expect(() => box.open(sealed.replace('v1.k1.', 'v1.k2.'))).toThrow();
  });
});
