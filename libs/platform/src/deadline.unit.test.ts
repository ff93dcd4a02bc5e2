import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import {
  deadlineScope,
  linkSignals,
  outsideDeadline,
  runWithDeadline,
  withDeadline,
} from './deadline.js';
import { sleep } from './retry.js';

const run = promisify(execFile);
const DEADLINE_MODULE = fileURLToPath(new URL('./deadline.ts', import.meta.url));

/** The signal `withDeadline` gives work started here. */
const current = (own?: AbortSignal) => withDeadline(own, (signal) => Promise.resolve(signal));

describe('a deadline over nested work', () => {
  it('reaches calls made anywhere inside the work, across awaits, and only there', async () => {
    const deadline = new AbortController();
    const seen: (AbortSignal | undefined)[] = [];
    const deepCall = async () => {
      await sleep(1);
      seen.push(await current());
    };
    await runWithDeadline(deadline.signal, async () => {
      await deepCall();
      await Promise.all([deepCall(), deepCall()]);
    });
    await deepCall();
    expect(seen.slice(0, 3).every((s) => s === deadline.signal)).toBe(true);
    expect(seen[3]).toBeUndefined();
  });

  it("combines with a call's own signal and with an outer deadline: whichever aborts first", async () => {
    const outer = new AbortController();
    const inner = new AbortController();
    const own = new AbortController();
    let aborted: unknown;
    const waiting = runWithDeadline(outer.signal, () =>
      runWithDeadline(inner.signal, () =>
        withDeadline(
          own.signal,
          (signal) =>
            new Promise<void>((resolve) => {
              expect(signal?.aborted).toBe(false);
              signal?.addEventListener('abort', () => {
                aborted = signal.reason;
                resolve();
              });
            }),
        ),
      ),
    );
    outer.abort(new Error('outer deadline'));
    await waiting;
    expect(aborted).toEqual(new Error('outer deadline'));
    expect(await current(own.signal)).toBe(own.signal);
  });
});

describe('linkSignals', () => {
  it('aborts with the first source to abort, or with a TimeoutError when its timer runs out', async () => {
    const a = new AbortController();
    const b = new AbortController();
    const linked = linkSignals([a.signal, undefined, b.signal], 60_000);
    b.abort(new Error('b first'));
    a.abort(new Error('a later'));
    expect(linked.signal.reason).toEqual(new Error('b first'));
    expect(linked.timedOut()).toBe(false);

    const timed = linkSignals([new AbortController().signal], 5);
    await new Promise((resolve) => timed.signal.addEventListener('abort', resolve));
    expect(timed.timedOut()).toBe(true);
    expect((timed.signal.reason as DOMException).name).toBe('TimeoutError');

    const early = new AbortController();
    early.abort(new Error('already'));
    expect(linkSignals([early.signal], 5).signal.reason).toEqual(new Error('already'));
  });

  it('follows nothing once disposed: a long-lived source keeps no trace of it', async () => {
    const longLived = new AbortController();
    const listeners = () =>
      // Node keeps an EventTarget's listeners under this symbol (a count per event type).
      (longLived.signal as unknown as Record<symbol, Map<string, { size: number }>>)[
        Object.getOwnPropertySymbols(longLived.signal).find((s) => String(s) === 'Symbol(kEvents)')!
      ]?.get('abort')?.size ?? 0;
    const links = Array.from({ length: 1_000 }, () => linkSignals([longLived.signal], 60_000));
    expect(listeners()).toBe(1_000);
    for (const link of links) link.dispose();
    expect(listeners()).toBe(0);

    // Disposed, it no longer aborts with the source, nor on its timer.
    const disposed = linkSignals([longLived.signal], 1);
    disposed.dispose();
    longLived.abort(new Error('stop'));
    await sleep(5);
    expect(disposed.signal.aborted).toBe(false);
    expect(disposed.timedOut()).toBe(false);
  });
});

describe('a wait outside the deadline', () => {
  it('stops the clock while the work waits in the process: the time left counts after it', async () => {
    const deadline = linkSignals([], 200);
    const timeline: string[] = [];
    deadline.signal.addEventListener('abort', () => timeline.push('aborted'));
    const waited = Date.now();
    await runWithDeadline(
      deadline.signal,
      async () => {
        await sleep(10);
        await outsideDeadline(async () => {
          await sleep(400);
          timeline.push('waited');
        });
        await new Promise((resolve) => deadline.signal.addEventListener('abort', resolve));
      },
      { hold: deadline.hold },
    );
    // About 10 ms before the wait and the 190 ms left after it: aborted after the wait, not in it.
    expect(timeline).toEqual(['waited', 'aborted']);
    expect(Date.now() - waited).toBeGreaterThanOrEqual(580);
    expect(deadline.timedOut()).toBe(true);
    deadline.dispose();
  });

  it('keeps the clock running under a deadline given without a hold, and holds nothing outside one', async () => {
    const plain = linkSignals([], 50);
    const timeline: string[] = [];
    plain.signal.addEventListener('abort', () => timeline.push('aborted'));
    await runWithDeadline(plain.signal, () =>
      outsideDeadline(async () => {
        await sleep(300);
        timeline.push('waited');
      }),
    );
    expect(timeline).toEqual(['aborted', 'waited']);
    plain.dispose();
    await expect(outsideDeadline(() => Promise.resolve('no deadline'))).resolves.toBe(
      'no deadline',
    );
  });
});

describe('a deadline scope', () => {
  it('runs each piece of work under its signal, and under an outer deadline too when there is one', async () => {
    const stop = new AbortController();
    const underStop = deadlineScope(stop.signal);
    expect(await underStop(() => current())).toBe(stop.signal);

    const outer = new AbortController();
    const seen = await runWithDeadline(outer.signal, () =>
      underStop(async () => {
        const signal = await current();
        const before = signal?.aborted;
        outer.abort(new Error('outer'));
        return { before, after: signal?.aborted };
      }),
    );
    expect(seen).toEqual({ before: false, after: true });
    expect(await current()).toBeUndefined();
  });
});

describe('a stop controller', () => {
  it('lets any number of pieces of work follow its signal at once: no leak warning from Node', async () => {
    // In a process of its own: Node's warning, and the realm checks behind it, as in a service.
    const script = `
      import { createStopController, linkSignals } from ${JSON.stringify(DEADLINE_MODULE)};
      process.on('warning', (warning) => console.log('warning ' + warning.name));
      const stop = createStopController();
      for (let i = 0; i < 50; i++) linkSignals([stop.signal]);
      const plain = new AbortController();
      for (let i = 0; i < 11; i++) linkSignals([plain.signal]);
      setImmediate(() => console.log('done'));
    `;
    const { stdout } = await run(process.execPath, [
      '--import',
      'tsx',
      '--no-warnings=ExperimentalWarning',
      '--input-type=module',
      '--eval',
      script,
    ]);
    // The plain controller's signal, past 10 listeners, warns: the stop controller's does not.
    expect(stdout.trim().split('\n')).toEqual(['warning MaxListenersExceededWarning', 'done']);
  });
});
