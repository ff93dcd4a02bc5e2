import { daysBetween } from './local-day.js';

/** A send in progress: the unique claim on (store, report date), inserted before sending. */
export interface ReportClaim {
  attemptId: string;
  holder: string;
  claimedAt: number;
}

export type ReportResult = 'SENT' | 'SKIPPED' | 'FAILED';

/** Why a report was not sent (SKIPPED) or did not arrive (FAILED). */
export type ReportReason =
  'disconnected' | 'no-address' | 'too-late' | 'no-completed-returns' | 'refused' | 'uncertain';

/** The final word on one store's report of one day: at most one per (store, date). */
export interface ReportResolution {
  result: ReportResult;
  reason: ReportReason | null;
  detail: string | null;
}

/** The store's report settings, from its latest configuration. */
export interface ReportSettings {
  name: string;
  connected: boolean;
  email: string | null;
  reportWhenEmpty: boolean;
}

export interface ReportFacts {
  reportDate: string;
  /** Today in the report's time zone, when the command is handled. */
  today: string;
  /** Undefined while the store's configuration has not been read yet. */
  settings: ReportSettings | undefined;
  resolution: ReportResolution | null;
  claim: ReportClaim | null;
  /** Returns the report would list now. */
  rowCount: number;
  now: number;
}

export interface ReportPolicy {
  /** A claim older than this belongs to an attempt that died mid-send (a send is bounded well below it). */
  staleClaimMs: number;
  /** A report this many days late is still sent (labelled with its date); later ones are skipped. */
  maxLateDays: number;
}

export type ReportDecision =
  /** Decided before (a redelivery, a second replica): only its follow-ups may be unfinished. */
  | { kind: 'done' }
  /** Another attempt holds the claim and may be sending right now: look again later. */
  | { kind: 'wait'; why: 'claimed' | 'no-config' }
  /** Record this and send nothing. */
  | { kind: 'resolve'; resolution: ReportResolution & { result: 'SKIPPED' | 'FAILED' } }
  /** Claim, then send (`empty`: the "no completed returns" e-mail). */
  | { kind: 'send'; empty: boolean };

const skip = (reason: ReportReason, detail: string): ReportDecision => ({
  kind: 'resolve',
  resolution: { result: 'SKIPPED', reason, detail },
});

/**
 * What to do with a store's `ReportRequested`, once per store and day: a decided day stays
 * decided; a claim left by an attempt that died mid-send is never sent again but recorded as
 * an uncertain failure (at most one e-mail); otherwise the store's settings decide.
 */
export function decideReport(facts: ReportFacts, policy: ReportPolicy): ReportDecision {
  if (facts.resolution) return { kind: 'done' };
  if (facts.claim) {
    if (facts.now - facts.claim.claimedAt < policy.staleClaimMs)
      return { kind: 'wait', why: 'claimed' };
    return {
      kind: 'resolve',
      resolution: {
        result: 'FAILED',
        reason: 'uncertain',
        detail: `an attempt that started ${new Date(facts.claim.claimedAt).toISOString()} stopped mid-send; the e-mail may or may not have gone out, so it is not sent again`,
      },
    };
  }
  const { settings } = facts;
  if (!settings) return { kind: 'wait', why: 'no-config' };
  if (!settings.connected) return skip('disconnected', 'the store is not connected');
  if (settings.email === null || settings.email.trim() === '')
    return skip('no-address', 'the store has no report e-mail address');
  const lateDays = daysBetween(facts.reportDate, facts.today);
  if (lateDays > policy.maxLateDays)
    return skip('too-late', `${lateDays} days late; its returns go into the next report`);
  if (facts.rowCount === 0 && !settings.reportWhenEmpty)
    return skip('no-completed-returns', 'no completed returns since the previous report');
  return { kind: 'send', empty: facts.rowCount === 0 };
}
