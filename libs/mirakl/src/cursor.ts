import type { MiraklOrder } from './domain.js';

/**
 * The next `updatedSince` cursor after a poll: the newest `last_updated_date` seen, never moving
 * backwards. Mirakl's own overlap re-sends recent orders; callers dedupe on id + last update.
 */
export function advanceCursor(
  previous: Date | undefined,
  orders: readonly MiraklOrder[],
): Date | undefined {
  let cursor = previous;
  for (const o of orders) if (!cursor || o.lastUpdatedAt > cursor) cursor = o.lastUpdatedAt;
  return cursor;
}
