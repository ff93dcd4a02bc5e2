import { describe, expect, it } from '@jest/globals';
import type { EventOf, Publisher } from '@msync/events';
import {
  RetriableError,
  createMetricsRegistry,
  createPollMetrics,
  type PollStateStore,
  type SeenItem,
} from '@msync/platform';
import { capturingLogger } from '@msync/test-support';
import { pollChanges, stillSeen } from './poll-changes.js';
import type { PollFact } from './facts.js';

type Topic = 'orderReadyToShip' | 'incidentOpened';
const fact = (topic: Topic, idempotencyKey: string) =>
  ({ topic, idempotencyKey, occurredAt: new Date(0), body: {} }) as PollFact<Topic>;

/** A publisher and a poll state that write down each step, in order. */
function recordingPorts(seenBefore: ReadonlyMap<string, SeenItem>, publishFails = false) {
  const steps: string[] = [];
  const published: EventOf<Topic>[] = [];
  const publisher = {
    publish: async (topic: Topic, events: EventOf<Topic>[]) => {
      if (publishFails) throw new RetriableError('broker unavailable');
      published.push(...events);
      steps.push(`publish ${topic}: ${events.map((e) => e.envelope.idempotencyKey).join(',')}`);
    },
  } as unknown as Publisher;
  const state: PollStateStore = {
    cursor: async () => ({ cursor: null, lastPassStartedAt: null }),
    seen: async (_store, _stream, ids) => {
      steps.push(`seen ${ids.join(',')}`);
      return new Map(ids.flatMap((id) => (seenBefore.has(id) ? [[id, seenBefore.get(id)!]] : [])));
    },
    remember: async (_store, _stream, items) => {
      steps.push(`remember ${[...items.keys()].join(',')}`);
    },
    merge: async (_store, _stream, items) => {
      steps.push(`merge ${[...items.keys()].join(',')}`);
    },
    saveCursor: async (_store, stream, pass) => {
      steps.push(`saveCursor ${stream} ${pass.cursor?.toISOString() ?? null}`);
    },
    prune: async () => {
      steps.push('prune');
      return 0;
    },
  };
  return { steps, published, publisher, state };
}

async function pass(
  ports: ReturnType<typeof recordingPorts>,
  options: { resync?: boolean; settledMarks?: boolean } = {},
) {
  const registry = createMetricsRegistry('polling-test');
  const decided: [string, SeenItem | undefined][] = [];
  await pollChanges(
    {
      source: 'test-poller',
      publisher: ports.publisher,
      state: ports.state,
      metrics: createPollMetrics(registry),
      logger: capturingLogger('error').logger,
      seenRetentionMs: 60_000,
      now: () => Date.parse('2025-01-02T00:00:00Z'),
    },
    {
      storeId: 'store-1',
      stream: 'orders',
      demand: { requestedAt: 0, since: null, requestId: 'request-1', correlationId: 'corr-1' },
      cursor: { cursor: null, lastPassStartedAt: null },
      startedAt: new Date('2025-01-02T00:00:00Z'),
    },
    {
      stream: options.resync ? 'orders:resync' : 'orders',
      itemName: 'orders',
      factTopics: ['orderReadyToShip', 'incidentOpened'],
      from: new Date('2025-01-01T00:00:00Z'),
      read: async () => ({ items: ['A', 'B'], next: new Date('2025-01-01T12:00:00Z') }),
      itemId: (item) => item,
      decide: (item, seen) => {
        decided.push([item, seen]);
        return item === 'A'
          ? {
              facts: [fact('incidentOpened', 'A:incident'), fact('orderReadyToShip', 'A:ready')],
              remember: { version: 2, marks: ['ready'] },
            }
          : { facts: [], remember: null };
      },
      ...(options.resync ? { resync: true } : {}),
      ...(options.settledMarks ? { settledMarks: (item: string) => [`mark:${item}`] } : {}),
    },
  );
  return { registry, decided };
}

