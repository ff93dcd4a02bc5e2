import { describe, expect, it } from '@jest/globals';
import { zodViolations } from './middleware.js';
import { ConfigureStoreRequest } from './schemas.js';

/** What PATCH /v1/stores/{id} answers for a body: the accepted change, or the broken rules. */
const configure = (body: unknown) => {
  const parsed = ConfigureStoreRequest.safeParse(body);
  return parsed.success
    ? { accepted: parsed.data }
    : { refused: zodViolations(parsed.error.issues) };
};
const rulesOf = (body: unknown) =>
  (configure(body).refused ?? []).map(({ field, rule }) => `${field}:${rule}`);

const mapping = (entries: number) =>
  Object.fromEntries(Array.from({ length: entries }, (_, i) => [`TYPE-${i}`, 'Standard']));

describe('configuring the ship options of a store', () => {
  it('given Mirakl shipping type codes mapped to ShipBob ship option names and a default, then the change is accepted as sent', () => {
    const body = {
      shippingMethods: { STD: 'Standard', 'EXP-2D': '2-Day', 'Livraison express': 'Overnight' },
      defaultShippingMethod: 'Marketplace Ground',
    };
    expect(configure(body)).toEqual({ accepted: body });
  });

  it('given an empty mapping, then it is accepted (every order gets the default)', () => {
    expect(configure({ shippingMethods: {} })).toEqual({ accepted: { shippingMethods: {} } });
  });

  it('given an empty ship option, then the field names the shipping type it is for', () => {
    expect(configure({ shippingMethods: { STD: '' } }).refused).toEqual([
      {
        field: 'shippingMethods.STD',
        rule: 'too_small',
        message: 'A ShipBob ship option is empty',
      },
    ]);
    expect(configure({ shippingMethods: { STD: ' ' } }).refused).toEqual([
      {
        field: 'shippingMethods.STD',
        rule: 'plain-text',
        message: 'A ShipBob ship option has leading or trailing spaces or control characters',
      },
    ]);
  });

  it('given an empty shipping type code, then the rule of the code is named, not a generic key error', () => {
    expect(rulesOf({ shippingMethods: { '': 'Standard' } })).toEqual([
      'shippingMethods.:too_small',
    ]);
    expect(configure({ shippingMethods: { '': 'Standard' } }).refused?.[0]?.message).toBe(
      'A Mirakl shipping type code is empty',
    );
  });

  it.each([' STD', 'STD ', '   ', 'ST\u0007D', 'STD\n'])(
    'given the shipping type code %j, then it is refused as not plain text',
    (code) => {
      expect(rulesOf({ shippingMethods: { [code]: 'Standard' } })).toEqual([
        `shippingMethods.${code}:plain-text`,
      ]);
    },
  );

  it.each([' Standard', 'Standard\t', 'Two\nDay'])(
    'given the default ship option %j, then it is refused as not plain text',
    (option) => {
      expect(rulesOf({ defaultShippingMethod: option })).toEqual([
        'defaultShippingMethod:plain-text',
      ]);
    },
  );

  it('given a default ship option that is empty, then it is refused (ShipBob needs a name)', () => {
    expect(rulesOf({ defaultShippingMethod: '' })).toEqual(['defaultShippingMethod:too_small']);
  });

  it('given a code of 64 characters and a ship option of 100, then they are accepted; one more character is refused', () => {
    const code = 'C'.repeat(64);
    const option = 'O'.repeat(100);
    expect(rulesOf({ shippingMethods: { [code]: option }, defaultShippingMethod: option })).toEqual(
      [],
    );
    expect(configure({ shippingMethods: { [`${code}C`]: 'Standard' } }).refused).toEqual([
      {
        field: `shippingMethods.${code}C`,
        rule: 'too_big',
        message: 'A Mirakl shipping type code is longer than 64 characters',
      },
    ]);
    expect(rulesOf({ shippingMethods: { STD: `${option}O` } })).toEqual([
      'shippingMethods.STD:too_big',
    ]);
    expect(rulesOf({ defaultShippingMethod: `${option}O` })).toEqual([
      'defaultShippingMethod:too_big',
    ]);
  });

  it('given 50 shipping types, then they are accepted; 51 are refused on the mapping as a whole', () => {
    expect(rulesOf({ shippingMethods: mapping(50) })).toEqual([]);
    expect(configure({ shippingMethods: mapping(51) }).refused).toEqual([
      { field: 'shippingMethods', rule: 'too_big', message: 'At most 50 shipping types' },
    ]);
  });

  it('given something other than a map of names, then the field is named', () => {
    expect(rulesOf({ shippingMethods: [['STD', 'Standard']] })).toEqual([
      'shippingMethods:invalid_type',
    ]);
    expect(rulesOf({ shippingMethods: { STD: 2 } })).toEqual(['shippingMethods.STD:invalid_type']);
    expect(rulesOf({ defaultShippingMethod: null })).toEqual([
      'defaultShippingMethod:invalid_type',
    ]);
  });
});
