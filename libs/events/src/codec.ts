import type avro from 'avsc';
import { PermanentError, RetriableError, errorMessage } from '@msync/platform';
import { physicalTopic, subjectName, topics, type EventOf, type TopicKey } from './catalog.js';
import { avroType, loadEventSchema, type AvroSchemaJson } from './schemas.js';
import { httpStatus, type RegistryClient } from './registry.js';

const MAGIC_BYTE = 0;
const HEADER_LENGTH = 5;

/**
 * Encodes and decodes events in the Confluent wire format (magic byte, 4-byte schema id, Avro
 * body). Producers write with the schema compiled into this build; consumers read any registered
 * writer schema into the schema compiled into this build (Avro schema resolution).
 */
export class EventCodec {
  private readonly schemaIds = new Map<string, Promise<number>>();
  private readonly readers = new Map<string, { schema: AvroSchemaJson; type: avro.Type }>();
  /** By `<schema id>:<reader name>`; `undefined` resolver: the writer is the reader schema. */
  private readonly scratch = Buffer.allocUnsafe(64 * 1024);
  private readonly resolvers = new Map<string, { resolver: avro.Resolver | undefined }>();

  constructor(
    private readonly registry: RegistryClient,
    private readonly namespace = '',
  ) {}

  /** The current (reader and writer) schema of a topic. */
  schemaOf(key: TopicKey): { schema: AvroSchemaJson; type: avro.Type } {
    const name = topics[key].schema;
    let entry = this.readers.get(name);
    if (!entry) {
      const schema = loadEventSchema(name);
      entry = { schema, type: avroType(schema) };
      this.readers.set(name, entry);
    }
    return entry;
  }

  /** Registers the topic's current schema (idempotent) and returns its id. */
  schemaId(key: TopicKey): Promise<number> {
    const subject = subjectName(physicalTopic(key, this.namespace));
    let id = this.schemaIds.get(subject);
    if (!id) {
      id = this.registry.register(subject, this.schemaOf(key).schema);
      id.catch(() => this.schemaIds.delete(subject));
      this.schemaIds.set(subject, id);
    }
    return id;
  }

  /** Validates and encodes an event; an invalid event is a permanent error naming the fields. */
  async encode<K extends TopicKey>(key: K, event: EventOf<K>): Promise<Buffer> {
    const [value] = await this.encodeAll(key, [event]);
    return value!;
  }

  /**
   * Validates and encodes events of one topic: the schema id is looked up once, and each event
   * is validated by the Avro writer itself (it refuses what `isValid` refuses); the field-by-
   * field check only runs to name the fields of an event that was refused.
   */
  async encodeAll<K extends TopicKey>(key: K, events: readonly EventOf<K>[]): Promise<Buffer[]> {
    const { type } = this.schemaOf(key);
    // Each event is written once, after room for the header, then copied out at its size.
    const values = events.map((event) => {
      let end: number;
      try {
        end = type.encode(event, this.scratch, HEADER_LENGTH);
      } catch (error) {
        throw invalidEvent(key, type, event, error);
      }
      if (end < 0) {
        return Buffer.concat([Buffer.alloc(HEADER_LENGTH), type.toBuffer(event)]);
      }
      const value = Buffer.allocUnsafe(end);
      this.scratch.copy(value, 0, 0, end);
      return value;
    });
    const id = await this.schemaId(key);
    for (const value of values) {
      value.writeUInt8(MAGIC_BYTE, 0);
      value.writeUInt32BE(id, 1);
    }
    return values;
  }

  /**
   * Decodes a message value. Bytes that are not a decodable event are a permanent error (the
   * message goes to the DLQ); an unreachable registry is retriable.
   */
  async decode<K extends TopicKey>(key: K, value: Buffer | null): Promise<EventOf<K>> {
    const known = this.decodeKnown(key, value);
    if (known !== undefined) return known;
    await this.resolverFor(value!.readUInt32BE(1), this.schemaOf(key).type);
    return this.decodeKnown(key, value)!;
  }

  /**
   * {@link decode} without waiting: `undefined` while the writer schema has not been fetched
   * yet. Consumers call it first, since decoding is on every message's path.
   */
  decodeKnown<K extends TopicKey>(key: K, value: Buffer | null): EventOf<K> | undefined {
    if (!value || value.length < HEADER_LENGTH || value.readUInt8(0) !== MAGIC_BYTE) {
      throw new PermanentError(
        'message is not in the Confluent wire format (missing magic byte or schema id)',
        {
          reason: 'not-wire-format',
        },
      );
    }
    const id = value.readUInt32BE(1);
    const reader = this.schemaOf(key);
    const cached = this.resolvers.get(`${id}:${reader.type.name ?? ''}`);
    if (!cached) return undefined;
    try {
      const result = reader.type.decode(value, HEADER_LENGTH, cached.resolver);
      const decoded: unknown = result.value;
      const offset = result.offset;
      if (offset !== value.length || decoded === undefined)
        throw new Error(`trailing or missing bytes (offset ${offset} of ${value.length})`);
      return decoded as EventOf<K>;
    } catch (error) {
      throw new PermanentError(
        `cannot decode message with schema id ${id}: ${errorMessage(error)}`,
        {
          cause: error,
          reason: 'undecodable-payload',
        },
      );
    }
  }

  private async resolverFor(
    id: number,
    reader: avro.Type,
  ): Promise<{ resolver: avro.Resolver | undefined }> {
    const cacheKey = `${id}:${reader.name ?? ''}`;
    const cached = this.resolvers.get(cacheKey);
    if (cached) return cached;
    let writer: avro.Type;
    try {
      writer = (await this.registry.client.getSchema(id)) as unknown as avro.Type;
    } catch (error) {
      const status = httpStatus(error);
      if (status === 404) {
        throw new PermanentError(`schema id ${id} is unknown to the registry`, {
          cause: error,
          reason: 'unknown-schema-id',
        });
      }
      throw new RetriableError(`schema registry unavailable: ${errorMessage(error)}`, {
        cause: error,
        reason: 'registry-unavailable',
      });
    }
    try {
      // Same canonical schema: read directly, a resolver would only cost time (3x per message).
      const entry = { resolver: writer.equals(reader) ? undefined : reader.createResolver(writer) };
      this.resolvers.set(cacheKey, entry);
      return entry;
    } catch (error) {
      throw new PermanentError(
        `writer schema ${id} cannot be read as ${reader.name ?? '?'}: ${errorMessage(error)}`,
        {
          cause: error,
          reason: 'incompatible-writer-schema',
        },
      );
    }
  }
}

function invalidEvent(key: TopicKey, type: avro.Type, event: unknown, error: unknown): Error {
  const invalidPaths: string[] = [];
  type.isValid(event, { errorHook: (path) => invalidPaths.push(path.join('.')) });
  const where = invalidPaths.length > 0 ? invalidPaths.join(', ') : errorMessage(error);
  return new PermanentError(`event for ${topics[key].name} is invalid at: ${where}`, {
    cause: error,
    reason: 'invalid-event',
  });
}
