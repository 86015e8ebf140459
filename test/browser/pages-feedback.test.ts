/**
 * The pages under a new user's eyes (issue 16 item 12), in chromium with a
 * screenshot each (test/screenshots/feedback-*.png): the floor does not
 * redraw while nothing changes (its stream sends nothing) and shows ages as
 * people say them; a viewer is neither told to click bins nor shown a link
 * that 403s; identify answers at once and says when it ended; the dashboard
 * shows no old figures beside an error.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PAGES } from '../../api/pages.ts';
import type { Controller } from '../../app/main.ts';
import { type Browser, chromiumAvailable, openBrowser, signIn } from '../helpers/browser.ts';
import { auth, TOKENS } from '../helpers/harness.ts';
import { type LiveController, liveController } from '../helpers/live.ts';

let live: LiveController;
let c: Controller;
let base: string;
let b: Browser;

async function post(path: string, role: Parameters<typeof auth>[0], body: unknown) {
  const res = await fetch(`${base}/api/v1${path}`, {
    method: 'POST',
    headers: { ...auth(role), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return res.status;
}

/** the `floor` events and bytes the stream sends in `ms` */
async function streamFor(ms: number): Promise<{ events: number; bytes: number }> {
  const ac = new AbortController();
  const res = await fetch(`${base}/api/v1/floor/stream`, {
    headers: auth('viewer'),
    signal: ac.signal,
  });
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  let text = '';
  const timer = setTimeout(() => ac.abort(), ms);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString();
    }
  } catch {
    // aborted: the window is over
  } finally {
    clearTimeout(timer);
  }
  return { events: text.split('event: floor\n').length - 1, bytes: text.length };
}

const renders = async () => Number(await b.page.getAttribute('body', 'data-renders'));

