import { inspect } from 'node:util';

const HIDDEN = '[REDACTED]';

/**
 * A decrypted credential. It prints, serialises and inspects as `[REDACTED]`, so a credentials
 * object that ends up in a log line or an error carries no secret; only `reveal()` gives the
 * value, at the adapter that sends it to the vendor.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The plaintext, for the one call that needs it. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return HIDDEN;
  }

  toJSON(): string {
    return HIDDEN;
  }

  [inspect.custom](): string {
    return `Secret(${HIDDEN})`;
  }
}