describe('pollChanges', () => {
  it('publishes one batch per topic in the given order, then remembers, saves the cursor and prunes', async () => {
    const seenB = { version: 5, marks: ['ready'] };
    const ports = recordingPorts(new Map([['B', seenB]]));

    const { decided } = await pass(ports);

    expect(decided).toEqual([
      ['A', undefined],
      ['B', seenB],
    ]);
    expect(ports.steps).toEqual([
      'seen A,B',
      'publish orderReadyToShip: A:ready',
      'publish incidentOpened: A:incident',
      'remember A',
      'saveCursor orders 2025-01-01T12:00:00.000Z',
      'prune',
    ]);
    expect(
      ports.published.map((e) => [
        e.envelope.source,
        e.envelope.causationId,
        e.envelope.correlationId,
      ]),
    ).toEqual([
      ['test-poller', 'request-1', 'corr-1'],
      ['test-poller', 'request-1', 'corr-1'],
    ]);
  });

  it('saves neither seen entries nor the cursor when publishing fails', async () => {
    const ports = recordingPorts(new Map(), true);

    await expect(pass(ports)).rejects.toThrow('broker unavailable');

    expect(ports.steps).toEqual(['seen A,B']);
  });

  it('a resync decides every item as never seen, publishes, and records only its own pass', async () => {
    const ports = recordingPorts(new Map([['B', { version: 5, marks: ['ready'] }]]));

    const { decided } = await pass(ports, { resync: true });

    expect(decided).toEqual([
      ['A', undefined],
      ['B', undefined],
    ]);
    expect(ports.steps).toEqual([
      'publish orderReadyToShip: A:ready',
      'publish incidentOpened: A:incident',
      'saveCursor orders:resync null',
    ]);
  });

  it.each([
    ['remembered 10 s ago', 10_000, 'remember '],
    // The pass's seen retention is 60 s: a quarter of it is 15 s.
    ['remembered longer ago than a quarter of the retention', 20_000, 'remember A'],
  ])(
    'an item seen again unchanged, %s, is remembered again only then',
    async (_, age, remembered) => {
      const now = Date.parse('2025-01-02T00:00:00Z');
      const ports = recordingPorts(
        new Map([['A', { version: 2, marks: ['ready'], seenAt: new Date(now - age) }]]),
      );

      await pass(ports);

      expect(ports.steps).toContain(remembered);
    },
  );
});

describe('pollChanges with items the state tells settled (ADR 0178)', () => {
  /** The ports, with a state telling `settled` of the items it is asked about (null: no digest). */
  const telling = (settled: boolean[] | null) => {
    const ports = recordingPorts(new Map());
    ports.state.unchanged = async (_store, stream, items, freshSince) => {
      ports.steps.push(
        `unchanged ${stream} ${items.map(([id, marks]) => `${id}=${marks.join('+')}`).join(',')} ${new Date(freshSince).toISOString()}`,
      );
      return settled;
    };
    return ports;
  };

  it('leaves the settled items out of the seen read and the decisions', async () => {
    const ports = telling([false, true]);

    const { decided, registry } = await pass(ports, { settledMarks: true });

    expect(decided).toEqual([['A', undefined]]);
    const unchanged = await registry.getSingleMetric('poll_items_unchanged_total')!.get();
    expect(unchanged.values.map((v) => [v.labels['stream'], v.value])).toEqual([['orders', 1]]);
    // Fresh since a quarter of the 60 s retention before the pass.
    expect(ports.steps.slice(0, 2)).toEqual([
      'unchanged orders A=mark:A,B=mark:B 2025-01-01T23:59:45.000Z',
      'seen A',
    ]);
    expect(ports.steps).toContain('remember A');
  });

  it('reads nothing seen when every item is settled, and still saves the cursor', async () => {
    const ports = telling([true, true]);

    const { decided } = await pass(ports, { settledMarks: true });

    expect(decided).toEqual([]);
    expect(ports.steps.filter((s) => s.startsWith('seen'))).toEqual([]);
    expect(ports.steps).toContain('saveCursor orders 2025-01-01T12:00:00.000Z');
  });

  it('decides every item when the state cannot tell (no digest)', async () => {
    const ports = telling(null);

    const { decided } = await pass(ports, { settledMarks: true });

    expect(decided.map(([item]) => item)).toEqual(['A', 'B']);
    expect(ports.steps).toContain('seen A,B');
  });

  it('asks nothing of the state without the marks, nor for a resync', async () => {
    for (const options of [{}, { resync: true, settledMarks: true }]) {
      const ports = telling([true, true]);
      await pass(ports, options);
      expect(ports.steps.filter((s) => s.startsWith('unchanged'))).toEqual([]);
    }
  });
});

describe('stillSeen', () => {
  const at = new Date('2025-01-02T00:00:00Z');
  const was = { version: 7, marks: ['b', 'a'], seenAt: at };

  it('is true for the same version and marks in any order, remembered at or after the limit', () => {
    expect(stillSeen(was, { version: 7, marks: ['a', 'b'] }, at.getTime())).toBe(true);
  });

  it.each([
    ['never seen', undefined, { version: 7, marks: ['a', 'b'] }],
    [
      'seen without an instant',
      { version: 7, marks: ['a', 'b'] },
      { version: 7, marks: ['a', 'b'] },
    ],
    [
      'remembered before the limit',
      { ...was, seenAt: new Date(at.getTime() - 1) },
      { version: 7, marks: ['a', 'b'] },
    ],
    ['of another version', was, { version: 8, marks: ['a', 'b'] }],
    ['with a mark more', was, { version: 7, marks: ['a', 'b', 'c'] }],
    ['with a mark less', was, { version: 7, marks: ['a'] }],
    ['with another mark', was, { version: 7, marks: ['a', 'c'] }],
  ])('is false for an item %s', (_, seen, next) => {
    expect(stillSeen(seen, next, at.getTime())).toBe(false);
  });
});
