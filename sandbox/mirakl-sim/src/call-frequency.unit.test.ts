import { describe, expect, it } from '@jest/globals';
import { callFrequencyFromJson, parseCallFrequency } from './call-frequency.js';
import { DOCUMENTED_CALL_FREQUENCY } from './operations.js';

describe('the call-frequency switch of the standalone simulator', () => {
  it('is off when empty or "off"', () => {
    expect(parseCallFrequency('')).toEqual({});
    expect(parseCallFrequency('off')).toEqual({});
  });

  it("takes Mirakl's documented maxima, explicit intervals, or both with overrides", () => {
    expect(parseCallFrequency('documented')).toEqual(DOCUMENTED_CALL_FREQUENCY);
    expect(parseCallFrequency(' OR11=5000 , OF53=0 ')).toEqual({ OR11: 5_000, OF53: 0 });
    expect(parseCallFrequency('documented,OR11=1000')).toEqual({
      ...DOCUMENTED_CALL_FREQUENCY,
      OR11: 1_000,
    });
  });

  it('says what is wrong with an unknown operation or a bad interval', () => {
    expect(() => parseCallFrequency('OR99=5')).toThrow(/OR99 is not one of V01, A01/);
    expect(() => parseCallFrequency('OR11=soon')).toThrow(/whole number of milliseconds/);
    expect(() => parseCallFrequency('OR11')).toThrow(/whole number of milliseconds/);
    expect(() => parseCallFrequency('OR11=-1')).toThrow(/whole number of milliseconds/);
  });
});

describe('the call-frequency switch of the control API', () => {
  it('takes "documented", "off" or an object of intervals', () => {
    expect(callFrequencyFromJson('documented')).toEqual(DOCUMENTED_CALL_FREQUENCY);
    expect(callFrequencyFromJson('off')).toEqual({});
    expect(callFrequencyFromJson({ STO01: 60_000 })).toEqual({ STO01: 60_000 });
  });

  it('refuses anything else with a 400 that says what to send', () => {
    for (const body of [undefined, null, 42, [1], { OR11: '60s' }, { XX01: 1 }]) {
      expect(() => callFrequencyFromJson(body)).toThrow(expect.objectContaining({ status: 400 }));
    }
  });
});
