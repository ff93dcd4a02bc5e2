import { describe, expect, it } from '@jest/globals';
import { defaultSettings, type Settings } from './store.js';
import {
  WEBHOOK_TOPICS,
  planSubscription,
  trackingMode,
  wantedSubscription,
  webhookUrl,
  type ListedSubscription,
} from './webhooks.js';

const BASE = 'https://hooks.example.com/msync/';
const URL_1 = 'https://hooks.example.com/msync/webhooks/shipbob/store-1';
const settings = (toggles: Partial<Settings['toggles']>): Settings => ({
  ...defaultSettings(),
  toggles: { ...defaultSettings().toggles, ...toggles },
});
const store = (
  over: Partial<{ status: 'CONNECTED' | 'DISCONNECTED' | 'DELETED'; pat: boolean }> & {
    toggles?: Partial<Settings['toggles']>;
  } = {},
) => ({
  id: 'store-1',
  status: over.status ?? 'CONNECTED',
  shipbob:
    over.pat === false
      ? null
      : { pat: { sealed: 'x', last4: 'abcd' }, channelId: '1', channelName: 'SMA' },
  settings: settings(over.toggles ?? { tracking: true }),
});
const listed = (over: Partial<ListedSubscription> = {}): ListedSubscription => ({
  id: 's1',
  url: URL_1,
  topics: [...WEBHOOK_TOPICS.tracking],
  enabled: true,
  ...over,
});

describe('the subscription a store should have', () => {
  it('given a connected store with a token and Sync Tracking on, one subscription to the tracking topics', () => {
    expect(wantedSubscription(store(), BASE)).toEqual({
      url: URL_1,
      topics: ['order.shipped', 'order.shipment.delivered'],
    });
  });

  it('adds the topics of Sync Cancelations and Sync Returns', () => {
    expect(
      wantedSubscription(store({ toggles: { cancellations: true, returns: true } }), BASE)?.topics,
    ).toEqual(['order.shipment.cancelled', 'return.created', 'return.updated', 'return.completed']);
  });

  it.each([
    ['no public URL', store(), null],
    ['disconnected', store({ status: 'DISCONNECTED' }), BASE],
    ['deleted', store({ status: 'DELETED' }), BASE],
    ['no ShipBob token', store({ pat: false }), BASE],
    ['only other flows on', store({ toggles: { orders: true, offers: true } }), BASE],
  ])('none when %s', (_why, s, base) => {
    expect(wantedSubscription(s, base)).toBeNull();
  });

  it('builds the URL under the public base, with or without a trailing slash', () => {
    expect(webhookUrl('https://h.example.com', 'a b')).toBe(
      'https://h.example.com/webhooks/shipbob/a%20b',
    );
    expect(webhookUrl('https://h.example.com//', 's')).toBe(
      'https://h.example.com/webhooks/shipbob/s',
    );
  });
});

describe('planning the subscription against ShipBob', () => {
  const wanted = wantedSubscription(store(), BASE);

  it('creates one when ShipBob has none of ours (others of the account are left alone)', () => {
    const theirs = listed({ id: 'x', url: 'https://other.example.com/hook' });
    expect(planSubscription('store-1', wanted, [theirs])).toEqual({
      remove: [],
      create: wanted,
      keep: null,
    });
  });

  it('keeps a healthy one: running the plan again creates nothing (idempotent create)', () => {
    expect(planSubscription('store-1', wanted, [listed()])).toEqual({
      remove: [],
      create: null,
      keep: 's1',
    });
  });

  it('repairs one ShipBob disabled: removed and created again', () => {
    expect(planSubscription('store-1', wanted, [listed({ enabled: false })])).toEqual({
      remove: ['s1'],
      create: wanted,
      keep: null,
    });
  });

  it('replaces one with other topics or under an older public URL, and removes extra copies', () => {
    const plan = planSubscription('store-1', wanted, [
      listed({ id: 'old-url', url: 'https://old.example.com/webhooks/shipbob/store-1' }),
      listed({ id: 'topics', topics: ['order.shipped'] }),
      listed({ id: 'good' }),
      listed({ id: 'copy' }),
    ]);
    expect(plan).toEqual({ remove: ['old-url', 'topics', 'copy'], create: null, keep: 'good' });
  });

  it('removes every one of ours when none is wanted, and leaves another store’s alone', () => {
    const other = listed({
      id: 'other',
      url: 'https://hooks.example.com/msync/webhooks/shipbob/store-10',
    });
    expect(planSubscription('store-1', null, [listed(), other])).toEqual({
      remove: ['s1'],
      create: null,
      keep: null,
    });
  });

  it('says polling until a subscription exists', () => {
    expect(trackingMode(null)).toBe('polling');
    expect(trackingMode('s1')).toBe('webhooks');
  });
});
