import type { SimHttpError } from './errors.js';

/** How one vendor's API looks where the kit answers on the simulator's behalf. */
export interface SimVendor {
  /** The vendor's error body for a failure; `undefined` answers without a body. */
  errorBody(error: SimHttpError): unknown;
  /** Headers a 429 carries to say when to retry (`Retry-After`, `x-retry-after`, ...). */
  retryAfterHeaders(seconds: number): Record<string, string>;
  /** Body of a `malformed` fault: starts like the vendor's JSON, then is not JSON. */
  malformedBody: string;
  /** Body of a `wrong-shape` fault: valid JSON without the documented required fields. */
  wrongShapeBody: unknown;
}
