import type { Readable } from 'node:stream';

/**
 * A vendor response whose body the HTTP client handed over as a stream (axios' `responseType:
 * 'stream'`), its body then read into text as it arrives (ADR 0185): each piece the socket gives
 * is copied and let go, the copy decoded once as UTF-8 (a byte-order mark dropped, as axios' text
 * mode does). Axios' text mode keeps every piece until the last one and then joins them, and each
 * piece keeps its whole 64-KB read buffer alive: three 4-MB export files read at once held 38–45
 * MB of buffers, 8–24 MB this way, for the same CPU (`npm run bench -- bodies`).
 *
 * An axios response interceptor: a body cut off (the request's signal aborted, the connection
 * lost) rejects, and the caller sees the error it sees for a request that failed.
 */
export async function withTextBody<R extends { data: unknown }>(
  response: R,
): Promise<Omit<R, 'data'> & { data: string }> {
  const body = response.data;
  const read = isReadable(body) ? await text(body) : typeof body === 'string' ? body : '';
  return Object.assign(response as Omit<R, 'data'>, { data: read });
}

/**
 * The stream's bytes in one buffer that doubles when full, decoded once into a flat string.
 * Decoding each piece instead (`TextDecoder`, `setEncoding`) made a string of many pieces that the
 * parse copied again: 14 % more CPU for a 4-MB file.
 */
async function text(body: Readable): Promise<string> {
  let buffer = Buffer.allocUnsafe(FIRST_CAPACITY);
  let used = 0;
  for await (const piece of body) {
    const bytes = piece as Buffer;
    if (used + bytes.length > buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(buffer.length * 2, used + bytes.length));
      buffer.copy(grown, 0, 0, used);
      buffer = grown;
    }
    bytes.copy(buffer, used);
    used += bytes.length;
  }
  const read = buffer.toString('utf8', 0, used);
  return read.charCodeAt(0) === BYTE_ORDER_MARK ? read.slice(1) : read;
}

const FIRST_CAPACITY = 64 * 1024;
const BYTE_ORDER_MARK = 0xfeff;

const isReadable = (value: unknown): value is Readable =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';
