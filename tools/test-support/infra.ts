import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import type { InfraEnv } from '../infra/src/index.js';

/** Connection variables of the real servers provided by the global setup. */
export function infra(): InfraEnv {
  return inject('infra');
}

/** A name no other test uses: topics namespaces, consumer groups, databases. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** A topic namespace unique to one test, e.g. `t-lq2x-a1b2c3.`. */
export function uniqueNamespace(): string {
  return `${uniqueName('t')}.`;
}
