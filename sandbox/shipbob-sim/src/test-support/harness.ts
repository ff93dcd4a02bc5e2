import { afterAll, beforeAll, beforeEach, expect } from '@jest/globals';
import { recordingFetch, type RecordedExchange } from '@msync/test-support';
import { notJsonOnPurpose, shipBobProblems } from './openapi.js';
import {
  startShipBobSimulator,
  type RunningShipBobSimulator,
  type ShipBobSimulatorOptions,
} from '../server.js';

export { eventually } from '@msync/test-support';

export const PAT = 'sim-test-pat';

export type ApiInit = RequestInit & {
  channel?: number;
  token?: string;
  /** Default `application/json`. */
  contentType?: string;
  /** Probes behaviour outside the documents: not recorded for OpenAPI validation. */
  offSpec?: boolean;
};

export interface SimUnderTest {
  sim: RunningShipBobSimulator;
  merchantId: number;
  channelId: number;
  readOnlyChannelId: number;
  /** The inventory item of the seeded `SKU-1` (3 units at center 1). */
  inventoryId: number;
  exchanges: RecordedExchange[];
  api(path: string, init?: ApiInit): Promise<Response>;
  json<T>(path: string, init?: ApiInit): Promise<{ status: number; body: T }>;
  control(method: string, path: string, body?: unknown): Promise<unknown>;
}

/**
 * Starts one simulator for the file, resets it and seeds a merchant (PAT channel + read-only
 * channel, `SKU-1` with 3 units at center 1) before each test. Vendor calls are recorded for
 * {@link openApiProblems}.
 */
export function useSimulator(options: ShipBobSimulatorOptions = {}): SimUnderTest {
  const exchanges: RecordedExchange[] = [];
  const recorded = recordingFetch(exchanges);
  const t = { exchanges } as SimUnderTest;

  t.api = (path, init = {}) =>
    (init.offSpec ? fetch : recorded)(`${t.sim.url}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${init.token ?? PAT}`,
        'content-type': init.contentType ?? 'application/json',
        ...(init.channel === undefined ? {} : { shipbob_channel_id: String(init.channel) }),
      },
    });
  t.json = async <T>(path: string, init?: ApiInit) => {
    const response = await t.api(path, init);
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  t.control = async (method, path, body) => {
    const response = await fetch(`${t.sim.url}/_sim${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(response.status).toBeLessThan(300);
    const text = await response.text();
    return text ? (JSON.parse(text) as unknown) : undefined;
  };

  beforeAll(async () => {
    t.sim = await startShipBobSimulator({ port: 0, ...options });
  });
  afterAll(async () => {
    await t.sim.close();
  });
  beforeEach(async () => {
    await t.control('POST', '/reset');
    const merchant = (await t.control('POST', '/merchants', {
      pats: [PAT],
      withOtherChannel: true,
    })) as { id: number; patChannelId: number; channels: { id: number }[] };
    t.merchantId = merchant.id;
    t.channelId = merchant.patChannelId;
    t.readOnlyChannelId = merchant.channels.find((c) => c.id !== t.channelId)!.id;
    const seeded = (await t.control('POST', `/merchants/${merchant.id}/products`, {
      sku: 'SKU-1',
      stock: { 1: 3 },
    })) as { inventoryId: number };
    t.inventoryId = seeded.inventoryId;
  });
  return t;
}

/** A 2025-07 / 2026-01 order body that every check accepts. */
export function validOrder(referenceId: string, sku = 'SKU-1', quantity = 1) {
  return {
    reference_id: referenceId,
    type: 'DTC',
    shipping_method: 'Standard',
    recipient: {
      name: 'Ada',
      address: { address1: '1 Main St', city: 'Springfield', country: 'US' },
    },
    products: [{ reference_id: sku, name: 'Thing', quantity }],
  };
}

/**
 * Problems of the recorded answers against ShipBob's OpenAPI document of their version (requests
 * here may be wrong on purpose); `undeclaredStatuses` are sent on purpose though no document
 * declares them, and answers the `malformed` fault deformed are not judged.
 */
export function openApiProblems(
  exchanges: readonly RecordedExchange[],
  undeclaredStatuses: readonly number[] = [],
): string[] {
  return shipBobProblems(exchanges, {
    answersOnly: true,
    undeclaredStatuses,
    answerNotJudged: notJsonOnPurpose,
  });
}
