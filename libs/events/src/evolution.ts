import type avro from 'avsc';
import { errorMessage } from '@msync/platform';

export interface EvolutionProblem {
  direction: 'backward' | 'forward';
  against: string;
  message: string;
}

/**
 * Checks a candidate schema against every earlier revision, in both directions:
 * backward (the candidate reads data written with any earlier revision: replay works) and
 * forward (consumers still on an earlier revision read the candidate's data: rolling deploys
 * work). Removing or renaming a field without a default fails forward; adding a field without a
 * default fails backward; adding a field with a default passes both.
 */
export function checkEvolution(
  earlier: { label: string; type: avro.Type }[],
  candidate: avro.Type,
): EvolutionProblem[] {
  const problems: EvolutionProblem[] = [];
  for (const { label, type } of earlier) {
    try {
      candidate.createResolver(type);
    } catch (error) {
      problems.push({ direction: 'backward', against: label, message: errorMessage(error) });
    }
    try {
      type.createResolver(candidate);
    } catch (error) {
      problems.push({ direction: 'forward', against: label, message: errorMessage(error) });
    }
  }
  return problems;
}
