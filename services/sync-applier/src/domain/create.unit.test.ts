import { describe, expect, it } from '@jest/globals';
import type { MiraklOrderReadyToShip } from '@msync/events';
import { readyToShip, storeConfig } from '../test-support/facts.js';
import { decideCreate, shipOptionFor, shipbobOrderOf, type CreateState } from './create.js';

const fact = readyToShip({
  orderId: 'ORDER-5-A',
  shippingMethod: 'EXP-2D',
  lines: [
    { id: 'ORDER-5-A-1', sku: 'SKU-MUG', quantity: 2, title: 'Mug', unitPrice: '14.90' },
    { id: 'ORDER-5-A-2', sku: 'SKU-BOWL', quantity: 1, title: 'Bowl', unitPrice: null },
    { id: 'ORDER-5-A-3', sku: 'SKU-MUG', quantity: 1, title: 'Mug', unitPrice: '14.90' },
  ],
});
const known = new Set(['SKU-MUG', 'SKU-BOWL']);
const fresh: CreateState = { effect: null };

describe('create: an order ready to ship', () => {
  it('given a new order, then the ShipBob products of its SKUs are looked up first', () => {
    expect(decideCreate(fact, storeConfig(), fresh)).toEqual({
      type: 'ask',
      query: { kind: 'shipbob-known-skus', skus: ['SKU-MUG', 'SKU-BOWL'] },
    });
  });

  it('given every SKU has a product, then exactly one ShipBob order is created with reference_id = the Mirakl order id', () => {
    const decision = decideCreate(fact, storeConfig(), { ...fresh, knownSkus: known });
    expect(decision).toEqual({
      type: 'apply',
      resumed: false,
      base: {
        flow: 'orders',
        action: 'create',
        effectKey: 'create:ORDER-5-A',
        target: 'SHIPBOB',
        miraklOrderId: 'ORDER-5-A',
      },
      command: {
        kind: 'shipbob-create-order',
        order: {
          referenceId: 'ORDER-5-A',
          orderNumber: 'ORDER-5',
          shippingMethod: 'Expedited',
          recipient: {
            name: 'Jane Doe',
            address: {
              address1: '151 West 34th Street',
              address2: null,
              companyName: null,
              city: 'New York',
              state: 'NY',
              country: 'US',
              zipCode: '10001',
            },
            email: null,
            phoneNumber: '212-555-0100',
          },
          lines: [
            { sku: 'SKU-MUG', name: 'Mug', quantity: 3, unitPrice: 14.9 },
            { sku: 'SKU-BOWL', name: 'Bowl', quantity: 1, unitPrice: null },
          ],
        },
      },
    });
  });

  it('given SKUs without a ShipBob product, then FAILED names them and the fact waits to be retried, never dropped', () => {
    const decision = decideCreate(fact, storeConfig(), { ...fresh, knownSkus: new Set() });
    expect(decision).toMatchObject({
      type: 'retry',
      reason: 'unknown-sku',
      wait: 'long',
      outcome: {
        outcome: 'FAILED',
        reason: 'unknown-sku',
        detail:
          'no ShipBob product for SKU SKU-MUG, SKU-BOWL; the order is created once the product exists',
      },
    });
  });

  it('is idempotent if run twice: a done effect is a DUPLICATE and nothing is looked up or created', () => {
    const done: CreateState = {
      effect: { status: 'done', externalIds: { shipbobOrderId: '7005' }, outcomeRecorded: true },
    };
    const first = decideCreate(fact, storeConfig(), done);
    expect(decideCreate(fact, storeConfig(), done)).toEqual(first);
    expect(first).toMatchObject({
      type: 'record',
      outcome: { outcome: 'DUPLICATE', externalIds: { shipbobOrderId: '7005' } },
    });
  });

  it('given the order was canceled on the marketplace first (create voided), then SKIPPED and nothing is looked up or created', () => {
    for (const state of [
      { effect: { status: 'voided' } },
      { effect: { status: 'voided' }, knownSkus: known, shipbobOrder: null },
    ] satisfies CreateState[]) {
      expect(decideCreate(fact, storeConfig(), state)).toEqual({
        type: 'record',
        markRecorded: false,
        outcome: {
          flow: 'orders',
          action: 'create',
          effectKey: 'create:ORDER-5-A',
          target: 'SHIPBOB',
          miraklOrderId: 'ORDER-5-A',
          outcome: 'SKIPPED',
          reason: 'order-canceled',
          detail:
            'the order was canceled on the marketplace before its ShipBob order was created; none was created',
          externalIds: {},
        },
      });
    }
  });

  it('given a claim left unfinished, then ShipBob is asked for the reference id before anything else', () => {
    expect(decideCreate(fact, storeConfig(), { effect: { status: 'claimed' } })).toEqual({
      type: 'ask',
      query: { kind: 'shipbob-order-by-reference', referenceId: 'ORDER-5-A' },
    });
  });

  it('given a claim left unfinished and the ShipBob order exists, then the claim completes as APPLIED with its id', () => {
    expect(
      decideCreate(fact, storeConfig(), {
        effect: { status: 'claimed' },
        shipbobOrder: { id: '7005' },
      }),
    ).toMatchObject({
      type: 'complete',
      externalIds: { shipbobOrderId: '7005' },
      outcome: {
        outcome: 'APPLIED',
        detail: 'resumed: ShipBob already had the order',
        externalIds: { shipbobOrderId: '7005' },
      },
    });
  });

  it('given a claim left unfinished and no ShipBob order, then it is created on the existing claim', () => {
    const state: CreateState = { effect: { status: 'claimed' }, shipbobOrder: null };
    expect(decideCreate(fact, storeConfig(), state)).toMatchObject({
      type: 'ask',
      query: { kind: 'shipbob-known-skus' },
    });
    expect(decideCreate(fact, storeConfig(), { ...state, knownSkus: known })).toMatchObject({
      type: 'apply',
      resumed: true,
    });
  });

  it('given orders off, a disconnected store or no ShipBob token, then SKIPPED', () => {
    const configs = [
      storeConfig({ toggles: { ...storeConfig().toggles, orders: false } }),
      storeConfig({ status: 'DISCONNECTED' }),
      storeConfig({ shipbobConfigured: false }),
    ];
    for (const config of configs)
      expect(decideCreate(fact, config, fresh)).toMatchObject({
        type: 'record',
        outcome: { outcome: 'SKIPPED' },
      });
  });

  it('given no configuration seen yet, then it is retried', () => {
    expect(decideCreate(fact, undefined, fresh)).toMatchObject({
      type: 'retry',
      reason: 'config-not-loaded',
    });
  });

  it('given an address ShipBob cannot ship to, then it is rejected naming every problem', () => {
    const bad = readyToShip({
      address: { street1: ' ', country: 'Atlantis', firstName: null, lastName: ' ' },
    });
    expect(decideCreate(bad, storeConfig(), fresh)).toMatchObject({
      type: 'reject',
      reason: 'bad-payload',
      outcome: {
        outcome: 'FAILED',
        reason: 'bad-payload',
        detail:
          'the shipping address has no recipient name; the shipping address has no street; unknown country "Atlantis"',
      },
    });
  });
});

