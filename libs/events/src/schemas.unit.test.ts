import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { topicKeys, topics } from './catalog.js';
import { renderTypes } from './codegen.js';
import { checkEvolution } from './evolution.js';
import { canonical, revisionsOf } from './fixtures.js';
import { avroType, eventSchemaNames, loadEventSchema } from './schemas.js';
import { sampleEvents } from './test-support/samples.js';

describe('event schemas', () => {
  it('every topic has a schema and every schema a topic', () => {
    expect(new Set(topicKeys.map((k) => topics[k].schema))).toEqual(new Set(eventSchemaNames()));
  });

  it('topic names follow <source>.<entity>.<fact>.v<major>', () => {
    for (const key of topicKeys)
      expect(topics[key].name).toMatch(/^[a-z]+\.[a-z-]+\.[a-z-]+\.v\d+$/);
  });

  it.each(eventSchemaNames())('%s carries the common envelope as its first field', (name) => {
    const schema = loadEventSchema(name) as { fields: { name: string; type: { name?: string } }[] };
    expect(schema.fields[0]?.name).toBe('envelope');
    expect(schema.fields[0]?.type.name).toBe('EventEnvelope');
  });

  it('the sample of every topic is valid for its schema', () => {
    const samples = sampleEvents();
    for (const key of topicKeys) {
      const paths: string[] = [];
      const ok = avroType(loadEventSchema(topics[key].schema)).isValid(samples[key], {
        errorHook: (p) => paths.push(p.join('.')),
      });
      expect({ key, ok, paths }).toEqual({ key, ok: true, paths: [] });
    }
  });

  it('the generated TypeScript types are up to date with the schemas (run `npm run gen`)', () => {
    const committed = readFileSync(
      fileURLToPath(new URL('./generated/types.ts', import.meta.url)),
      'utf8',
    );
    expect(committed).toBe(renderTypes());
  });
});

describe('golden fixtures', () => {
  it.each(eventSchemaNames())(
    '%s: the latest committed revision is the current schema (run `npm run gen`)',
    (name) => {
      const revisions = revisionsOf(name);
      expect(revisions.length).toBeGreaterThan(0);
      expect(canonical(revisions.at(-1)!.schema)).toBe(canonical(loadEventSchema(name)));
    },
  );

  it.each(eventSchemaNames())('%s: every revision still encodes to its committed bytes', (name) => {
    for (const { schema, payload, bytes } of revisionsOf(name)) {
      expect(avroType(schema).toBuffer(payload).toString('hex')).toBe(bytes.toString('hex'));
    }
  });

  it.each(eventSchemaNames())(
    '%s: every old payload decodes with the current reader schema',
    (name) => {
      const reader = avroType(loadEventSchema(name));
      for (const { schema, payload, bytes } of revisionsOf(name)) {
        const decoded = reader.fromBuffer(bytes, reader.createResolver(avroType(schema))) as Record<
          string,
          unknown
        >;
        expect(decoded).toMatchObject(payload as Record<string, unknown>);
      }
    },
  );

  it('a field added later gets its default when an old payload is read', () => {
    const reader = avroType(loadEventSchema('SyncOutcomeRecorded'));
    const [r1] = revisionsOf('SyncOutcomeRecorded');
    expect(r1!.payload).not.toHaveProperty('dryRun');
    const decoded = reader.fromBuffer(
      r1!.bytes,
      reader.createResolver(avroType(r1!.schema)),
    ) as Record<string, unknown>;
    expect(decoded['dryRun']).toBe(false);
  });

  it.each(eventSchemaNames())(
    '%s: the current schema is compatible both ways with every revision',
    (name) => {
      const earlier = revisionsOf(name).map((r) => ({
        label: `r${r.revision}`,
        type: avroType(r.schema),
      }));
      expect(checkEvolution(earlier, avroType(loadEventSchema(name)))).toEqual([]);
    },
  );
});
