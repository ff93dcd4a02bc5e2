import type { SyncOutcomeRecorded } from '../generated/types.js';
import { subjectsOfOutcome } from '../outcomes.js';

/**
 * Outcomes one per subject: an outcome that stands for many offers (ADR 0161) once for each of
 * its SKUs, that SKU as its `subjectId`; any other outcome as it is. What tests count offers by.
 */
export function outcomesPerSubject<O extends SyncOutcomeRecorded>(outcomes: readonly O[]): O[] {
  return outcomes.flatMap((o) => subjectsOfOutcome(o).map((subjectId) => ({ ...o, subjectId })));
}
