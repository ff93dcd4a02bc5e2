import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_ARGS, chromiumPath } from '@msync/test-support';
import { HOUR, eventually, reporterHarness, type ReporterHarness } from './test-support/harness.js';

// The report e-mail as Mailpit received it over real SMTP, rendered in headless Chromium. The
// picture goes to test-output/reporter/; docs/images/reporter-report-email.png (linked from the
// README) is a copy of it.
const SHOTS = join(process.cwd(), 'test-output', 'reporter');

let h: ReporterHarness;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  h = await reporterHarness();
  await h.startReporter();
  browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

describe('the report e-mail in a browser', () => {
  it('shows the five columns with the values of the completed returns', async () => {
    const store = await h.addStore({ name: 'Sunrise Goods' });
    const now = Date.now();
    const returns = [
      { id: '5101', fc: 'Cicero (IL)', requested: 'Restock', taken: 'Restocked' },
      { id: '5102', fc: 'Moreno Valley (CA)', requested: 'Quarantine', taken: 'Quarantined' },
      { id: '5103', fc: 'Cicero (IL)', requested: 'Dispose', taken: 'Disposed' },
    ];
    for (const [i, r] of returns.entries())
      await h.returnUpdated(store.storeId, {
        returnId: r.id,
        status: 'Completed',
        completedAt: now - (5 - i) * HOUR,
        updatedAt: now - (5 - i) * HOUR,
        fulfillmentCenterName: r.fc,
        actionRequested: r.requested,
        actionTaken: r.taken,
      });
    await h.requestReport(store.storeId);
    await eventually(() => h.reportOutcomes(store.storeId).length === 1, 'the report outcome');
    const [mail] = await h.mail.received(store.email, 1);
    expect(mail).toBeDefined();

    const page = await browser.newPage({ viewport: { width: 900, height: 500 } });
    await page.setContent(mail!.HTML);
    expect(await page.locator('th').allInnerTexts()).toEqual([
      'Store Order ID',
      'Reference ID',
      'Fulfillment Center',
      'Action Requested',
      'Action Taken',
    ]);
    const rows = page.locator('tbody tr');
    const cells: string[][] = [];
    for (let i = 0; i < (await rows.count()); i += 1)
      cells.push(await rows.nth(i).locator('td').allInnerTexts());
    expect(cells).toEqual(
      returns.map((r) => [`MKP-${r.id}`, `R-${r.id}`, r.fc, r.requested, r.taken]),
    );
    await page.screenshot({ path: join(SHOTS, 'report-email.png'), fullPage: true });
    await page.close();
  });
});
