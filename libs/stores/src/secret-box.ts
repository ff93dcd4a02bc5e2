import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { PermanentError } from '@msync/platform';

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

/** Seals and opens secrets at rest; every sealed value names the key it was made with. */
export interface SecretBox {
  seal(plaintext: string): string;
  open(sealed: string): string;
  /** Key id a sealed value was made with. */
  keyIdOf(sealed: string): string;
  readonly activeKeyId: string;
}

const VERSION = 'v1';

/**
 * AES-256-GCM with a random 96-bit IV per value. Sealed form:
 * `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts). The key id is authenticated as
 * additional data, so a value cannot be re-labelled to another key.
 */
export function createSecretBox(keys: readonly EncryptionKey[]): SecretBox {
  const active = keys[0];
  if (!active) throw new PermanentError('no encryption key', { reason: 'invalid-config' });
  const byId = new Map(keys.map((k) => [k.id, k.key]));
  const parse = (sealed: string) => {
    const parts = sealed.split('.');
    if (parts.length !== 5 || parts[0] !== VERSION) {
      throw new PermanentError('not a sealed secret', { reason: 'sealed-format' });
    }
    return { keyId: parts[1]!, iv: parts[2]!, tag: parts[3]!, data: parts[4]! };
  };
  return {
    activeKeyId: active.id,
    seal(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', active.key, iv);
      cipher.setAAD(Buffer.from(active.id));
      const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [VERSION, active.id, b64(iv), b64(tag), b64(data)].join('.');
    },
    open(sealed) {
      const { keyId, iv, tag, data } = parse(sealed);
      const key = byId.get(keyId);
      if (!key) {
        throw new PermanentError(`secret sealed with unknown key id ${keyId}`, {
          reason: 'unknown-key-id',
        });
      }
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(keyId));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([
        decipher.update(Buffer.from(data, 'base64url')),
        decipher.final(),
      ]).toString('utf8');
    },
    keyIdOf: (sealed) => parse(sealed).keyId,
  };
}

const b64 = (b: Buffer): string => b.toString('base64url');
