import { errorMessage, type Logger } from '@msync/platform';
import type { Principal } from './domain/access.js';
import { decodeCursor, pageOf } from './domain/activity-cursor.js';
import {
  activityEntryOf,
  timelineUpdateOf,
  timelineUpdateOfEntry,
  type ActivityEntry,
  type ActivityEvent,
  type TimelineUpdate,
} from './domain/activity-events.js';
import { Problem } from './domain/problem.js';
import { returnStatusOf, type ReturnStatus } from './domain/return-status.js';
import type {
  ActivityEntryDocument,
  MongoActivity,
  OrderTimelineDocument,
} from './adapters/mongo-activity.js';
import type { ConfigApiMetrics } from './metrics.js';
import type { StoreService } from './stores.js';

export const DEFAULT_ACTIVITY_RETENTION_DAYS = 90;
export const DEFAULT_ACTIVITY_PAGE_SIZE = 50;
export const MAX_ACTIVITY_PAGE_SIZE = 100;

/** What happened to one consumed event (counted per topic in the metrics). */
export type ProjectionResult = 'projected' | 'duplicate' | 'dry-run' | 'no-order';

export interface ActivityQuery {
  flow?: string | undefined;
  outcome?: string | undefined;
  orderId?: string | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

export interface ActivityPage {
  items: ActivityEntry[];
  nextCursor: string | null;
}

export interface ActivityServiceDeps {
  store: MongoActivity;
  /** Decides who may see a store (404 otherwise), like every other store route. */
  stores: Pick<StoreService, 'get'>;
  metrics: ConfigApiMetrics;
  logger: Logger;
  retentionMs: number;
  now?: () => Date;
}

/**
 * The activity projection: every outcome of the applier as an entry of its store's activity,
 * and each Mirakl order's timeline from the outcomes and the order facts (ADR 0049).
 */
export class ActivityService {
  private readonly now: () => Date;

