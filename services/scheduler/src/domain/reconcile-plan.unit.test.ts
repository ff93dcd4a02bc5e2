import { describe, expect, it } from '@jest/globals';
import type { DesiredPollJob } from './desired-jobs.js';
import { isEmptyPlan, planReconcile, type ExistingPollJob } from './reconcile-plan.js';

const orders = (intervalMinutes = 15): DesiredPollJob => ({
  stream: 'orders',
  system: 'MIRAKL',
  intervalMinutes,
});
const shipments = (intervalMinutes = 15): DesiredPollJob => ({
  stream: 'shipments',
  system: 'SHIPBOB',
  intervalMinutes,
});
const existing = (id: string, job: DesiredPollJob): ExistingPollJob => ({ id, ...job });

describe('reconciling a store’s poll jobs with what it needs', () => {
  it('creates every job of a store that has none', () => {
    expect(planReconcile([orders(), shipments()], [])).toEqual({
      create: [orders(), shipments()],
      update: [],
      remove: [],
    });
  });

  it('changes nothing when the jobs already match, so applying twice is idempotent', () => {
    const plan = planReconcile([orders()], [existing('a', orders())]);
    expect(isEmptyPlan(plan)).toBe(true);
  });

  it('removes the jobs of a stream no longer wanted, and all of them when none is', () => {
    const jobs = [existing('a', orders()), existing('b', shipments())];
    expect(planReconcile([orders()], jobs)).toEqual({ create: [], update: [], remove: ['b'] });
    expect(planReconcile([], jobs).remove.sort()).toEqual(['a', 'b']);
  });

  it('updates a job in place when the interval changed', () => {
    expect(planReconcile([orders(1)], [existing('a', orders(15))])).toEqual({
      create: [],
      update: [{ id: 'a', job: orders(1) }],
      remove: [],
    });
  });

  it('updates a job in place when the system of its stream changed', () => {
    const movedToShipBob = { ...orders(), system: 'SHIPBOB' } as const;
    expect(planReconcile([movedToShipBob], [existing('a', orders())])).toEqual({
      create: [],
      update: [{ id: 'a', job: movedToShipBob }],
      remove: [],
    });
  });

  it('is not empty as soon as one job is to be created, updated or removed', () => {
    expect(isEmptyPlan(planReconcile([orders()], []))).toBe(false);
    expect(isEmptyPlan(planReconcile([orders(1)], [existing('a', orders())]))).toBe(false);
    expect(isEmptyPlan(planReconcile([], [existing('a', orders())]))).toBe(false);
    // One stream replaced by another: one job created, one removed.
    expect(isEmptyPlan(planReconcile([shipments()], [existing('a', orders())]))).toBe(false);
    expect(isEmptyPlan(planReconcile([orders(1), shipments()], [existing('a', orders(15))]))).toBe(
      false,
    );
  });

  it('keeps the smallest id of duplicated jobs and removes the others', () => {
    const jobs = [existing('c', orders()), existing('a', orders()), existing('b', orders(5))];
    expect(planReconcile([orders()], jobs)).toEqual({
      create: [],
      update: [],
      remove: ['b', 'c'],
    });
  });
});
