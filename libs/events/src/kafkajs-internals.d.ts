// The one kafkajs internal the client patches (see request-queue-patch.ts): not in its types.
declare module 'kafkajs/src/network/requestQueue/index.js' {
  /** kafkajs' per-connection queue of requests (only what the patch touches). */
  export default class RequestQueue {
    constructor(options: {
      maxInFlightRequests: number | null;
      requestTimeout: number;
      enforceRequestTimeout: boolean;
      clientId: string;
      broker: string;
      logger: { debug(...args: unknown[]): void; warn(...args: unknown[]): void };
    });
    pending: unknown[];
    throttledUntil: number;
    throttleCheckTimeoutId: ReturnType<typeof setTimeout> | null;
    checkPendingRequests: (this: RequestQueue) => void;
    scheduleCheckPendingRequests: (this: RequestQueue) => void;
    destroy(): void;
  }
}
