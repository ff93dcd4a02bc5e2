import { describe, expect, it } from '@jest/globals';
import { alpha2Country } from './countries.js';

describe('the alpha-2 country ShipBob gets', () => {
  // At least one country of each line of the table, mostly where alpha-2 is not the first two
  // letters of alpha-3: a line lost or mistyped fails here.
  it.each([
    ['ARE', 'AE'],
    ['AUT', 'AT'],
    ['BIH', 'BA'],
    ['CHE', 'CH'],
    ['CHL', 'CL'],
    ['DEU', 'DE'],
    ['DNK', 'DK'],
    ['ESP', 'ES'],
    ['GBR', 'GB'],
    ['HRV', 'HR'],
    ['IRL', 'IE'],
    ['ISR', 'IL'],
    ['KOR', 'KR'],
    ['LTU', 'LT'],
    ['MEX', 'MX'],
    ['MLT', 'MT'],
    ['NLD', 'NL'],
    ['POL', 'PL'],
    ['PRI', 'PR'],
    ['PRT', 'PT'],
    ['SRB', 'RS'],
    ['SVN', 'SI'],
    ['SWE', 'SE'],
    ['UKR', 'UA'],
    ['USA', 'US'],
    ['ZAF', 'ZA'],
    ['ZWE', 'ZW'],
  ])('given the alpha-3 code %s, then it is %s', (alpha3, alpha2) => {
    expect(alpha2Country(alpha3)).toBe(alpha2);
  });

  it('given a code in any case or with spaces around it, then it is read the same', () => {
    expect(alpha2Country(' usa ')).toBe('US');
    expect(alpha2Country(' ca ')).toBe('CA');
  });

  it('given neither a known alpha-3 code nor two letters, then there is none', () => {
    for (const code of ['XYZ', 'U', 'U5', 'United States', ''])
      expect(alpha2Country(code)).toBeUndefined();
  });
});
