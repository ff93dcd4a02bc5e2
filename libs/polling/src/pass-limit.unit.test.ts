import { describe, expect, it } from '@jest/globals';
import { createKeyedMutex, createPassLimit } from './pass-limit.js';

/** A phase that runs until `finish()` is called; `started` tells whether it began. */
function gatedPhase() {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const phase = { started: false, finish: () => finish(), run: async () => {} };
  phase.run = async () => {
    phase.started = true;
    await done;
  };
  return phase;
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('createPassLimit', () => {
  it('given a limit of 2, when three phases ask, then the third runs once one finished', async () => {
    const limit = createPassLimit(2);
    const phases = [gatedPhase(), gatedPhase(), gatedPhase()];
    const runs = phases.map((p) => limit.run(p.run));
    await turn();
    expect(phases.map((p) => p.started)).toEqual([true, true, false]);
    expect([limit.running, limit.waiting]).toEqual([2, 1]);

    phases[0]!.finish();
    await turn();
    expect(phases[2]!.started).toBe(true);
    phases[1]!.finish();
    phases[2]!.finish();
    await Promise.all(runs);
    expect([limit.running, limit.waiting]).toEqual([0, 0]);
  });

  it('given a phase that throws, then its slot is given back', async () => {
    const limit = createPassLimit(1);
    await expect(limit.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limit.run(() => Promise.resolve('next'))).resolves.toBe('next');
    expect(limit.running).toBe(0);
  });
});

describe('createKeyedMutex', () => {
  it('given two phases of one key, then the second starts once the first finished; another key runs at once', async () => {
    const oneAtATime = createKeyedMutex();
    const [first, second, other] = [gatedPhase(), gatedPhase(), gatedPhase()];
    const runs = [
      oneAtATime('account-1', first.run),
      oneAtATime('account-1', second.run),
      oneAtATime('account-2', other.run),
    ];
    await turn();
    expect([first.started, second.started, other.started]).toEqual([true, false, true]);
    first.finish();
    await turn();
    expect(second.started).toBe(true);
    second.finish();
    other.finish();
    await Promise.all(runs);
  });

  it('given a phase that throws, then the next one of its key still runs', async () => {
    const oneAtATime = createKeyedMutex();
    await expect(oneAtATime('k', () => Promise.reject(new Error('boom')))).rejects.toThrow();
    await expect(oneAtATime('k', () => Promise.resolve(1))).resolves.toBe(1);
  });
});