describe('mapping a Mirakl order to a ShipBob order', () => {
  it('maps the Mirakl shipping type through the store mapping, else to the store default', () => {
    const config = storeConfig({
      shippingMethods: { 'EXP-2D': 'Expedited' },
      defaultShippingMethod: 'Ground',
    });
    expect(shipOptionFor('EXP-2D', config)).toBe('Expedited');
    expect(shipOptionFor('STD', config)).toBe('Ground');
    expect(shipOptionFor(null, config)).toBe('Ground');
  });

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])(
    'given the unmapped shipping type %s (a property every object has), then it gets the default',
    (code) => {
      const config = storeConfig({ shippingMethods: {}, defaultShippingMethod: 'Ground' });
      expect(shipOptionFor(code, config)).toBe('Ground');
    },
  );

  it("given the store maps the order's shipping type, then the ShipBob order is created with that ship option", () => {
    const config = storeConfig({
      shippingMethods: { STD: 'Standard', 'EXP-2D': 'Marketplace 2-Day' },
      defaultShippingMethod: 'Ground',
    });
    const create = (shippingMethod: string | null) => {
      const decision = decideCreate(readyToShip({ shippingMethod }), config, {
        effect: null,
        knownSkus: new Set(['SKU-MUG']),
      });
      return decision.type === 'apply' ? decision.command.order.shippingMethod : decision.type;
    };
    expect([create('EXP-2D'), create('STD'), create('PICKUP'), create(null)]).toEqual([
      'Marketplace 2-Day',
      'Standard',
      'Ground',
      'Ground',
    ]);
  });

  it('takes alpha-2 or alpha-3 countries and a company when the recipient has no name', () => {
    const order = shipbobOrderOf(
      readyToShip({
        address: { country: 'fra', firstName: null, lastName: null, company: 'Acme SARL' },
      }),
      storeConfig(),
    );
    expect(order).toMatchObject({ recipient: { name: 'Acme SARL', address: { country: 'FR' } } });
    expect(
      shipbobOrderOf(readyToShip({ address: { country: 'CA' } }), storeConfig()),
    ).toMatchObject({
      recipient: { address: { country: 'CA' } },
    });
  });

  it('refuses an order without lines and an address without a city, naming both', () => {
    expect(shipbobOrderOf(readyToShip({ lines: [], address: { city: '  ' } }), storeConfig())).toBe(
      'the order has no lines; the shipping address has no city',
    );
  });

  it('refuses a line whose SKU is blank and names the line', () => {
    expect(shipbobOrderOf(readyToShip({ lines: [{ id: 'L-2', sku: '  ' }] }), storeConfig())).toBe(
      'line L-2 has no SKU',
    );
  });

  it('takes the recipient from the names without spaces around them, else from the company; a blank company is none', () => {
    const recipient = (address: Partial<MiraklOrderReadyToShip['shippingAddress']>) => {
      const order = shipbobOrderOf(readyToShip({ address }), storeConfig());
      return typeof order === 'string' ? order : order.recipient.name;
    };
    expect(recipient({ firstName: ' Jane', lastName: 'Doe ' })).toBe('Jane Doe');
    expect(recipient({ firstName: null, lastName: ' ', company: ' Acme SARL ' })).toBe('Acme SARL');
    expect(recipient({ firstName: null, lastName: ' ', company: '   ' })).toBe(
      'the shipping address has no recipient name',
    );
  });

  it('sends one line per SKU, without spaces around it, named by the product title else the SKU, priced when the price is a number', () => {
    const order = shipbobOrderOf(
      readyToShip({
        lines: [
          { id: 'L-1', sku: 'SKU-MUG', quantity: 1, title: ' Mug ', unitPrice: '9.50' },
          { id: 'L-2', sku: ' SKU-MUG ', quantity: 2, title: 'Mug', unitPrice: '9.50' },
          { id: 'L-3', sku: 'SKU-BOWL', quantity: 1, title: '  ', unitPrice: 'n/a' },
          { id: 'L-4', sku: 'SKU-CUP', quantity: 1, title: null, unitPrice: null },
        ],
      }),
      storeConfig(),
    );
    expect(typeof order === 'string' ? order : order.lines).toEqual([
      { sku: 'SKU-MUG', name: 'Mug', quantity: 3, unitPrice: 9.5 },
      { sku: 'SKU-BOWL', name: 'SKU-BOWL', quantity: 1, unitPrice: null },
      { sku: 'SKU-CUP', name: 'SKU-CUP', quantity: 1, unitPrice: null },
    ]);
  });

  it('given an order without a shipping type, then it gets the default even where a code reads "null"', () => {
    const config = storeConfig({
      shippingMethods: { null: 'Overnight' },
      defaultShippingMethod: 'Ground',
    });
    expect(shipOptionFor(null, config)).toBe('Ground');
  });

  it('refuses a line without quantity and names it', () => {
    expect(
      shipbobOrderOf(
        readyToShip({ lines: [{ id: 'L-1', sku: 'SKU-MUG', quantity: 0 }] }),
        storeConfig(),
      ),
    ).toBe('line L-1 has quantity 0');
  });
});
