import { describe, expect, it } from '@jest/globals';
import { encodeQuery } from './transport.js';

describe('query encoding', () => {
  it('leaves commas and colons unencoded, as ShipBob only parses them that way', () => {
    expect(encodeQuery({ SKU: 'any:A,B', ReferenceIds: 'x y', Limit: 250, Skip: undefined })).toBe(
      '?SKU=any:A,B&ReferenceIds=x%20y&Limit=250',
    );
  });

  it('still encodes characters that would change the query', () => {
    expect(encodeQuery({ SKU: 'a&b=c#d' })).toBe('?SKU=a%26b%3Dc%23d');
    expect(encodeQuery({})).toBe('');
  });
});
