import { randomUUID } from 'node:crypto';
import type { EventPosition, Publisher, TopicKey } from '@msync/events';
import type { Logger, PollMetrics, PollPassInput, PollStateStore, SeenItem } from '@msync/platform';
import { publishFacts, type PollFact } from './facts.js';

/** What the shared steps of a pass use: where facts go, where state is kept, what is counted. */
export interface PollChangesDeps {
  source: string;
  publisher: Publisher;
  state: PollStateStore;
  metrics: PollMetrics;
  logger: Logger;
  seenRetentionMs: number;
  now: () => number;
}

/** What one item snapshot produces: facts to emit, and what to remember of it (null: nothing). */
export interface ItemDecision<T extends TopicKey> {
  facts: readonly PollFact<T>[];
  remember: SeenItem | null;
}

/** The vendor's part of a pass: its stream, how to read it and how to decide each item. */
export interface PollChangesSpec<Item, T extends TopicKey> {
  /** The stream whose state the pass keeps: the pass input's stream. */
  stream: string;
  /** What the items are, as the pass log names their count (e.g. `orders`). */
  itemName: string;
  /** The fact topics, in the order their batches are published. */
  factTopics: readonly T[];
  /** Where this read starts, as the pass log reports it (null: a read by state, not by date). */
  from: Date | null;
  /** Calls the vendor: the items to decide, and where the cursor moves to (null: it stays). */
  read: () => Promise<{ items: readonly Item[]; next: Date | null }>;
  itemId: (item: Item) => string;
  /**
   * The marks an item's decision remembers when its seen entry carries exactly these: such an
   * item, its entry remembered recently enough, decides no fact and is not remembered again. The
   * pass leaves it out when the state tells so without reading the seen-set (ADR 0178: a catalog
   * read again, of which nothing changed but quantities).
   */
  settledMarks?: (item: Item) => readonly string[];
  /** Decides one item against what was seen of it (logs what it must about the item). */
  decide: (item: Item, seen: SeenItem | undefined) => ItemDecision<T>;
  /**
   * A resync (ADR 0055): every item is decided as never seen, nothing is remembered, and only
   * the pass itself is recorded under `stream` (a resync's own name): the seen entries and the
   * cursor of the stream it re-reads stay as they are.
   */
  resync?: boolean;
  /**
   * The pass's facts as published, from those its items decided: e.g. several items' facts as
   * one (ADR 0168). The seen entries are remembered per item whatever it does.
   */
  group?: (facts: PollFact<T>[]) => PollFact<T>[];
}

/**
 * An item seen again unchanged is remembered again only once its entry is older than this share
 * of the seen retention (ADR 0135): a catalog's daily full export, or a differential one that
 * returns most of it, does not rewrite every entry, and an item still read is never pruned.
 */
export const SEEN_REFRESH_SHARE = 4;

/** Whether `next` is what `was` already says, remembered at or after `refreshBefore` (epoch ms). */
export function stillSeen(
  was: SeenItem | undefined,
  next: SeenItem,
  refreshBefore: number,
): boolean {
  if (!was?.seenAt || was.seenAt.getTime() < refreshBefore) return false;
  if (was.version !== next.version) return false;
  const marks = new Set(was.marks);
  const nextMarks = new Set(next.marks);
  return marks.size === nextMarks.size && [...nextMarks].every((mark) => marks.has(mark));
}

/**
 * The steps every pass shares once the vendor may be called: read, decide each item against
 * what was seen, publish the facts, and only after Kafka acknowledged them save the seen entries
 * and the cursor (ADR 0043), then prune and report. Resolves with the position of each topic's
 * last fact (none when the pass published nothing).
 */
export async function pollChanges<Item, T extends TopicKey>(
  deps: PollChangesDeps,
  { storeId, demand, cursor, startedAt }: PollPassInput,
  spec: PollChangesSpec<Item, T>,
): Promise<EventPosition[]> {
  const { stream, from } = spec;
  const resync = spec.resync === true;
  const timer = deps.metrics.pollDuration.startTimer({ stream });
  const { items, next } = await spec.read();
  deps.metrics.itemsSeen.inc({ stream }, items.length);

  const refreshBefore = deps.now() - deps.seenRetentionMs / SEEN_REFRESH_SHARE;
  const open = resync ? items : await unsettled(deps.state, storeId, spec, items, refreshBefore);
  deps.metrics.itemsUnchanged.inc({ stream }, items.length - open.length);
  const seen =
    resync || open.length === 0
      ? new Map<string, SeenItem>()
      : await deps.state.seen(
          storeId,
          stream,
          open.map((item) => spec.itemId(item)),
        );
  const facts: PollFact<T>[] = [];
  const remember = new Map<string, SeenItem>();
  for (const item of open) {
    const id = spec.itemId(item);
    const was = seen.get(id);
    const decision = spec.decide(item, was);
    facts.push(...decision.facts);
    if (decision.remember && !resync && !stillSeen(was, decision.remember, refreshBefore))
      remember.set(id, decision.remember);
  }

  // The facts carry the request's correlation id, so a scheduled poll and all it set off (the
  // applier's effects and outcomes) are found by one id.
  const correlationId = demand.correlationId ?? randomUUID();
  const published = spec.group ? spec.group(facts) : facts;
  const positions = await publishFacts(deps.publisher, spec.factTopics, published, {
    storeId,
    source: deps.source,
    correlationId,
    causationId: demand.requestId ?? null,
  });
  for (const fact of published) deps.metrics.factsEmitted.inc({ type: fact.topic });

  const now = new Date(deps.now());
  if (resync) {
    await deps.state.saveCursor(storeId, stream, { cursor: null, startedAt });
  } else {
    await deps.state.remember(storeId, stream, remember, now);
    await deps.state.saveCursor(storeId, stream, { cursor: next, startedAt });
    await deps.state.prune(storeId, stream, new Date(now.getTime() - deps.seenRetentionMs));
    const newest = Math.max(next?.getTime() ?? 0, cursor.cursor?.getTime() ?? 0);
    if (newest > 0)
      deps.metrics.cursorLag.set(
        { store: storeId, stream },
        Math.max(0, (now.getTime() - newest) / 1000),
      );
  }
  timer();
  deps.logger.info(`${stream} polled`, {
    storeId,
    correlationId,
    from: from?.toISOString() ?? null,
    [spec.itemName]: items.length,
    unchanged: items.length - open.length,
    facts: facts.length,
    backfill: demand.since !== null,
    resync,
  });
  return positions;
}

/**
 * The items a pass must decide: all of them, but those the state tells settled (their entry holds
 * the marks they would be remembered with, recently enough) when the spec names such marks.
 */
async function unsettled<Item, T extends TopicKey>(
  state: PollStateStore,
  storeId: string,
  spec: PollChangesSpec<Item, T>,
  items: readonly Item[],
  freshSince: number,
): Promise<readonly Item[]> {
  const marksOf = spec.settledMarks;
  if (!marksOf || !state.unchanged || items.length === 0) return items;
  const settled = await state.unchanged(
    storeId,
    spec.stream,
    items.map((item) => [spec.itemId(item), marksOf(item)] as const),
    freshSince,
  );
  return settled ? items.filter((_, i) => !settled[i]) : items;
}
