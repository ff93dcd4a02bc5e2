import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { TimeoutMiddleware } from 'mappersmith/middleware/timeout';
import { PermanentError, RetriableError, errorMessage, retry } from '@msync/platform';
import type { AvroSchemaJson } from './schemas.js';

type RegistryMiddleware = NonNullable<
  ConstructorParameters<typeof SchemaRegistry>[0]['middlewares']
>[number];

/** How long one registry request may take, by default. */
const REQUEST_TIMEOUT_MS = 10_000;
/**
 * A registration that failed for a reason that may pass (no answer in time, no connection) is
 * tried again this many times, after 0.5 s, then 1 s: the registry handles registrations one at a
 * time, and many processes registering at once (a deployment rolling out, a test run) can keep a
 * request waiting past its deadline. Registering is idempotent: a late first attempt that did
 * register makes the next one answer the same id. ADR 0131.
 */
const REGISTER_RETRIES = 2;

/** Compatibility enforced by the registry on every subject: new readers can read all history. */
export const SUBJECT_COMPATIBILITY = 'BACKWARD_TRANSITIVE';

/** Thin wiring around a Confluent-compatible Schema Registry (Confluent, Apicurio ccompat, ...). */
export class RegistryClient {
  readonly client: SchemaRegistry;

  constructor(
    readonly url: string,
    private readonly timeoutMs = REQUEST_TIMEOUT_MS,
    private readonly registerRetries = REGISTER_RETRIES,
  ) {
    // Every call has a deadline: without one, a request the registry never answers (a dropped
    // keep-alive socket, a stalled restart) holds a service's start or a publish forever.
    this.client = new SchemaRegistry({
      host: url.replace(/\/+$/, ''),
      // The registry client types mappersmith's CommonJS build, this import its ES build: the same
      // middleware function, two declarations of its type.
      middlewares: [TimeoutMiddleware(timeoutMs) as unknown as RegistryMiddleware],
    });
  }

  /** Sets the subject's compatibility (idempotent; works before the subject exists). */
  async ensureCompatibility(
    subject: string,
    compatibility: string = SUBJECT_COMPATIBILITY,
  ): Promise<void> {
    const response = await this.request(`/config/${encodeURIComponent(subject)}`, {
      method: 'PUT',
      body: JSON.stringify({ compatibility }),
    });
    if (!response.ok) {
      throw new RetriableError(
        `registry refused compatibility for ${subject}: HTTP ${response.status} ${await response.text()}`,
      );
    }
  }

  /**
   * Registers `schema` under `subject` (returns the existing id when already registered). An
   * incompatible schema is a permanent error carrying the registry's explanation.
   */
  register(subject: string, schema: AvroSchemaJson): Promise<number> {
    return retry(() => this.registerOnce(subject, schema), {
      retries: this.registerRetries,
      initialDelayMs: 500,
      maxDelayMs: 1_000,
      jitter: 0.2,
    });
  }

  private async registerOnce(subject: string, schema: AvroSchemaJson): Promise<number> {
    await this.ensureCompatibility(subject);
    try {
      const { id } = await this.client.register(
        { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
        { subject, compatibility: COMPATIBILITY.BACKWARD_TRANSITIVE },
      );
      return id;
    } catch (error) {
      if (httpStatus(error) === 409 || httpStatus(error) === 422) {
        throw new PermanentError(`schema for ${subject} is incompatible: ${errorMessage(error)}`, {
          cause: error,
          reason: 'incompatible-schema',
        });
      }
      throw new RetriableError(
        `schema registration for ${subject} failed: ${errorMessage(error)}`,
        {
          cause: error,
          reason: 'registry-unavailable',
        },
      );
    }
  }

  /** Asks the registry whether `schema` could be registered under `subject` now. */
  async isCompatible(subject: string, schema: AvroSchemaJson): Promise<boolean> {
    const response = await this.request(
      `/compatibility/subjects/${encodeURIComponent(subject)}/versions/latest`,
      {
        method: 'POST',
        body: JSON.stringify({ schema: JSON.stringify(schema) }),
      },
    );
    if (response.status === 404) return true;
    if (!response.ok)
      throw new RetriableError(`compatibility check failed: HTTP ${response.status}`);
    const body = (await response.json()) as { is_compatible?: boolean };
    return body.is_compatible === true;
  }

  private async request(path: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(`${this.url.replace(/\/+$/, '')}${path}`, {
        ...init,
        headers: {
          'content-type': 'application/vnd.schemaregistry.v1+json',
          accept: 'application/json',
        },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new RetriableError(`registry request ${path} failed: ${errorMessage(error)}`, {
        reason: 'registry-unavailable',
      });
    }
  }
}

/** HTTP status carried by a registry client error, if any. */
export function httpStatus(error: unknown): number | undefined {
  if (error && typeof error === 'object' && 'status' in error && typeof error.status === 'number')
    return error.status;
  return undefined;
}
