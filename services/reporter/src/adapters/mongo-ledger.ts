import { MongoServerError, type Collection, type Db } from 'mongodb';
import type {
  ReportClaim,
  ReportReason,
  ReportResolution,
  ReportResult,
} from '../domain/decision.js';

/** A decided report, as kept in `reporter_reports` (also the store's report history). */
export interface ReportRecord extends ReportResolution {
  storeId: string;
  reportDate: string;
  result: ReportResult;
  reason: ReportReason | null;
  /** Where this store's reporting window starts (carried from report to report). */
  windowStart: number;
  /** Returns listed (a SENT report marks them reported). */
  returnIds: string[];
  to: string | null;
  messageId: string | null;
  resolvedAt: Date;
  /** The id of its SyncOutcomeRecorded: published again with the same id if unfinished. */
  outcomeEventId: string;
  /** Its follow-ups (returns marked, outcome published) are done. */
  finished: boolean;
}

interface ClaimDocument extends ReportClaim {
  _id: string;
  storeId: string;
  reportDate: string;
  at: Date;
}

interface ReportDocument extends ReportRecord {
  _id: string;
}

const DUPLICATE_KEY = 11000;
const isDuplicateKey = (error: unknown) =>
  error instanceof MongoServerError && error.code === DUPLICATE_KEY;

/**
 * The report ledger (ADR 0061): a claim per (store, report date) inserted before sending, and a
 * decision per (store, report date) inserted once. Both are unique inserts — the one
 * compare-and-set FerretDB has — so two replicas cannot both send or both decide.
 */
export interface ReportLedger {
  read(
    storeId: string,
    reportDate: string,
  ): Promise<{
    claim: ReportClaim | null;
    report: ReportRecord | null;
  }>;
  /** The store's latest decided report before `reportDate`, if any. */
  previous(storeId: string, reportDate: string): Promise<ReportRecord | null>;
  /** Claims the send; false when another attempt holds the claim. */
  claim(storeId: string, reportDate: string, claim: ReportClaim): Promise<boolean>;
  /** Gives the claim up after a failure that certainly sent nothing (only its holder does). */
  release(storeId: string, reportDate: string, attemptId: string): Promise<void>;
  /** Records the decision; false when the day was decided already. */
  decide(record: ReportRecord): Promise<boolean>;
  finish(storeId: string, reportDate: string): Promise<void>;
  /** The store's reports, newest first. */
  history(storeId: string, limit: number): Promise<ReportRecord[]>;
  /** Deletes claims and reports of days before `beforeDate` (YYYY-MM-DD). */
  prune(beforeDate: string): Promise<number>;
}

const idOf = (storeId: string, reportDate: string) => `${storeId}|${reportDate}`;
const strip = ({ _id, ...rest }: ReportDocument): ReportRecord => rest;

export async function createReportLedger(db: Db): Promise<ReportLedger> {
  const claims: Collection<ClaimDocument> = db.collection('reporter_report_claims');
  const reports: Collection<ReportDocument> = db.collection('reporter_reports');
  await reports.createIndex({ storeId: 1, reportDate: -1 });
  await claims.createIndex({ reportDate: 1 });
  await reports.createIndex({ reportDate: 1 });

  const insert = async <T extends { _id: string }>(collection: Collection<T>, doc: T) => {
    try {
      await collection.insertOne(doc as Parameters<Collection<T>['insertOne']>[0]);
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  };

  return {
    async read(storeId, reportDate) {
      const _id = idOf(storeId, reportDate);
      const [claim, report] = await Promise.all([
        claims.findOne({ _id }),
        reports.findOne({ _id }),
      ]);
      return {
        claim: claim
          ? { attemptId: claim.attemptId, holder: claim.holder, claimedAt: claim.claimedAt }
          : null,
        report: report ? strip(report) : null,
      };
    },
    async previous(storeId, reportDate) {
      const doc = await reports
        .find({ storeId, reportDate: { $lt: reportDate } })
        .sort({ reportDate: -1 })
        .limit(1)
        .next();
      return doc ? strip(doc) : null;
    },
    claim: (storeId, reportDate, claim) =>
      insert(claims, {
        _id: idOf(storeId, reportDate),
        storeId,
        reportDate,
        at: new Date(claim.claimedAt),
        ...claim,
      }),
    async release(storeId, reportDate, attemptId) {
      await claims.deleteOne({ _id: idOf(storeId, reportDate), attemptId });
    },
    decide: (record) =>
      insert(reports, { _id: idOf(record.storeId, record.reportDate), ...record }),
    async finish(storeId, reportDate) {
      await reports.updateOne({ _id: idOf(storeId, reportDate) }, { $set: { finished: true } });
    },
    async history(storeId, limit) {
      const docs = await reports.find({ storeId }).sort({ reportDate: -1 }).limit(limit).toArray();
      return docs.map(strip);
    },
    async prune(beforeDate) {
      const a = await claims.deleteMany({ reportDate: { $lt: beforeDate } });
      const b = await reports.deleteMany({ reportDate: { $lt: beforeDate } });
      return a.deletedCount + b.deletedCount;
    },
  };
}
