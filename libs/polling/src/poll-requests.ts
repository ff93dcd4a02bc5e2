import type { ConsumedEvent, ExternalSystem } from '@msync/events';
import {
  classifyError,
  type Logger,
  type PollCoordinator,
  type PollMetrics,
  type PollPassInput,
} from '@msync/platform';

/** A stream this poller knows how to read: the pass that reads it. */
export type StreamPasses = Readonly<
  Record<string, ((input: PollPassInput) => Promise<void>) | undefined>
>;

/**
 * Handles one `PollRequested`: requests for another system, for streams without a pass here,
 * or for stores that are not connected finish at once; the others go through the coordinator
 * (coalesced, one pass at a time). Failures are rethrown so the consumer retries the request
 * (a rate-limited one after the wait it carries): a poll is deferred, never dropped.
 */
export function pollRequestHandler(deps: {
  system: ExternalSystem;
  streams: StreamPasses;
  isConnected: (storeId: string) => boolean;
  coordinator: PollCoordinator;
  metrics: PollMetrics;
  logger: Logger;
}) {
  return async (event: ConsumedEvent<'pollRequested'>): Promise<void> => {
    const request = event.value;
    if (request.system !== deps.system) return;
    const { storeId } = request.envelope;
    const stream = request.stream;
    const outcome = (value: string) => deps.metrics.polls.inc({ stream, outcome: value });
    if (!deps.streams[stream]) {
      deps.logger.debug('stream not polled by this service yet', { storeId, stream });
      outcome('unsupported-stream');
      return;
    }
    if (!deps.isConnected(storeId)) {
      deps.logger.info('store not connected; poll skipped', { storeId, stream });
      outcome('store-not-connected');
      return;
    }
    try {
      const result = await deps.coordinator.request(storeId, stream, {
        requestedAt: request.envelope.occurredAt,
        since: request.since,
        requestId: request.envelope.eventId,
      });
      outcome(result);
    } catch (error) {
      const kind = classifyError(error);
      outcome(kind === 'rate-limited' ? 'deferred' : kind === 'permanent' ? 'failed' : 'retried');
      throw error;
    }
  };
}
