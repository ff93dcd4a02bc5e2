import { describe, expect, it } from '@jest/globals';
import { COLUMNS, escapeHtml, renderReport } from './render.js';
import type { ReportRow } from './report-window.js';

const row = (over: Partial<ReportRow> = {}): ReportRow => ({
  returnId: '901',
  storeOrderId: 'MKP-1001-A',
  referenceId: 'R-MKP-1001-A-1',
  fulfillmentCenter: 'Cicero (IL)',
  actionRequested: 'Restock',
  actionTaken: 'Restocked',
  completedAt: Date.parse('2026-03-10T12:00:00Z'),
  ...over,
});

const content = (rows: ReportRow[], over = {}) => ({
  storeName: 'Acme Home',
  reportDate: '2026-03-10',
  timeZone: 'America/New_York',
  rows,
  ...over,
});

describe('the report e-mail', () => {
  it('names the store and the date in the subject, with the count', () => {
    expect(renderReport(content([row(), row({ referenceId: 'R-2' })])).subject).toBe(
      'Completed returns: Acme Home, 2026-03-10 (2)',
    );
    expect(renderReport(content([])).subject).toBe('No completed returns: Acme Home, 2026-03-10');
  });

  it('marks a test report in the subject and the text', () => {
    const rendered = renderReport({ ...content([row()]), test: true });
    expect(rendered.subject).toBe('[Test] Completed returns: Acme Home, 2026-03-10 (1)');
    expect(rendered.text).toContain('This is a test');
    expect(rendered.html).toContain('This is a test');
    expect(renderReport(content([row()])).text).not.toContain('This is a test');
  });

  it('has the five columns in order and one row per return, in HTML and in text', () => {
    const { html, text } = renderReport(
      content([row(), row({ referenceId: 'R-2', actionTaken: null })]),
    );
    const headers = [...html.matchAll(/<th[^>]*>([^<]*)<\/th>/g)].map((m) => m[1]);
    expect(headers).toEqual([
      'Store Order ID',
      'Reference ID',
      'Fulfillment Center',
      'Action Requested',
      'Action Taken',
    ]);
    const body = /<tbody>(.*)<\/tbody>/.exec(html)![1]!;
    const cells = [...body.matchAll(/<tr>(.*?)<\/tr>/g)].map((m) =>
      [...m[1]!.matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((c) => c[1]),
    );
    expect(cells).toEqual([
      ['MKP-1001-A', 'R-MKP-1001-A-1', 'Cicero (IL)', 'Restock', 'Restocked'],
      ['MKP-1001-A', 'R-2', 'Cicero (IL)', 'Restock', '—'],
    ]);
    const lines = text.split('\n');
    const header = lines.findIndex((l) => l.startsWith('Store Order ID'));
    expect(lines[header]!.split(/\s{2,}/)).toEqual(COLUMNS.map(([title]) => title));
    expect(lines[header + 2]!.split(/\s{2,}/)).toEqual([
      'MKP-1001-A',
      'R-MKP-1001-A-1',
      'Cicero (IL)',
      'Restock',
      'Restocked',
    ]);
    expect(lines[header + 3]).toContain('R-2');
  });

  it('escapes everything that comes from vendors, and keeps control characters out of the subject', () => {
    const hostile = '<script>alert("x")</script>&\'';
    const { html, subject, text } = renderReport(
      content([row({ storeOrderId: hostile, fulfillmentCenter: '<b>FC</b>' })], {
        storeName: 'Evil <img src=x onerror=alert(1)>\r\nBcc: victim@example.com',
      }),
    );
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>FC');
    expect(html).toContain(escapeHtml(hostile));
    expect(subject).not.toMatch(/[\r\n]/);
    expect(text).toContain(hostile); // the text part shows it as it is
  });

  it('says there were no completed returns, and labels a late report with its own date', () => {
    const empty = renderReport(content([], { sentLateOn: '2026-03-11' }));
    expect(empty.text).toContain('No return of Acme Home reached Completed');
    expect(empty.text).toContain('report of 2026-03-10, sent late on 2026-03-11');
    expect(empty.html).not.toContain('<table');
  });
});
