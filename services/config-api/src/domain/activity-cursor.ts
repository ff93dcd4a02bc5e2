/**
 * The activity list's paging cursor: the position (time, entry id) of the last entry of a page,
 * newest first. Opaque to clients (base64url); a position, not an offset, so entries arriving
 * while someone pages neither repeat nor go missing.
 */
export interface ActivityPosition {
  at: Date;
  id: string;
}

const PREFIX = 'a1';

export function encodeCursor(position: ActivityPosition): string {
  return Buffer.from(JSON.stringify([PREFIX, position.at.getTime(), position.id])).toString(
    'base64url',
  );
}

/** The position a cursor names, or null when it is not one of ours. */
export function decodeCursor(cursor: string): ActivityPosition | null {
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(cursor)) return null;
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString());
  } catch {
    // Not JSON: refused below like any other shape.
  }
  if (!Array.isArray(parsed) || parsed.length !== 3 || parsed[0] !== PREFIX) return null;
  const [, millis, id] = parsed as [unknown, unknown, unknown];
  if (!Number.isSafeInteger(millis)) return null;
  if (typeof id !== 'string' || id.length === 0 || id.length > 200) return null;
  const at = new Date(millis as number);
  return Number.isNaN(at.getTime()) ? null : { at, id };
}

/** Entries strictly after a position in newest-first order (older, or as old with a lower id). */
export function isAfter(entry: ActivityPosition, position: ActivityPosition): boolean {
  const a = entry.at.getTime();
  const b = position.at.getTime();
  return a < b || (a === b && entry.id < position.id);
}

/** One page of `limit` from entries fetched as `limit + 1`: the page and the next cursor. */
export function pageOf<T extends ActivityPosition>(
  fetched: readonly T[],
  limit: number,
): { items: T[]; nextCursor: string | null } {
  const items = fetched.slice(0, limit);
  const last = items.at(-1);
  return {
    items,
    nextCursor: fetched.length > limit && last ? encodeCursor(last) : null,
  };
}