  constructor(private readonly deps: ActivityServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** Projects one consumed event; idempotent (a redelivered event adds nothing). */
  async project(event: ActivityEvent): Promise<ProjectionResult> {
    const [result] = await this.projectMany([event]);
    return result!;
  }

  /**
   * Projects many events with a few writes (ADR 0099): their entries in one insert, their
   * timeline changes in arrival order under one lock write (a timeline another writer holds is
   * written on its own), return statuses one by one. Answers each event's result by position.
   */
  async projectMany(events: readonly ActivityEvent[]): Promise<ProjectionResult[]> {
    const results: ProjectionResult[] = events.map(() => 'projected');
    const entries: { index: number; entry: ActivityEntry }[] = [];
    const updates: TimelineUpdate[] = [];
    const returns: ReturnStatus[] = [];
    events.forEach((event, index) => {
      if (event.topicKey === 'returnUpdated') {
        returns.push(returnStatusOf(event.value));
        return;
      }
      if (event.topicKey === 'syncOutcome') {
        const entry = activityEntryOf(event.value);
        if (!entry) {
          results[index] = 'dry-run';
          return;
        }
        entries.push({ index, entry });
        // The timeline is written after the entry, also for a duplicate: a process that stopped
        // between the two writes finishes the job when the event comes again.
        const update = timelineUpdateOfEntry(entry);
        if (update) updates.push(update);
        return;
      }
      const update = timelineUpdateOf(event);
      if (update) updates.push(update);
      else results[index] = 'no-order';
    });
    const added = await this.deps.store.addEntries(
      entries.map(({ entry }) => entry),
      this.now(),
    );
    const busy = await this.deps.store.applyTimelines(updates);
    for (const update of busy) await this.deps.store.applyTimeline(update);
    for (const status of returns) await this.deps.store.applyReturnStatus(status);
    for (const { index, entry } of entries) {
      if (!added.has(entry.id)) results[index] = 'duplicate';
      else this.deps.metrics.activityEntries.inc({ flow: entry.flow, outcome: entry.outcome });
    }
    events.forEach((event, index) =>
      this.deps.metrics.activityEvents.inc({ topic: event.topicKey, result: results[index]! }),
    );
    return results;
  }

  /** A page of a store's activity, newest first (404 for a store the caller cannot see). */
  async list(principal: Principal, storeId: string, query: ActivityQuery): Promise<ActivityPage> {
    await this.deps.stores.get(principal, storeId);
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (after === null) {
      throw Problem.validation([
        {
          field: 'cursor',
          rule: 'cursor',
          message: 'Not a cursor of this list: pass nextCursor from the previous page as it is',
        },
      ]);
    }
    const limit = query.limit ?? DEFAULT_ACTIVITY_PAGE_SIZE;
    const fetched = await this.deps.store.listEntries(
      {
        storeId,
        ...(query.flow !== undefined ? { flow: query.flow } : {}),
        ...(query.outcome !== undefined ? { outcome: query.outcome } : {}),
        ...(query.orderId !== undefined ? { orderId: query.orderId } : {}),
        ...(after ? { after } : {}),
      },
      limit + 1,
    );
    const page = pageOf(fetched.map(entryOfDocument), limit);
    return { ...page, items: await this.withReturnStatuses(storeId, page.items) };
  }

  /** Each `returns` entry with a ShipBob return gets that return's latest status (or null). */
  private async withReturnStatuses(
    storeId: string,
    items: ActivityEntry[],
  ): Promise<ActivityEntry[]> {
    const returnIdOf = (entry: ActivityEntry) =>
      entry.flow === 'returns' ? entry.externalIds['shipbobReturnId'] : undefined;
    const ids = [...new Set(items.map(returnIdOf).filter((id): id is string => !!id))];
    const statuses = await this.deps.store.findReturnStatuses(storeId, ids);
    return items.map((entry) => {
      const returnId = returnIdOf(entry);
      return returnId ? { ...entry, returnStatus: statuses.get(returnId) ?? null } : entry;
    });
  }

  /** One order's timeline (404 when the store is not the caller's or the order is unknown). */
  async timeline(
    principal: Principal,
    storeId: string,
    orderId: string,
  ): Promise<OrderTimelineDocument> {
    await this.deps.stores.get(principal, storeId);
    const timeline = await this.deps.store.findTimeline(storeId, orderId);
    if (!timeline) throw Problem.notFound('order in this store’s activity');
    return timeline;
  }

  /** Deletes what is older than the retention (FerretDB has no TTL indexes). */
  async prune(): Promise<{ entries: number; timelines: number }> {
    const before = new Date(this.now().getTime() - this.deps.retentionMs);
    const pruned = await this.deps.store.prune(before);
    this.deps.metrics.activityPruned.inc({ kind: 'entries' }, pruned.entries);
    this.deps.metrics.activityPruned.inc({ kind: 'timelines' }, pruned.timelines);
    if (pruned.entries + pruned.timelines > 0) {
      this.deps.logger.info('activity pruned', { before: before.toISOString(), ...pruned });
    }
    return pruned;
  }

  /** Seconds since the oldest order still waiting for acceptance was created, per store. */
  async oldestAwaitingAcceptanceSeconds(): Promise<Map<string, number>> {
    const now = this.now().getTime();
    const rows = await this.deps.store.oldestAwaitingAcceptance();
    return new Map(
      rows.map(({ storeId, since }) => [storeId, Math.max(0, (now - since.getTime()) / 1000)]),
    );
  }

  /** Feeds the waiting-order gauge on each scrape; keeps its values when Mongo does not answer. */
  bindWaitingGauge(): void {
    this.deps.metrics.measureWaitingWith(async () => {
      try {
        return await this.oldestAwaitingAcceptanceSeconds();
      } catch (error) {
        this.deps.logger.warn('oldest waiting order unknown: the timelines did not answer', {
          error: errorMessage(error),
        });
        return null;
      }
    });
  }
}

const entryOfDocument = ({ _id, projectedAt: _p, ...rest }: ActivityEntryDocument) => ({
  id: _id,
  ...rest,
});

/** Runs the prune now and then every `intervalMs`; failures are logged and tried next time. */
export function startPruning(options: {
  activity: ActivityService;
  intervalMs: number;
  logger: Logger;
  metrics: ConfigApiMetrics;
}): { stop(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const pass = async () => {
    try {
      await options.activity.prune();
    } catch (error) {
      options.metrics.activityPruneFailures.inc();
      options.logger.warn('activity prune failed; trying again at the next interval', {
        error: errorMessage(error),
      });
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = pass().finally(schedule);
    }, options.intervalMs);
    timer.unref();
  };
  running = pass().finally(schedule);
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
