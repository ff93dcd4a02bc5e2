import { describe, expect, it } from '@jest/globals';
import { createLifecycle } from './lifecycle.js';
import { createLogger } from './logger.js';

const quiet = () => createLogger({ write: () => undefined });

describe('lifecycle', () => {
  it('aborts the work signal first, then runs shutdown steps in reverse order, and exits 0', async () => {
    const order: string[] = [];
    const exits: number[] = [];
    const lifecycle = createLifecycle({
      logger: quiet(),
      timeoutMs: 1_000,
      handleSignals: false,
      exit: (c) => exits.push(c),
    });
    lifecycle.signal.addEventListener('abort', () => order.push('stop-intake'));
    lifecycle.onShutdown('mongo', () => void order.push('close-mongo'));
    lifecycle.onShutdown('producer', async () => {
      await new Promise((r) => setTimeout(r, 10));
      order.push('flush-producer');
    });
    lifecycle.onShutdown('consumer', () => void order.push('finish-in-flight'));

    expect(await lifecycle.shutdown('SIGTERM')).toBe(0);
    expect(order).toEqual(['stop-intake', 'finish-in-flight', 'flush-producer', 'close-mongo']);
    expect(exits).toEqual([0]);
    expect(lifecycle.stopping).toBe(true);
  });

  it('is idempotent when asked twice', async () => {
    let runs = 0;
    const lifecycle = createLifecycle({ logger: quiet(), timeoutMs: 1_000, handleSignals: false });
    lifecycle.onShutdown('x', () => void runs++);
    await Promise.all([lifecycle.shutdown('SIGTERM'), lifecycle.shutdown('SIGINT')]);
    expect(runs).toBe(1);
  });

  it('exits 1 when a step fails, after running the others', async () => {
    const order: string[] = [];
    const lifecycle = createLifecycle({ logger: quiet(), timeoutMs: 1_000, handleSignals: false });
    lifecycle.onShutdown('last', () => void order.push('last'));
    lifecycle.onShutdown('broken', () => {
      throw new Error('boom');
    });
    expect(await lifecycle.shutdown('SIGTERM')).toBe(1);
    expect(order).toEqual(['last']);
  });

  it('exits 1 at the hard timeout when a step hangs', async () => {
    const lifecycle = createLifecycle({ logger: quiet(), timeoutMs: 50, handleSignals: false });
    lifecycle.onShutdown('hang', () => new Promise(() => undefined));
    const started = Date.now();
    expect(await lifecycle.shutdown('SIGTERM')).toBe(1);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
