/**
 * The flows of a store whose facts need no common order (ADR 0100): an order's facts go in the
 * order they happened (a cancellation behind its create), but a store's catalog never waits for
 * its orders, nor its offers for its stock import.
 */
export type LaneFlow = 'orders' | 'offers' | 'inventory';

const SEPARATOR = '|';

/**
 * The lane of a store's fact of one flow: its facts are handled in order and set aside behind
 * each other. The orders flow keeps the store's own id, the lane of every fact before ADR 0100,
 * so lanes parked before it drain as before.
 */
export function laneOfFlow(flow: LaneFlow, storeId: string): string {
  return flow === 'orders' ? storeId : `${storeId}${SEPARATOR}${flow}`;
}

/** The store of a lane (of a flow's, and of a waiting lane `<storeId>|<effect>`). */
export function storeOfLane(lane: string): string {
  const at = lane.indexOf(SEPARATOR);
  return at < 0 ? lane : lane.slice(0, at);
}
