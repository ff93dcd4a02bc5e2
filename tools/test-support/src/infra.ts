import { randomBytes } from 'node:crypto';
import type { InfraEnv } from '@msync/infra';

/**
 * Connection variables of the real servers the global setup provided. The setup writes them to
 * the environment before any test worker starts; a missing one means the test file runs in a
 * project without infrastructure (only `int` and `e2e` have it).
 */
export function infra(): InfraEnv {
  const read = (name: keyof InfraEnv): string => {
    const value = process.env[name];
    if (!value)
      throw new Error(`${name} is not set: infrastructure is provided to int and e2e tests only`);
    return value;
  };
  const mailpit = process.env['MAILPIT_URL'];
  return {
    KAFKA_BROKERS: read('KAFKA_BROKERS'),
    SCHEMA_REGISTRY_URL: read('SCHEMA_REGISTRY_URL'),
    MONGO_URL: read('MONGO_URL'),
    SMTP_URL: read('SMTP_URL'),
    ...(mailpit ? { MAILPIT_URL: mailpit } : {}),
  };
}

/** A name no other test uses: topics namespaces, consumer groups, databases. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/**
 * A topic namespace unique to one test, e.g. `t-lq2x-a1b2c3.`. In the int and e2e projects its
 * topics are deleted once the test file is done (infra-environment.js).
 */
export function uniqueNamespace(): string {
  const namespace = `${uniqueName('t')}.`;
  const made = globalThis as { __msyncNamespaces?: string[] };
  (made.__msyncNamespaces ??= []).push(namespace);
  return namespace;
}
