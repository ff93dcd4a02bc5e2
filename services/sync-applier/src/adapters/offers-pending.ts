import type { GroupProgress } from '@msync/events';
import type { PublishedPositions } from '@msync/polling';
import { errorMessage, type Logger } from '@msync/platform';
import { offersHold, type CloseRequestTiming } from '../domain/stock-after-offers.js';

/**
 * Whether offers of a store published by the mirakl-poller are still to be applied (ADR 0180):
 * where it recorded the store's last offers (ADR 0169) against what the applier's group has
 * committed of their partition (one admin request for the questions of half a second). A record
 * missing, or a question that fails (logged), holds nothing: cycle ends are decided as they come.
 */
export function createOffersPending(deps: {
  positions: Pick<PublishedPositions, 'last'>;
  progress: Pick<GroupProgress, 'behind'>;
  timing: Pick<CloseRequestTiming, 'holdMs'>;
  logger: Logger;
  now?: () => number;
}): (storeId: string) => Promise<boolean> {
  const now = deps.now ?? Date.now;
  return async (storeId) => {
    if (deps.timing.holdMs <= 0) return false;
    try {
      const last = await deps.positions.last({ storeId, system: 'MIRAKL', stream: 'offers' });
      // None recorded, or published longer ago than the hold: the group's offsets are not asked.
      if (!last || !offersHold({ behind: 1, publishedAt: last.publishedAt }, now(), deps.timing))
        return false;
      const behind = await deps.progress.behind(last.position);
      return offersHold({ behind, publishedAt: last.publishedAt }, now(), deps.timing);
    } catch (error) {
      deps.logger.warn(
        "could not tell whether the store's offers are applied; not waiting for them",
        {
          storeId,
          error: errorMessage(error),
        },
      );
      return false;
    }
  };
}
