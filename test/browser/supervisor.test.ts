/**
 * The supervisor page (CONTRACTS.md §7, issue 19) in chromium: orders late
 * and at risk with due and projected times, open exceptions arriving live
 * (SSE), filters by zone and kind, acknowledge and resolve with a note as an
 * operator; a viewer reads only. Screenshots in test/screenshots/.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Controller } from '../../app/main.ts';
import { type Browser, chromiumAvailable, openBrowser, signIn } from '../helpers/browser.ts';
import { TOKENS } from '../helpers/harness.ts';
import { type LiveController, liveController } from '../helpers/live.ts';
import { until } from '../kit/until.ts';

let live: LiveController;
let c: Controller;
let b: Browser;

const line = (orderId: string, n: number, location: string) => ({
  lineId: `${orderId}-${n}`,
  sku: `SKU-${n}`,
  location,
  quantity: 2,
});

describe.skipIf(!chromiumAvailable())('supervisor page in chromium', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    live = await liveController();
    c = live.c;
    c.waves.submit({
      waveId: 'SW-1',
      dueAt: new Date(Date.now() - 5 * 60_000).toISOString(),
      orders: [
        {
          orderId: 'SO-1',
          container: 'T-S1',
          lines: [line('SO-1', 1, 'A-01-01'), line('SO-1', 2, 'A-01-02')],
        },
        { orderId: 'SO-2', container: 'T-S2', lines: [line('SO-2', 1, 'B-02-01')] },
      ],
    });
    await c.engine.picking.close('SO-1-1', {
      operator: 'jdoe',
      via: 'api',
      short: true,
      quantity: 1,
    });
    await until(
      () => c.exceptions.list({ kind: ['order-late'], limit: 10 }).length === 2,
      'late exceptions',
      10_000,
    );
  }, 60_000);
  afterAll(async () => {
    await live?.stop();
  });
  beforeEach(async () => {
    b = await openBrowser(live.url);
  });
  afterEach(async () => {
    await b?.close();
  });

  it('shows late orders and open exceptions live; an operator acknowledges and resolves with a note', async () => {
    const { page } = b;
    await signIn(page, { operator: 'jdoe', pin: '1234' }, '/supervisor');
    await page.waitForSelector('body[data-live="true"]');
    await page.waitForSelector('tr[data-order="SO-1"]');
    expect(await page.textContent('tr[data-order="SO-1"]')).toContain('late');
    await page.waitForSelector('tr[data-exception] >> text=short');
    await b.screenshot('supervisor-operator');

    // filters: kind short, then zone B (the short is in zone A)
    await page.selectOption('#kind', 'short');
    expect(await page.locator('#exceptions tr[data-exception]').count()).toBe(1);
    await page.selectOption('#zone', 'B');
    await page.waitForSelector('#exceptions >> text=No open exception.');
    await page.waitForSelector('tr[data-order="SO-1"]', { state: 'detached' });
    await page.waitForSelector('tr[data-order="SO-2"]');
    await page.selectOption('#zone', '');

    // live: a new short arrives without a reload
    await c.engine.picking.close('SO-1-2', {
      operator: 'jdoe',
      via: 'api',
      short: true,
      quantity: 0,
    });
    await page.waitForFunction(
      "document.querySelectorAll('#exceptions tr[data-exception]').length === 2",
    );

    const [x] = c.exceptions.list({ kind: ['short'], status: ['open'], limit: 1 });
    const row = page.locator(`tr[data-exception="${x.exceptionId}"]`);
    await row.locator('button:has-text("Acknowledge")').click();
    await page.waitForSelector(`tr[data-exception="${x.exceptionId}"][data-status="acknowledged"]`);
    await page.fill(
      `tr[data-exception="${x.exceptionId}"] input`,
      'counted the bin: empty, told replenishment',
    );
    await page.click(`tr[data-exception="${x.exceptionId}"] button:has-text("Resolve")`);
    await page.waitForSelector(`tr[data-exception="${x.exceptionId}"]`, { state: 'detached' });
    expect(c.exceptions.get(x.exceptionId)).toMatchObject({
      status: 'resolved',
      acknowledgedBy: 'jdoe',
      resolvedBy: 'jdoe',
      note: 'counted the bin: empty, told replenishment',
    });
    await b.screenshot('supervisor-resolved');
  });

  it('a viewer reads: no acknowledge or resolve', async () => {
    const { page } = b;
    await signIn(page, TOKENS.viewer, '/supervisor');
    await page.waitForSelector('body[data-live="true"]');
    await page.waitForSelector('tr[data-exception]');
    expect(await page.locator('button:has-text("Resolve")').count()).toBe(0);
    expect(await page.textContent('#hint')).toContain('Read only');
    await b.screenshot('supervisor-viewer');
  });
});
