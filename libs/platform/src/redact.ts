import { types } from 'node:util';
export const REDACTED = '[REDACTED]';

// Keys are compared lower-cased with separators removed, so `api_key`, `apiKey`, `X-Api-Key` match.
const SECRET_KEY_SUFFIXES = [
  'apikey',
  'token',
  'secret',
  'password',
  'passwd',
  'authorization',
  'pat',
  'privatekey',
  'credentials',
  'cookie',
  'encryptionkey',
];

/** True when a field name looks like it holds a secret (key, token, PAT, Authorization...). */
export function isSecretKey(key: string): boolean {
  const normalized = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  return SECRET_KEY_SUFFIXES.some((suffix) => normalized.endsWith(suffix));
}

const AUTH_SCHEME = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;
const KEY_VALUE =
  /\b(authorization|api[-_]?key|token|pat|password|secret)(["']?\s*[:=]\s*["']?)[^\s"',;&]+/gi;
const URL_PASSWORD = /(\/\/[^/:@\s]+:)[^@/\s]+@/g;

/** Removes known secret values and credential-looking fragments from a string. */
export function scrubString(value: string, knownSecrets: Iterable<string> = []): string {
  let out = value;
  for (const secret of knownSecrets) {
    if (secret.length >= 4) out = out.split(secret).join(REDACTED);
  }
  out = out.replace(URL_PASSWORD, `$1${REDACTED}@`);
  out = out.replace(AUTH_SCHEME, (_m, scheme: string) => `${scheme} ${REDACTED}`);
  out = out.replace(KEY_VALUE, (_m, key: string, sep: string) => `${key}${sep}${REDACTED}`);
  return out;
}

/**
 * Deep copy of `value` that is safe to print: secret-named fields are replaced, strings are
 * scrubbed, errors become plain objects (message, stack, cause), cycles are cut.
 */
export function redact(
  value: unknown,
  knownSecrets: Iterable<string> = [],
  seen = new WeakSet<object>(),
): unknown {
  if (typeof value === 'string') return scrubString(value, knownSecrets);
  if (value === null || typeof value !== 'object') {
    return typeof value === 'bigint' ? value.toString() : value;
  }
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (types.isNativeError(value)) {
    const plain: Record<string, unknown> = {
      name: value.name,
      message: value.message,
      stack: value.stack,
    };
    for (const [k, v] of Object.entries(value)) plain[k] = v;
    if (value.cause !== undefined) plain['cause'] = value.cause;
    return redactObject(plain, knownSecrets, seen);
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, knownSecrets, seen));
  if (types.isDate(value)) return value.toISOString();
  if (Buffer.isBuffer(value)) return `<Buffer ${value.length} bytes>`;
  if (types.isMap(value))
    return redactObject(Object.fromEntries(value) as Record<string, unknown>, knownSecrets, seen);
  return redactObject(value as Record<string, unknown>, knownSecrets, seen);
}

function redactObject(
  obj: Record<string, unknown>,
  knownSecrets: Iterable<string>,
  seen: WeakSet<object>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(obj)) {
    out[key] =
      isSecretKey(key) && v !== undefined && v !== null ? REDACTED : redact(v, knownSecrets, seen);
  }
  return out;
}
