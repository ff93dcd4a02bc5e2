import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { withContext } from '@msync/test-support';
import {
  HOUR,
  eventually,
  reporterHarness,
  type ReporterHarness,
  type RunningReporter,
} from './test-support/harness.js';

// Real Kafka, registry, FerretDB and Mailpit. SMTP goes through a pass-through gate that can
// refuse a recipient (550) or a message for now (451).

let h: ReporterHarness;
let reporter: RunningReporter;

/** The rows of a report e-mail's table, cell by cell. */
const tableRows = (html: string) => {
  const body = /<tbody>(.*)<\/tbody>/s.exec(html)?.[1] ?? '';
  return [...body.matchAll(/<tr>(.*?)<\/tr>/gs)].map((row) =>
    [...row[1]!.matchAll(/<td[^>]*>(.*?)<\/td>/gs)].map((cell) => cell[1]),
  );
};

beforeAll(async () => {
  h = await reporterHarness();
  reporter = await h.startReporter();
});

afterAll(async () => {
  await h?.close();
});

describe('the daily returns report', () => {
  it('sends one e-mail listing the returns completed since the last 24 hours, latest state by source time', async () => {
    const store = await h.addStore({ name: 'Acme <Home> & Co' });
    const now = Date.now();
    await h.returnUpdated(store.storeId, {
      returnId: '101',
      status: 'Completed',
      completedAt: now - 2 * HOUR,
      actionTaken: 'Restocked',
      updatedAt: now - 2 * HOUR,
    });
    // Completed at the source, but its older "Processing" arrives afterwards: it stays Completed.
    await h.returnUpdated(store.storeId, {
      returnId: '102',
      status: 'Completed',
      completedAt: now - HOUR,
      fulfillmentCenterName: 'Moreno <Valley>',
      actionRequested: 'Quarantine',
      actionTaken: 'Quarantined',
      updatedAt: now - HOUR,
    });
    await h.returnUpdated(store.storeId, {
      returnId: '102',
      status: 'Processing',
      updatedAt: now - 3 * HOUR,
    });
    // Not completed, and completed before the first report's window.
    await h.returnUpdated(store.storeId, {
      returnId: '103',
      status: 'Awaiting Arrival',
      updatedAt: now - HOUR,
    });
    await h.returnUpdated(store.storeId, {
      returnId: '104',
      status: 'Completed',
      completedAt: now - 30 * HOUR,
      updatedAt: now - 30 * HOUR,
    });
    const command = await h.requestReport(store.storeId);

    await eventually(() => h.reportOutcomes(store.storeId).length === 1, 'the report outcome');
    const [outcome] = h.reportOutcomes(store.storeId);
    expect(outcome).toMatchObject({
      outcome: 'APPLIED',
      flow: 'report',
      effectKey: `report:${command.reportDate}`,
      subjectId: command.reportDate,
    });
    const mails = await h.mail.received(store.email, 1);
    expect(mails).toHaveLength(1);
    const mail = mails[0]!;
    expect(mail.Subject).toBe(`Completed returns: Acme <Home> & Co, ${command.reportDate} (2)`);
    withContext(mail.HTML, () => {
      expect(tableRows(mail.HTML)).toEqual([
        ['MKP-101', 'R-101', 'Cicero (IL)', 'Restock', 'Restocked'],
        ['MKP-102', 'R-102', 'Moreno &lt;Valley&gt;', 'Quarantine', 'Quarantined'],
      ]);
    });
    expect(mail.HTML).not.toContain('<Valley>');
    expect(mail.Text).toContain('Store Order ID');
    expect(mail.Text).toMatch(/MKP-102\s+R-102\s+Moreno <Valley>\s+Quarantine\s+Quarantined/);

    // The next day's report does not list them again (the ledger marked them reported).
    const decided = () => reporter.reporter.ledger.read(store.storeId, command.reportDate);
    // Finished right after the outcome is published.
    await eventually(async () => (await decided()).report?.finished === true, 'finished');
    const ledger = await decided();
    expect(ledger.report).toMatchObject({ result: 'SENT', finished: true });
    expect([...ledger.report!.returnIds].sort()).toEqual(['101', '102']);
    expect(await reporter.reporter.returns.unreportedCompleted(store.storeId)).toEqual([
      expect.objectContaining({ returnId: '104' }),
    ]);
  });

  it('an empty day sends nothing by default, and "no completed returns" with the store option', async () => {
    const quiet = await h.addStore();
    const told = await h.addStore({ reportWhenEmpty: true });
    await h.requestReport(quiet.storeId);
    await h.requestReport(told.storeId);
    await eventually(
      () =>
        h.reportOutcomes(quiet.storeId).length === 1 && h.reportOutcomes(told.storeId).length === 1,
      'both outcomes',
    );
    expect(h.reportOutcomes(quiet.storeId)[0]).toMatchObject({
      outcome: 'SKIPPED',
      reason: 'no-completed-returns',
    });
    expect(h.reportOutcomes(told.storeId)[0]).toMatchObject({ outcome: 'APPLIED' });
    const [mail, ...more] = await h.mail.received(told.email, 1);
    expect(await h.mail.messagesTo(quiet.email)).toEqual([]);
    expect(more).toEqual([]);
    expect(mail!.Subject).toMatch(/^No completed returns: /);
    expect(mail!.Text).toContain('No return of');
  });

  it('a refused address (550) is a FAILED outcome with the reason, and no e-mail', async () => {
    const store = await h.addStore();
    h.gate.refuse = new RegExp(store.email.replace(/[.]/g, '\\.'));
    await h.returnUpdated(store.storeId, {
      returnId: '301',
      status: 'Completed',
      completedAt: Date.now() - HOUR,
      updatedAt: Date.now() - HOUR,
    });
    await h.requestReport(store.storeId);
    await eventually(() => h.reportOutcomes(store.storeId).length === 1, 'the failed outcome');
    h.gate.refuse = null;
    const [outcome] = h.reportOutcomes(store.storeId);
    expect(outcome).toMatchObject({ outcome: 'FAILED', reason: 'refused' });
    expect(outcome!.detail).toContain('550');
    expect(await h.mail.messagesTo(store.email)).toEqual([]);
    // Its returns were not reported: the next report still lists them.
    expect(await reporter.reporter.returns.unreportedCompleted(store.storeId)).toHaveLength(1);
  });

  it('retries a report the SMTP server turned away for now, without holding other stores', async () => {
    const waiting = await h.addStore();
    const other = await h.addStore({ reportWhenEmpty: true });
    await h.returnUpdated(waiting.storeId, {
      returnId: '401',
      status: 'Completed',
      completedAt: Date.now() - HOUR,
      updatedAt: Date.now() - HOUR,
    });
    h.gate.transientFailures = 2;
    await h.requestReport(waiting.storeId);
    await h.requestReport(other.storeId);
    // The other store's report goes out while the first one waits in its lane.
    await eventually(
      () => h.reportOutcomes(other.storeId).length === 1,
      "the other store's report",
    );
    await eventually(
      () => h.reportOutcomes(waiting.storeId).length === 1,
      'the retried report',
      20_000,
    );
    expect(h.gate.transientFailures).toBe(0);
    expect(h.reportOutcomes(waiting.storeId)[0]).toMatchObject({ outcome: 'APPLIED' });
    expect(await h.mail.received(waiting.email, 1)).toHaveLength(1);
    expect(await h.mail.received(other.email, 1)).toHaveLength(1);
  });

  it('a report arriving a day late is sent with its own date; older ones are skipped', async () => {
    const store = await h.addStore({ reportWhenEmpty: true });
    const day = (offset: number) =>
      new Date(Date.now() + offset * 24 * HOUR).toLocaleDateString('en-CA', {
        timeZone: 'America/New_York',
      });
    await h.requestReport(store.storeId, { reportDate: day(-3) });
    await h.requestReport(store.storeId, { reportDate: day(-1) });
    await eventually(() => h.reportOutcomes(store.storeId).length === 2, 'both outcomes');
    expect(h.reportOutcomes(store.storeId).map((o) => [o.subjectId, o.outcome, o.reason])).toEqual([
      [day(-3), 'SKIPPED', 'too-late'],
      [day(-1), 'APPLIED', null],
    ]);
    const [mail, ...more] = await h.mail.received(store.email, 1);
    expect(more).toEqual([]);
    expect(mail!.Subject).toContain(day(-1));
    expect(mail!.Text).toContain(`sent late on ${day(0)}`);
  });

  // Last: its second instance joins and leaves the group, which moves the partitions.
  it('two reporter instances, a redelivered command and a concurrent attempt: exactly one e-mail', async () => {
    const second = await h.startReporter();
    const store = await h.addStore();
    await h.returnUpdated(store.storeId, {
      returnId: '501',
      status: 'Completed',
      completedAt: Date.now() - HOUR,
      updatedAt: Date.now() - HOUR,
    });
    const before = await h.commandsFinished([reporter, second]);
    const command = await h.requestReport(store.storeId, { copies: 3 });
    // Meanwhile both instances handle the same command directly, as during a rebalance.
    await Promise.allSettled([
      reporter.reporter.handleReport(command),
      second.reporter.handleReport(command),
    ]);
    // At least three: a copy handled but not committed when the second instance's join moved
    // the partition is delivered again to the other instance.
    await eventually(
      async () =>
        (await h.commandsFinished([reporter, second])) >= before + 3 &&
        (await h.commandsCommitted()) &&
        (await h.noReportWaiting()),
      'the three copies handled and committed, none waiting',
      // The second instance's join moves the partition; a copy set aside meanwhile is replayed
      // by the retrier, which takes longer on a loaded machine.
      90_000,
    );
    await eventually(() => h.reportOutcomes(store.storeId).length >= 1, 'the outcome');
    expect(await h.mail.received(store.email, 1)).toHaveLength(1);
    // An attempt that finds the day decided but not finished publishes its outcome again, with
    // the same event id: one activity entry.
    const outcomes = h.reportOutcomes(store.storeId);
    expect(new Set(outcomes.map((o) => `${o.envelope.eventId} ${o.outcome}`))).toEqual(
      new Set([`${outcomes[0]!.envelope.eventId} APPLIED`]),
    );
    await second.stop();
  });
});
