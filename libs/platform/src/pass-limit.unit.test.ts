import { describe, expect, it } from '@jest/globals';
import { createKeyedMutex } from './keyed-mutex.js';
import { createPassLimit, PASS_SLOT_ITEMS } from './pass-limit.js';

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

describe('phases that say how many items they hold (ADR 0114)', () => {
  it('given a limit of 1, when phases of 4,000 items ask, then two run at once and the third waits', async () => {
    const limit = createPassLimit(1);
    const phases = [gatedPhase(), gatedPhase(), gatedPhase()];
    const runs = phases.map((p) => limit.run(p.run, 4_000));
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

  it('given a limit of 2, then catalogs of a slot or more run two at once, as without a count', async () => {
    const limit = createPassLimit(2);
    const phases = [gatedPhase(), gatedPhase(), gatedPhase()];
    const runs = [
      limit.run(phases[0]!.run, PASS_SLOT_ITEMS),
      limit.run(phases[1]!.run, 50_000),
      limit.run(phases[2]!.run, 1),
    ];
    await turn();
    expect(phases.map((p) => p.started)).toEqual([true, true, false]);
    phases[1]!.finish();
    await turn();
    expect(phases[2]!.started).toBe(true);
    phases[0]!.finish();
    phases[2]!.finish();
    await Promise.all(runs);
  });

  it('given a large phase waiting, then a small one asking after it does not pass it', async () => {
    const limit = createPassLimit(1);
    const first = gatedPhase();
    const large = gatedPhase();
    const small = gatedPhase();
    const runs = [limit.run(first.run, 6_000), limit.run(large.run), limit.run(small.run, 100)];
    await turn();
    expect([first.started, large.started, small.started]).toEqual([true, false, false]);

    first.finish();
    await turn();
    expect([large.started, small.started]).toEqual([true, false]);
    large.finish();
    await turn();
    expect(small.started).toBe(true);
    small.finish();
    await Promise.all(runs);
    expect([limit.running, limit.waiting]).toEqual([0, 0]);
  });
});

describe('a held slot', () => {
  it('given a hold, then no slot is used until it is taken, and the slot is back once released', async () => {
    const limit = createPassLimit(1);
    const hold = limit.hold();
    expect(limit.running).toBe(0);
    await hold.take();
    await hold.take();
    expect(limit.running).toBe(1);
    const other = gatedPhase();
    const run = limit.run(other.run);
    await turn();
    expect([other.started, limit.waiting]).toEqual([false, 1]);
    hold.release();
    hold.release();
    await turn();
    expect(other.started).toBe(true);
    other.finish();
    await run;
    expect([limit.running, limit.waiting]).toEqual([0, 0]);
  });

  it('given a hold released before it was taken, then nothing is freed and it cannot be taken', async () => {
    const limit = createPassLimit(1);
    const busy = gatedPhase();
    const run = limit.run(busy.run);
    const hold = limit.hold();
    hold.release();
    await expect(hold.take()).rejects.toThrow('after its release');
    expect([limit.running, limit.waiting]).toEqual([1, 0]);
    busy.finish();
    await run;
    expect(limit.running).toBe(0);
  });

  it('given a hold released while it waits for a slot, then the slot it gets is passed on', async () => {
    const limit = createPassLimit(1);
    const busy = gatedPhase();
    const run = limit.run(busy.run);
    const hold = limit.hold();
    const taking = hold.take();
    hold.release();
    busy.finish();
    await run;
    await taking;
    await turn();
    expect([limit.running, limit.waiting]).toEqual([0, 0]);
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
