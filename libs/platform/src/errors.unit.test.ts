import { describe, expect, it } from '@jest/globals';
import { networkErrorCode } from './errors.js';

describe('networkErrorCode', () => {
  it('takes the innermost code of the cause chain', () => {
    const socket = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), {
      code: 'ECONNREFUSED',
    });
    const wrapper = Object.assign(new Error('request failed', { cause: socket }), {
      code: 'ERR_NETWORK',
      config: { headers: { Authorization: 'secret' } },
    });
    expect(networkErrorCode(wrapper)).toBe('ECONNREFUSED');
  });

  it('falls back to the name, and ignores codes that are not identifiers', () => {
    const error = Object.assign(new Error('x'), { name: 'TimeoutError', code: 23 });
    expect(networkErrorCode(error)).toBe('TimeoutError');
    expect(networkErrorCode({ code: 'bad code with secret' })).toBe('UNKNOWN');
    expect(networkErrorCode('boom')).toBe('UNKNOWN');
  });
});
