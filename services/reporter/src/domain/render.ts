import type { ReportRow } from './report-window.js';

/** What one report e-mail says, before it is addressed. */
export interface RenderedReport {
  subject: string;
  html: string;
  text: string;
}

export interface ReportContent {
  storeName: string;
  /** The New York day the report is for (YYYY-MM-DD). */
  reportDate: string;
  timeZone: string;
  rows: readonly ReportRow[];
  /** Set when the report goes out on a later day than its own (the reporter was down). */
  sentLateOn?: string | undefined;
  /** A test the seller asked for: marked in the subject and the text, not the day's report. */
  test?: boolean | undefined;
}

/** The five columns, in order, and how each reads from a row. */
export const COLUMNS: readonly (readonly [string, (row: ReportRow) => string | null])[] = [
  ['Store Order ID', (row) => row.storeOrderId],
  ['Reference ID', (row) => row.referenceId],
  ['Fulfillment Center', (row) => row.fulfillmentCenter],
  ['Action Requested', (row) => row.actionRequested],
  ['Action Taken', (row) => row.actionTaken],
];

const EMPTY_CELL = '—';

/** Text safe inside HTML elements and attribute values. */
export function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** One line without control characters (a vendor's name must not break a header or a row). */
function oneLine(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}

const cell = (value: string | null) =>
  value === null || oneLine(value) === '' ? EMPTY_CELL : oneLine(value);

/** Subject, HTML and plain text of a store's daily returns report; everything from vendors is escaped. */
export function renderReport(content: ReportContent): RenderedReport {
  const store = oneLine(content.storeName) || 'your store';
  const count = content.rows.length;
  const subject =
    (content.test ? '[Test] ' : '') +
    (count === 0
      ? `No completed returns: ${store}, ${content.reportDate}`
      : `Completed returns: ${store}, ${content.reportDate} (${count})`);
  const intro =
    count === 0
      ? `No return of ${store} reached Completed in ShipBob since the previous report.`
      : `${count === 1 ? 'One return' : `${count} returns`} of ${store} reached Completed in ShipBob since the previous report.`;
  const late =
    (content.sentLateOn
      ? ` This is the report of ${content.reportDate}, sent late on ${content.sentLateOn}.`
      : '') +
    (content.test
      ? ' This is a test: the daily report is still sent at its time and lists these returns.'
      : '');
  const footer = `Daily returns report of ${content.reportDate} (09:00, ${content.timeZone}). Refunds and incidents are resolved in Mirakl.`;

  const table = content.rows.map((row) => COLUMNS.map(([, read]) => cell(read(row))));
  const html = [
    '<!doctype html>',
    '<html><head><meta charset="utf-8"><title>',
    escapeHtml(subject),
    '</title></head>',
    '<body style="font-family:Arial,Helvetica,sans-serif;color:#1f2937">',
    `<h1 style="font-size:18px">${escapeHtml(subject)}</h1>`,
    `<p>${escapeHtml(intro + late)}</p>`,
    count === 0
      ? ''
      : [
          '<table style="border-collapse:collapse" cellpadding="6">',
          '<thead><tr>',
          ...COLUMNS.map(
            ([title]) =>
              `<th style="border:1px solid #d1d5db;background:#f3f4f6;text-align:left">${escapeHtml(title)}</th>`,
          ),
          '</tr></thead><tbody>',
          ...table.map(
            (cells) =>
              `<tr>${cells.map((c) => `<td style="border:1px solid #d1d5db">${escapeHtml(c)}</td>`).join('')}</tr>`,
          ),
          '</tbody></table>',
        ].join(''),
    `<p style="color:#6b7280;font-size:12px">${escapeHtml(footer)}</p>`,
    '</body></html>',
  ].join('');

  const text = [
    subject,
    '',
    intro + late,
    ...(count === 0 ? [] : ['', textTable([COLUMNS.map(([title]) => title), ...table])]),
    '',
    footer,
    '',
  ].join('\n');
  return { subject, html, text };
}

/** Columns padded to their widest cell, separated by two spaces. */
function textTable(lines: string[][]): string {
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  const format = (l: string[]) =>
    l
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const [head, ...body] = lines;
  return [format(head!), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(format)].join(
    '\n',
  );
}
