import type { ConsumedEvent, ExternalSystem } from '@msync/events';
import {
  RetriableError,
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

/** The `PollRequested.reason` of a catch-up after a reconnection or a flow switched on (ADR 0055). */
export const RESYNC_REASON = 'resync';

/**
 * The name under which a stream's pass for requests of one reason is listed and coordinated
 * (`orders:resync`, `inventory:offers-changed`): its own passes one at a time, its own record of
 * the last pass, never the stream's cursor.
 */
export const passOf = (stream: string, reason: string): string => `${stream}:${reason}`;

/** The name of a stream's resync pass (ADR 0055). */
export const resyncOf = (stream: string): string => passOf(stream, RESYNC_REASON);

/**
 * Handles one `PollRequested`: requests for another system, for streams without a pass here,
 * or for stores that are not connected finish at once; the others go through the coordinator
 * (coalesced, one pass at a time). A request goes to the stream's pass for its reason when there
 * is one (a `resync` to the resync pass, ADR 0055), else to the stream's ordinary pass. A
 * request made under a store configuration this poller has not read yet waits for it (retried),
 * so a store connected a moment ago is not taken for disconnected. Failures are rethrown so the
 * consumer retries the request (a rate-limited one after the wait it carries): a poll is
 * deferred, never dropped.
 */
export function pollRequestHandler(deps: {
  system: ExternalSystem;
  streams: StreamPasses;
  isConnected: (storeId: string) => boolean;
  /** The configuration version this poller holds for the store (undefined: none yet). */
  configVersion: (storeId: string) => number | undefined;
  coordinator: Pick<PollCoordinator, 'request'>;
  metrics: PollMetrics;
  logger: Logger;
}) {
  return async (event: ConsumedEvent<'pollRequested'>): Promise<void> => {
    const request = event.value;
    if (request.system !== deps.system) return;
    const { storeId } = request.envelope;
    const stream = passStream(deps.streams, request.stream, request.reason);
    if (stream === undefined) {
      deps.logger.debug('stream not polled by this service yet', {
        storeId,
        stream: request.stream,
      });
      deps.metrics.polls.inc({ stream: request.stream, outcome: 'unsupported-stream' });
      return;
    }
    const outcome = (value: string) => deps.metrics.polls.inc({ stream, outcome: value });
    const known = deps.configVersion(storeId);
    if (request.configVersion !== null && (known ?? -1) < request.configVersion) {
      outcome('config-behind');
      throw new RetriableError(
        `store ${storeId}: request made under configuration ${request.configVersion}, read so far ${known ?? 'none'}`,
        { reason: 'config-behind' },
      );
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
        correlationId: request.envelope.correlationId,
      });
      outcome(result);
    } catch (error) {
      const kind = classifyError(error);
      outcome(kind === 'rate-limited' ? 'deferred' : kind === 'permanent' ? 'failed' : 'retried');
      throw error;
    }
  };
}

/**
 * Which pass a request runs: its reason's own pass when the stream has one, else the stream's;
 * undefined when there is none (a reason's pass name is not a stream one can ask for).
 */
function passStream(passes: StreamPasses, stream: string, reason: string): string | undefined {
  if (stream.includes(':')) return undefined;
  if (passes[passOf(stream, reason)]) return passOf(stream, reason);
  return passes[stream] ? stream : undefined;
}
