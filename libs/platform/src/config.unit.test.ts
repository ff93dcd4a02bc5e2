import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { ConfigError, baseServiceEnv, env, loadConfig } from './config.js';

const schema = z.object({
  KAFKA_BROKERS: env.csv(),
  MONGO_URL: env.mongoUrl(),
  OPS_PORT: env.port(8080),
});

describe('loadConfig', () => {
  it('parses and coerces valid variables', () => {
    const config = loadConfig(schema, {
      KAFKA_BROKERS: 'a:9092, b:9092',
      MONGO_URL: 'mongodb://x/y',
    });
    expect(config).toEqual({
      KAFKA_BROKERS: ['a:9092', 'b:9092'],
      MONGO_URL: 'mongodb://x/y',
      OPS_PORT: 8080,
    });
  });

  it('reports every bad variable at once, by name, without echoing values', () => {
    let caught: unknown;
    try {
      loadConfig(schema, { MONGO_URL: 'postgres://secret-host', OPS_PORT: '99999' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const error = caught as ConfigError;
    expect(error.problems).toHaveLength(3);
    expect(error.message).toContain('KAFKA_BROKERS');
    expect(error.message).toContain('MONGO_URL');
    expect(error.message).toContain('OPS_PORT');
    expect(error.message).not.toContain('secret-host');
  });

  it('reads GC_PRETENURING as off by default, on when told, and refuses anything else by name', () => {
    expect(loadConfig(baseServiceEnv, {}).GC_PRETENURING).toBe('off');
    expect(loadConfig(baseServiceEnv, { GC_PRETENURING: 'on' }).GC_PRETENURING).toBe('on');
    expect(() => loadConfig(baseServiceEnv, { GC_PRETENURING: 'yes' })).toThrow(/GC_PRETENURING/);
  });
});
