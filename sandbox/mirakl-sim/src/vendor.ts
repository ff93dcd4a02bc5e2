import type { SimVendor } from '@msync/sim-kit';

/** Mirakl's answer shapes where the kit answers: `{status, message, code?}` and `Retry-After`. */
export const MIRAKL_VENDOR: SimVendor = {
  errorBody: (error) =>
    error.code === undefined
      ? { status: error.status, message: error.message }
      : { status: error.status, message: error.message, code: error.code },
  retryAfterHeaders: (seconds) => ({ 'Retry-After': String(seconds) }),
  malformedBody: '{"orders": [ {"order_id": "broken", <html>Gateway</html>',
  wrongShapeBody: { unexpected: 'shape' },
};