// each test opens a browser and signs in: well over the 20 s default on a loaded machine
describe.skipIf(!chromiumAvailable())('pages give feedback and no false offers', () => {
  beforeAll(async () => {
    live = await liveController({ pressKeys: true });
    ({ c } = live);
    base = live.url;
    // an order in progress in zone A: a session with an age
    const wave = {
      waveId: 'FW-1',
      orders: [
        {
          orderId: 'FO-1',
          container: 'TOTE-F1',
          lines: [{ lineId: 'FL-1', sku: 'MUG', location: 'A-01-01', quantity: 2 }],
        },
      ],
    };
    expect(await post('/waves', 'wms', wave)).toBe(201);
    expect(await post('/zones/A/scan', 'operator', { code: 'TOTE-F1', picker: 'jdoe' })).toBe(200);
  }, 60_000);
  afterAll(async () => {
    await live?.stop();
  });
  beforeEach(async () => {
    b = await openBrowser(base);
  }, 60_000);
  afterEach(async () => {
    await b?.close();
  });

  it('the floor stream sends nothing while nothing changes, though an order is in progress', async () => {
    const s = await streamFor(3500);
    expect(s.events).toBe(1); // the snapshot on connect, no event per second of age
    expect(s.bytes).toBeLessThan(20_000);
  }, 60_000);

  it('the floor page does not redraw while nothing changes, and ticks the age in place', async () => {
    const { page } = b;
    await signIn(page, TOKENS.operator, '/floor');
    const age = page.locator('section.zone[data-zone="A"] .age');
    await age.waitFor();
    const first = await age.textContent();
    expect(first).toMatch(/^\d+ s$/);
    const before = await renders();
    await page.waitForTimeout(3500);
    expect(await renders()).toBe(before);
    expect(await age.textContent()).not.toBe(first);
    await b.screenshot('feedback-floor-still');
  }, 60_000);

  it('shows session ages as people say them ("23 min")', async () => {
    const startedAt = new Date(Date.now() - (23 * 60 + 5) * 1000).toISOString();
    c.store.db
      .prepare('UPDATE zone_sessions SET started_at = ? WHERE order_id = ?')
      .run(startedAt, 'FO-1');
    const { page } = b;
    await signIn(page, TOKENS.operator, '/floor');
    const meta = page.locator('section.zone[data-zone="A"] .meta');
    await meta.locator('.age').waitFor();
    expect(await meta.textContent()).toContain('jdoe: FO-1 (green, 23 min)');
    await b.screenshot('feedback-floor-age');
  }, 60_000);

  it('a viewer is not told to click bins nor linked to the console it may not open', async () => {
    const { page } = b;
    await signIn(page, TOKENS.viewer, '/floor');
    await page.locator('.bin[data-location="A-01-01"][data-lit="true"]').waitFor();
    expect(await page.textContent('#hint')).toBe('');
    expect(await page.locator('.bin.pressable').count()).toBe(0);
    const links = await page.locator('header a').allTextContents();
    expect(links).toEqual(['Floor', 'KPIs', 'Supervisor']);
    await page.click('.bin[data-location="A-01-01"]');
    await page.waitForTimeout(300);
    expect(await page.textContent('#message')).toBe('');
    expect(c.waves.get('FW-1').status).not.toBe('completed');
    await b.screenshot('feedback-floor-viewer');
    // the links the header offers are the pages each role may open (api/pages.ts)
    const pageRoles = (await page.evaluate(
      "import('/ui/assets/common.js').then((m) => Object.fromEntries(m.LINKS.map(([p, , r]) => [p, r])))",
    )) as Record<string, string[]>;
    expect(pageRoles).toEqual(
      Object.fromEntries(Object.entries(PAGES).map(([p, v]) => [p, [...v.roles]])),
    );
  }, 60_000);

  it('a technician gets every link, and identify answers at once and says when it ended', async () => {
    const { page } = b;
    await signIn(page, TOKENS.technician, '/console');
    await page.waitForSelector('body[data-loaded="true"]');
    expect(await page.locator('header a').allTextContents()).toEqual([
      'Floor',
      'Console',
      'KPIs',
      'Supervisor',
    ]);
    const button = page.locator('tr:has(td:text-is("B-02-03")) button:has-text("Identify")');
    await button.click();
    // at once, not after the 3 s blink
    await page.waitForSelector('body[data-identify="blinking"]', { timeout: 1500 });
    expect(await page.textContent('#message')).toContain('bus-b/3 is blinking for 3 s');
    expect(await button.isDisabled()).toBe(true);
    await b.screenshot('feedback-identify-blinking');
    await page.waitForSelector('body[data-identify="ended"]', { timeout: 10_000 });
    const said = await page.textContent('#message');
    expect(said).toContain('ended');
    expect(said).not.toContain('is blinking');
    expect(await button.isDisabled()).toBe(false);
    await b.screenshot('feedback-identify-ended');
  }, 60_000);

  it('the dashboard clears its figures when it shows an error', async () => {
    const { page } = b;
    await signIn(page, TOKENS.viewer, '/dashboard');
    await page.waitForSelector('body[data-loaded="true"]');
    expect(await page.locator('.tile').count()).toBeGreaterThan(0);
    // a window that ends before it starts
    await page.fill('#from', '2026-06-02T10:00');
    await page.fill('#to', '2026-06-01T10:00');
    await page.click('#window button[type=submit]');
    await page.waitForSelector('body[data-loaded="error"]');
    expect(await page.textContent('#message')).toContain('from must be before to');
    expect(await page.locator('.tile').count()).toBe(0);
    expect(await page.textContent('#window-note')).toBe('');
    expect(await page.locator('#devices tr').count()).toBe(0);
    const charts = await page.evaluate(
      "['chart-hourly', 'chart-pickers', 'chart-zones', 'chart-visits'].filter((id) => Chart.getChart(document.getElementById(id))).length",
    );
    expect(charts).toBe(0);
    await b.screenshot('feedback-dashboard-error');
  }, 60_000);
});
