/** One page of an offset-paginated list, and the total the vendor reports alongside it. */
export interface OffsetPage<T> {
  items: T[];
  total: number;
}

export interface OffsetPageRequest {
  offset: number;
  max: number;
  /** `false` returns everything (Mirakl's `paginate=false`). */
  paginate?: boolean;
}

/**
 * Cuts a page out of `items`. With `drift` (the `page-drift` fault) a page after the first is
 * read from a list that lost its first item since the previous page, as happens when data
 * changes between two calls: offsets shift and the total drops.
 */
export function offsetPage<T>(
  items: readonly T[],
  request: OffsetPageRequest,
  drift = false,
): OffsetPage<T> {
  const list = drift && request.offset > 0 && items.length > 0 ? items.slice(1) : [...items];
  if (request.paginate === false) return { items: list, total: list.length };
  return { items: list.slice(request.offset, request.offset + request.max), total: list.length };
}

/**
 * Reads `offset` and `max` the lenient way Mirakl does: junk falls back to the defaults, `max`
 * is clamped to [1, maxPageSize].
 */
export function offsetPageRequest(
  params: URLSearchParams,
  options: { defaultMax: number; maxPageSize: number },
): OffsetPageRequest {
  const offset = Math.max(0, Number(params.get('offset') ?? 0) || 0);
  const asked = Number(params.get('max') ?? options.defaultMax) || options.defaultMax;
  const max = Math.min(options.maxPageSize, Math.max(1, asked));
  return { offset, max, paginate: params.get('paginate') !== 'false' };
}
