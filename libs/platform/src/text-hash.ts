/**
 * Two independent 32-bit hashes (FNV-1a and a multiply-xorshift) of a text's code units: a 64-bit
 * print of a SKU that tells it from the others of a catalog without keeping its string (ADR 0146,
 * 0147). Written into one shared array (no allocation per call): read both halves before the
 * next call.
 */
const HASH = new Int32Array(2);
export function hash64(text: string): Int32Array {
  let a = 0x811c9dc5;
  let b = 0x9e3779b9 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  HASH[0] = a;
  HASH[1] = b;
  return HASH;
}
