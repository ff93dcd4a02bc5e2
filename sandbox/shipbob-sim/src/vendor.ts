import type { SimVendor } from '@msync/sim-kit';
import { errorBody, problem, rateLimitBody } from './errors.js';

/** Statuses ShipBob answers without a body unless the operation documents one (which is then given explicitly). */
const BODYLESS = new Set([401, 403, 404]);

/**
 * ShipBob's answer shapes where the kit answers on the simulator's behalf (auth, limits, faults,
 * body reading, unexpected errors). Errors that carry a body (`vendorError(status, body)`) are
 * sent as they are.
 */
export const SHIPBOB_VENDOR: SimVendor = {
  errorBody: (error) => {
    if (BODYLESS.has(error.status)) return undefined;
    if (error.status === 429) return rateLimitBody(Number(error.headers['x-retry-after'] ?? 1));
    // A request the kit could not read (body not JSON, undecodable path): model binding's
    // answer, whose messages are sentences.
    if (error.status === 400) return errorBody('fields', 400, { '': [sentence(error.message)] });
    return problem(error.status, error.message);
  },
  retryAfterHeaders: (seconds) => ({
    'x-retry-after': String(seconds),
    'x-remaining-calls': '0',
  }),
  malformedBody: '{"items": [{"id": 1,',
  wrongShapeBody: { unexpected: 'shape' },
};

function sentence(message: string): string {
  return /[.!?]$/.test(message) ? message : `${message}.`;
}
