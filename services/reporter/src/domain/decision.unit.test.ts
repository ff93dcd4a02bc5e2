import { describe, expect, it } from '@jest/globals';
import { decideReport, type ReportFacts } from './decision.js';

const NOW = Date.parse('2026-03-10T13:00:05Z');
const policy = { staleClaimMs: 120_000, maxLateDays: 1 };
const settings = {
  name: 'Acme',
  connected: true,
  email: 'ops@acme.example',
  reportWhenEmpty: false,
};

const given = (over: Partial<ReportFacts> = {}): ReportFacts => ({
  reportDate: '2026-03-10',
  today: '2026-03-10',
  settings,
  resolution: null,
  claim: null,
  rowCount: 3,
  now: NOW,
  ...over,
});

describe('once per store and day: the ledger decision', () => {
  it('sends a day nobody decided yet', () => {
    expect(decideReport(given(), policy)).toEqual({ kind: 'send', empty: false });
  });

  it('does nothing for a day already decided, whatever the outcome was (redelivery, second replica)', () => {
    for (const result of ['SENT', 'SKIPPED', 'FAILED'] as const) {
      expect(
        decideReport(given({ resolution: { result, reason: null, detail: null } }), policy),
      ).toEqual({ kind: 'done' });
    }
  });

  it('waits while another attempt holds a fresh claim: it may be sending right now', () => {
    const claim = { attemptId: 'a', holder: 'other', claimedAt: NOW - 5_000 };
    expect(decideReport(given({ claim }), policy)).toEqual({ kind: 'wait', why: 'claimed' });
  });

  it('never sends again after an attempt died mid-send: an uncertain FAILED, at most one e-mail', () => {
    const claim = { attemptId: 'a', holder: 'dead', claimedAt: NOW - 120_000 };
    const decision = decideReport(given({ claim }), policy);
    expect(decision).toMatchObject({
      kind: 'resolve',
      resolution: { result: 'FAILED', reason: 'uncertain' },
    });
  });

  it('waits for the store configuration it has not read yet', () => {
    expect(decideReport(given({ settings: undefined }), policy)).toEqual({
      kind: 'wait',
      why: 'no-config',
    });
  });

  it.each([
    ['disconnected', { ...settings, connected: false }],
    ['no-address', { ...settings, email: null }],
    ['no-address', { ...settings, email: '  ' }],
  ] as const)('skips (%s)', (reason, storeSettings) => {
    expect(decideReport(given({ settings: storeSettings }), policy)).toMatchObject({
      kind: 'resolve',
      resolution: { result: 'SKIPPED', reason },
    });
  });

  it('sends a report one day late (labelled with its date) and skips an older one', () => {
    expect(decideReport(given({ today: '2026-03-11' }), policy)).toEqual({
      kind: 'send',
      empty: false,
    });
    expect(decideReport(given({ today: '2026-03-12' }), policy)).toMatchObject({
      kind: 'resolve',
      resolution: { result: 'SKIPPED', reason: 'too-late' },
    });
  });

  it('an empty day: no e-mail by default, "no completed returns" with the store option', () => {
    expect(decideReport(given({ rowCount: 0 }), policy)).toMatchObject({
      kind: 'resolve',
      resolution: { result: 'SKIPPED', reason: 'no-completed-returns' },
    });
    expect(
      decideReport(
        given({ rowCount: 0, settings: { ...settings, reportWhenEmpty: true } }),
        policy,
      ),
    ).toEqual({ kind: 'send', empty: true });
  });
});
