import type { Response } from 'express';
import { InvalidParameter, vendorError } from '../errors.js';

// Reading ShipBob's query parameters and answering its page shapes. A parameter that cannot be
// read throws `InvalidParameter`, which the route answers in its documented 400 shape.

/**
 * The raw (still percent-encoded) value of a query parameter. ShipBob splits comma lists and
 * reads `op:` filters before decoding, so `A%2CB` is one value and `any%3AX` is no operator.
 */
export function rawParam(url: URL, name: string): string | null {
  for (const part of url.search.slice(1).split('&')) {
    const eq = part.indexOf('=');
    const key = decodeLenient(eq < 0 ? part : part.slice(0, eq));
    if (key === name) return eq < 0 ? '' : part.slice(eq + 1);
  }
  return null;
}

function decodeLenient(raw: string): string {
  try {
    return decodeURIComponent(raw.replaceAll('+', ' '));
  } catch {
    return raw;
  }
}

/** Comma-separated query list (`A,B`), ShipBob's list style: only a literal `,` separates. */
export function list(url: URL, name: string): string[] | undefined {
  const raw = rawParam(url, name);
  if (raw === null || raw === '') return undefined;
  return raw
    .split(',')
    .map((s) => decodeLenient(s).trim())
    .filter((s) => s.length > 0);
}

/** `SKU=any:A,B` (operator syntax) or `SKU=A`; an encoded `%3A` is no operator. */
export function filterValues(url: URL, name: string): string[] | undefined {
  const raw = rawParam(url, name);
  if (!raw) return undefined;
  const operator = /^(any|equals):/.exec(raw);
  const values = operator ? raw.slice(operator[0].length) : raw;
  return values
    .split(',')
    .map(decodeLenient)
    .filter((s) => s.length > 0);
}

export function intParam(
  url: URL,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new InvalidParameter(name, `${name} must be an integer between ${min} and ${max}.`);
  return value;
}

export function bool(url: URL, name: string): boolean | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null) return undefined;
  return raw.toLowerCase() === 'true';
}

export function date(url: URL, name: string): number | undefined {
  const raw = url.searchParams.get(name);
  if (!raw) return undefined;
  const ms = Date.parse(raw);
  if (Number.isNaN(ms)) throw new InvalidParameter(name, `The value '${raw}' is not valid.`);
  return ms;
}

export function numericId(raw: string | undefined, name = 'id'): number {
  const id = Number(raw);
  if (!Number.isInteger(id)) throw new InvalidParameter(name, `The value '${raw}' is not valid.`);
  return id;
}

export function asObject<T>(body: unknown): T {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw vendorError(400, { '': ['A non-empty request body is required.'] });
  return body as T;
}

/** Cursor-paged envelope `{items, first, last, next, prev}` with absolute links. */
export function cursorPage<T>(
  url: URL,
  items: readonly T[],
  sizeParam: string,
  defaultSize: number,
  withEnds = true,
  /** What the page shows of each item: only the page's items are turned into views. */
  view: (item: T) => unknown = (item) => item,
): Record<string, unknown> {
  const size = intParam(url, sizeParam, defaultSize, 1, 250);
  const cursor = url.searchParams.get('Cursor');
  const offset = cursor ? decodeCursor(cursor) : 0;
  const link = (at: number | null): string | null => {
    if (at === null) return null;
    const next = new URL(url.toString());
    next.searchParams.set('Cursor', encodeCursor(at));
    return next.toString().replaceAll('%2C', ',').replaceAll('%3A', ':');
  };
  const lastOffset = items.length === 0 ? 0 : Math.floor((items.length - 1) / size) * size;
  const page: Record<string, unknown> = {
    items: items.slice(offset, offset + size).map(view),
    next: offset + size < items.length ? link(offset + size) : null,
    prev: offset > 0 ? link(Math.max(0, offset - size)) : null,
  };
  if (withEnds) {
    page['first'] = link(0);
    page['last'] = link(lastOffset);
  }
  return page;
}

function encodeCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString('base64url');
}

function decodeCursor(cursor: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { o?: unknown };
    if (typeof parsed.o === 'number' && parsed.o >= 0) return parsed.o;
  } catch {
    // fall through
  }
  throw new InvalidParameter('Cursor', 'The cursor is not valid; follow the next/prev links.');
}

/**
 * Answers `Page`/`Limit` paging of a bare array with the `Page-Number`, `Total-Pages`,
 * `Total-Count`, `Page-Size` and (when there is one) `Next-Page` headers.
 */
export function sendPagedArray<T>(
  res: Response,
  url: URL,
  items: T[],
  render: (item: T) => unknown,
): void {
  const limit = intParam(url, 'Limit', 50, 1, 250);
  const page = intParam(url, 'Page', 1, 1, 1_000_000);
  const totalPages = Math.max(1, Math.ceil(items.length / limit));
  res.set({
    'page-number': String(page),
    'total-pages': String(totalPages),
    'total-count': String(items.length),
    'page-size': String(limit),
  });
  if (page < totalPages) {
    const next = new URL(url.toString());
    next.searchParams.set('Page', String(page + 1));
    res.set(
      'next-page',
      `${next.pathname}${next.search}`.replaceAll('%2C', ',').replaceAll('%3A', ':'),
    );
  }
  res.json(items.slice((page - 1) * limit, page * limit).map(render));
}
