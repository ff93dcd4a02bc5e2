import type { DesiredPollJob } from './desired-jobs.js';

/** A poll job as it exists in the job store. */
export interface ExistingPollJob extends DesiredPollJob {
  id: string;
}

export interface ReconcilePlan {
  create: DesiredPollJob[];
  /** Existing jobs to keep with a new interval (or system). */
  update: { id: string; job: DesiredPollJob }[];
  remove: string[];
}

/**
 * What turns a store's existing poll jobs into the desired ones: create what is missing, update
 * what changed, remove what is no longer wanted. Duplicates of one stream (left by a race between
 * replicas) keep the job with the smallest id, so every replica would pick the same survivor.
 */
export function planReconcile(
  desired: readonly DesiredPollJob[],
  existing: readonly ExistingPollJob[],
): ReconcilePlan {
  const plan: ReconcilePlan = { create: [], update: [], remove: [] };
  const wanted = new Map(desired.map((job) => [job.stream, job]));
  const byStream = new Map<string, ExistingPollJob[]>();
  for (const job of existing) byStream.set(job.stream, [...(byStream.get(job.stream) ?? []), job]);

  for (const [stream, jobs] of byStream) {
    const [keep, ...duplicates] = [...jobs].sort((a, b) => a.id.localeCompare(b.id));
    plan.remove.push(...duplicates.map((job) => job.id));
    const target = wanted.get(stream);
    if (!target) plan.remove.push(keep!.id);
    else if (keep!.intervalMinutes !== target.intervalMinutes || keep!.system !== target.system)
      plan.update.push({ id: keep!.id, job: target });
  }
  plan.create.push(...desired.filter((job) => !byStream.has(job.stream)));
  return plan;
}

export const isEmptyPlan = (plan: ReconcilePlan): boolean =>
  plan.create.length + plan.update.length + plan.remove.length === 0;
