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
  private readonly resolvers = new Map<string, avro.Resolver>();

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
    const { type } = this.schemaOf(key);
    const invalidPaths: string[] = [];
    if (!type.isValid(event, { errorHook: (path) => invalidPaths.push(path.join('.')) })) {
      throw new PermanentError(
        `event for ${topics[key].name} is invalid at: ${invalidPaths.join(', ')}`,
        {
          reason: 'invalid-event',
        },
      );
    }
    const id = await this.schemaId(key);
    const header = Buffer.alloc(HEADER_LENGTH);
    header.writeUInt8(MAGIC_BYTE, 0);
    header.writeUInt32BE(id, 1);
    return Buffer.concat([header, type.toBuffer(event)]);
  }

  /**
   * Decodes a message value. Bytes that are not a decodable event are a permanent error (the
   * message goes to the DLQ); an unreachable registry is retriable.
   */
  async decode<K extends TopicKey>(key: K, value: Buffer | null): Promise<EventOf<K>> {
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
    const resolver = await this.resolverFor(id, reader.type);
    try {
      const result = reader.type.decode(value, HEADER_LENGTH, resolver);
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

  private async resolverFor(id: number, reader: avro.Type): Promise<avro.Resolver> {
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
      const resolver = reader.createResolver(writer);
      this.resolvers.set(cacheKey, resolver);
      return resolver;
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
