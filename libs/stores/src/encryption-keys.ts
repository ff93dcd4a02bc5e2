import { z } from 'zod';
import type { EncryptionKey } from './secret-box.js';

/**
 * `ENCRYPTION_KEYS`: comma-separated `keyId:base64` pairs of 32-byte keys. The first seals new
 * values; the others still open what they sealed (rotation: put the new key first, re-encrypt,
 * then drop the old one). Every service that reads store credentials gets the same setting.
 */
export const encryptionKeysSetting = z
  .string({
    error: 'required: keyId:base64 pairs of 32-byte keys, e.g. k1:$(openssl rand -base64 32)',
  })
  .min(1)
  .transform((value, ctx): EncryptionKey[] => {
    const keys: EncryptionKey[] = [];
    for (const part of value.split(',').map((p) => p.trim())) {
      const match = /^([A-Za-z0-9_-]{1,32}):([A-Za-z0-9+/=_-]+)$/.exec(part);
      const key = match ? Buffer.from(match[2]!, 'base64') : undefined;
      if (!match || key?.length !== 32) {
        ctx.addIssue({
          code: 'custom',
          message: 'comma-separated keyId:base64 pairs, each key 32 bytes (AES-256)',
        });
        return z.NEVER;
      }
      keys.push({ id: match[1]!, key });
    }
    if (new Set(keys.map((k) => k.id)).size !== keys.length) {
      ctx.addIssue({ code: 'custom', message: 'key ids must be unique' });
      return z.NEVER;
    }
    return keys;
  });
