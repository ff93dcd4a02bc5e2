import { setTimeout as wait } from 'node:timers/promises';
import { describe, expect, it } from '@jest/globals';
import { createLogger } from './logger.js';
import { currentLogContext, safeLogId, withLogContext, withoutLogContext } from './log-context.js';

function capture() {
  const lines: string[] = [];
  const logger = createLogger({
    level: 'debug',
    bindings: { service: 'test' },
    write: (l) => lines.push(l),
  });
  return { logger, lines: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('log context', () => {
  it('given work in a context, when it logs after awaits and timers, then every line carries the ids', async () => {
    const { logger, lines } = capture();
    await withLogContext({ storeId: 's1', correlationId: 'c1' }, async () => {
      logger.info('first');
      await wait(5);
      await new Promise<void>((resolve) =>
        setTimeout(() => {
          logger.child({ component: 'x' }).warn('in a timer');
          resolve();
        }, 1),
      );
    });
    logger.info('outside');
    expect(lines()).toEqual([
      expect.objectContaining({
        msg: 'first',
        service: 'test',
        storeId: 's1',
        correlationId: 'c1',
      }),
      expect.objectContaining({
        msg: 'in a timer',
        component: 'x',
        storeId: 's1',
        correlationId: 'c1',
      }),
      expect.not.objectContaining({ storeId: expect.anything() }),
    ]);
  });

  it('keeps two interleaved pieces of work apart', async () => {
    const { logger, lines } = capture();
    const work = (storeId: string, delays: number[]) =>
      withLogContext({ storeId, correlationId: `corr-${storeId}` }, async () => {
        for (const ms of delays) {
          await wait(ms);
          logger.info('step', { expected: storeId });
        }
      });
    await Promise.all([work('a', [1, 8, 1]), work('b', [4, 1, 6])]);
    expect(lines()).toHaveLength(6);
    for (const line of lines())
      expect(line).toMatchObject({
        storeId: line['expected'],
        correlationId: `corr-${String(line['expected'])}`,
      });
  });

  it('nests: inner fields win, absent ones keep the outer value, a line’s own fields win over both', () => {
    const { logger, lines } = capture();
    withLogContext({ storeId: 's1', correlationId: 'c1' }, () =>
      withLogContext({ eventId: 'e1', correlationId: 'c2', storeId: undefined }, () => {
        expect(currentLogContext()).toEqual({ storeId: 's1', correlationId: 'c2', eventId: 'e1' });
        logger.info('inner');
        logger.info('explicit', { storeId: 'other' });
      }),
    );
    expect(lines()[0]).toMatchObject({ storeId: 's1', correlationId: 'c2', eventId: 'e1' });
    expect(lines()[1]).toMatchObject({ storeId: 'other', correlationId: 'c2' });
  });

  it('lets background work woken inside a context log under none of its ids', async () => {
    const { logger, lines } = capture();
    await withLogContext({ storeId: 's1', correlationId: 'c1' }, () =>
      withoutLogContext(async () => {
        await wait(1);
        logger.info('background');
      }),
    );
    expect(lines()[0]).not.toHaveProperty('storeId');
    expect(lines()[0]).not.toHaveProperty('correlationId');
  });

  it('still scrubs a registered secret that reached the context', () => {
    const { logger, lines } = capture();
    const secret = 'pat_0123456789abcdef';
    logger.addSecret(secret);
    withLogContext({ correlationId: secret }, () => logger.info('odd'));
    expect(JSON.stringify(lines())).not.toContain(secret);
  });

  it('keeps only short plain ids from callers', () => {
    expect(safeLogId('0b9f7a1e-5a4c-4f7e-9d7e-000000000001')).toBe(
      '0b9f7a1e-5a4c-4f7e-9d7e-000000000001',
    );
    expect(safeLogId('msg_2Xk:1.a')).toBe('msg_2Xk:1.a');
    expect(safeLogId('Bearer abc')).toBeUndefined();
    expect(safeLogId('a\nb')).toBeUndefined();
    expect(safeLogId('x'.repeat(129))).toBeUndefined();
    expect(safeLogId('')).toBeUndefined();
    expect(safeLogId(42)).toBeUndefined();
  });
});
