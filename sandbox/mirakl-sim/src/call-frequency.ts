import { SimHttpError } from '@msync/sim-kit';
import {
  DOCUMENTED_CALL_FREQUENCY,
  OPERATIONS,
  type CallFrequency,
  type Operation,
} from './operations.js';

/**
 * Reads a call-frequency switch as the standalone simulator takes it (env or CLI):
 * `off` or empty = no limits; `documented` = Mirakl's documented maxima; `OR11=60000,OF53=10000`
 * = these intervals in ms; `documented,OR11=5000` = the documented ones with overrides.
 */
export function parseCallFrequency(spec: string): CallFrequency {
  const out: CallFrequency = {};
  for (const token of spec
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)) {
    if (token === 'off') continue;
    if (token === 'documented') {
      Object.assign(out, DOCUMENTED_CALL_FREQUENCY);
      continue;
    }
    const [name = '', raw = ''] = token.split('=');
    // An empty interval is a mistake, not 0 ms: Number('') would silently be 0.
    const ms = raw.trim() === '' ? Number.NaN : Number(raw.trim());
    Object.assign(out, checkedEntry(name.trim(), ms, token));
  }
  return out;
}

/**
 * Reads a call-frequency switch sent to the control API: `"documented"`, `"off"`, or an object
 * of intervals in ms per operation. Throws a 400 that says what to send.
 */
export function callFrequencyFromJson(body: unknown): CallFrequency {
  if (typeof body === 'string') return parseCallFrequency(body);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new SimHttpError(
      400,
      'Send "documented", "off" or {"<operation>": <minimum interval in ms>, ...}',
    );
  }
  const out: CallFrequency = {};
  for (const [name, value] of Object.entries(body)) {
    Object.assign(out, checkedEntry(name, value, `${name}: ${JSON.stringify(value)}`));
  }
  return out;
}

function checkedEntry(name: string, ms: unknown, shown: string): CallFrequency {
  if (!OPERATIONS.includes(name as Operation)) {
    throw new SimHttpError(
      400,
      `Call frequency "${shown}": ${name || '(empty)'} is not one of ${OPERATIONS.join(', ')}`,
    );
  }
  if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 0) {
    throw new SimHttpError(
      400,
      `Call frequency "${shown}": the interval must be a whole number of milliseconds ≥ 0`,
    );
  }
  return { [name]: ms };
}
