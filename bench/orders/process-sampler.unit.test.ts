import { describe, expect, it } from '@jest/globals';
import { ProcessSampler } from './process-sampler.js';

describe('ProcessSampler', () => {
  it("keeps a process's peak and mean resident memory over its samples", () => {
    const sampler = new ProcessSampler();
    sampler.watch('this test', process.pid);
    // Each CPU reading takes a sample; the third holds 16 MB more than the first two.
    sampler.cpuSeconds();
    sampler.cpuSeconds();
    const held = Buffer.alloc(16 * 1024 * 1024, 1);
    sampler.cpuSeconds();
    const peak = sampler.peakRssMb().get('this test')!;
    const mean = sampler.meanRssMb().get('this test')!;
    expect(held[held.length - 1]).toBe(1);
    expect(mean).toBeGreaterThan(0);
    expect(mean).toBeLessThan(peak);
    expect(sampler.meanRssMb().get('never watched')).toBeUndefined();
  });
});
