import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Controller } from '../../app/main.ts';
import { type Browser, chromiumAvailable, openBrowser, signIn } from '../helpers/browser.ts';
import { auth, TOKENS } from '../helpers/harness.ts';
import { type LiveController, type LiveSite, liveController } from '../helpers/live.ts';
import { until } from '../kit/until.ts';

let live: LiveController;
let site: LiveSite;
let c: Controller;
let base: string;
let b: Browser;

async function api(method: string, path: string, role: Parameters<typeof auth>[0], body?: unknown) {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { ...auth(role), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, json: (await res.json()) as any };
}

describe.skipIf(!chromiumAvailable())('pages in chromium', () => {
  beforeAll(async () => {
    live = await liveController({ pressKeys: true });
    ({ site, c } = live);
    base = live.url;
  });
  afterAll(async () => {
    await live?.stop();
  });
  beforeEach(async () => {
    b = await openBrowser(base);
  });
  afterEach(async () => {
    await b?.close();
  });

  it('signs in with a token into an HttpOnly SameSite cookie that expires; a wrong token is refused', async () => {
    const { page } = b;
    await page.goto('/floor');
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await page.fill('#secret', 'not-a-token');
    await page.click('#token-submit');
    await page.waitForSelector('#message:has-text("Refused")');
    expect(await b.context.cookies()).toEqual([]);
    await b.screenshot('sign-in-refused');

    await signIn(page, TOKENS.viewer, '/floor');
    const [cookie] = await b.context.cookies();
    expect(cookie).toMatchObject({ name: 'pickline_session', httpOnly: true, sameSite: 'Strict' });
    expect(cookie.expires * 1000).toBeGreaterThan(Date.now());
    expect(cookie.value).not.toContain(TOKENS.viewer);
    expect(page.url()).not.toContain(TOKENS.viewer);
    await page.waitForSelector('section.zone[data-zone="A"]');
    // a viewer may not open the technician console
    const res = await page.goto('/console');
    expect(res?.status()).toBe(403);
    await b.screenshot('sign-in-viewer');
  });

  it('signs in with an operator PIN', async () => {
    await signIn(b.page, { operator: 'jdoe', pin: '1234' }, '/floor');
    await b.page.waitForSelector('header .who:has-text("jdoe")');
    await b.screenshot('sign-in-pin');
  });

  it('shows a bin lit after a scan and dark after its pick, live; clicking the lit bin presses its key', async () => {
    const { page } = b;
    await signIn(page, TOKENS.operator, '/floor');
    await page.waitForSelector('section.zone[data-zone="A"]');
    await page.evaluate(() => {
      (globalThis as unknown as { stayed: boolean }).stayed = true;
    });
    const wave = {
      waveId: 'BW-1',
      orders: [
        {
          orderId: 'BO-1',
          container: 'TOTE-B1',
          lines: [
            { lineId: 'BL-1', sku: 'MUG', location: 'A-01-01', quantity: 4 },
            { lineId: 'BL-2', sku: 'PEN', location: 'A-01-02', quantity: 1 },
          ],
        },
      ],
    };
    expect((await api('POST', '/waves', 'wms', wave)).status).toBe(201);
    expect(
      (await api('POST', '/zones/A/scan', 'operator', { code: 'TOTE-B1', picker: 'jdoe' })).status,
    ).toBe(200);
    const bin = page.locator('.bin[data-location="A-01-01"]');
    await bin.and(page.locator('[data-lit="true"]')).waitFor();
    expect(await bin.locator('.qty').textContent()).toBe('4');
    expect(await bin.textContent()).toContain('jdoe');
    await b.screenshot('floor-lit');

    site.floor.module('A-01-02').press('confirm'); // a picker on the floor
    await page.locator('.bin[data-location="A-01-02"][data-lit="false"]').waitFor();
    await bin.click(); // the page presses A-01-01's confirm key on the simulated module
    await page.locator('.bin[data-location="A-01-01"][data-lit="false"]').waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as { stayed?: boolean }).stayed)).toBe(
      true,
    );
    await until(() => c.waves.get('BW-1').status === 'completed', 'wave completed', 5000);
    await b.screenshot('floor-dark');
  });

  it('rejects a locations CSV with a bad row (message shown, nothing applied) and accepts a good one', async () => {
    const { page } = b;
    await signIn(page, TOKENS.technician, '/console');
    await page.waitForSelector('body[data-loaded="true"]');
    const upload = async (name: string, text: string) => {
      await page.setInputFiles('#csv-file', {
        name,
        mimeType: 'text/csv',
        buffer: Buffer.from(text),
      });
      await page.click('#import button[type=submit]');
      await page.waitForSelector('body[data-import]');
    };
    await upload(
      'bad.csv',
      'location,bus,address,checkDigits,zone\nA-01-15,bus-a,15,99,A\nA-01-14,bus-a,x,14,A\n',
    );
    expect(await page.getAttribute('body', 'data-import')).toBe('refused');
    expect(await page.textContent('#import-result')).toContain('Nothing imported');
    expect(await page.locator('#import-errors li').allTextContents()).toEqual([
      'line 3: address "x" is not an integer',
    ]);
    expect(c.site.locations.get('A-01-15')?.checkDigits).toBe('21');
    await b.screenshot('console-import-refused');
    await page.evaluate(() => {
      (
        globalThis as unknown as { document: { body: { removeAttribute(n: string): void } } }
      ).document.body.removeAttribute('data-import');
    });
    await upload('good.csv', 'location,bus,address,checkDigits,zone\nA-01-15,bus-a,15,99,A\n');
    expect(await page.getAttribute('body', 'data-import')).toBe('ok');
    expect(await page.textContent('#import-result')).toContain(
      'Imported 1 locations (0 new, 1 changed)',
    );
    expect(c.site.locations.get('A-01-15')?.checkDigits).toBe('99');
    await b.screenshot('console-import-accepted');
  });

  it('lists a module made silent in the simulator after a walk test with live progress', async () => {
    const { page } = b;
    await signIn(page, TOKENS.technician, '/console');
    await page.waitForSelector('body[data-loaded="true"]');
    site.floor.module('B-02-05').setFault({ kind: 'silence' });
    try {
      await page.selectOption('#walk-zone', 'B');
      await page.fill('#walk-dwell', '10');
      await page.click('#walk button[type=submit]');
      await page.waitForSelector('body[data-walk="done"]', { timeout: 30_000 });
      expect(
        await page
          .locator('#walk-progress')
          .evaluate((p) => [
            (p as unknown as { value: number }).value,
            (p as unknown as { max: number }).max,
          ]),
      ).toEqual([13, 13]);
      const failed = await page.locator('#walk-failed tr.failed').allTextContents();
      expect(failed).toHaveLength(1);
      expect(failed[0]).toContain('B-02-05');
      await b.screenshot('console-walk-test');
    } finally {
      site.floor.module('B-02-05').setFault(null);
    }
  });

  it('draws the KPI charts from real picks', async () => {
    const { page } = b;
    await signIn(page, TOKENS.viewer, '/dashboard');
    await page.waitForSelector('body[data-loaded="true"]');
    // runs in the page: Chart.js's own record of what each canvas draws
    const drawn = await page.evaluate(() => {
      type Chart = { data: { labels: unknown[]; datasets: { data: number[] }[] } };
      const g = globalThis as unknown as {
        Chart: { getChart(c: unknown): Chart | undefined };
        document: { getElementById(id: string): unknown };
      };
      const chart = (id: string) => g.Chart.getChart(g.document.getElementById(id));
      const sum = (id: string) =>
        (chart(id)?.data.datasets[0].data ?? []).reduce((a, n) => a + n, 0);
      return {
        hourly: sum('chart-hourly'),
        zones: sum('chart-zones'),
        pickers: chart('chart-pickers')?.data.labels,
      };
    });
    // the floor test's two picks by jdoe in zone A
    expect(drawn).toEqual({ hourly: 2, zones: 2, pickers: ['jdoe'] });
    expect(await page.locator('.tile').first().textContent()).toContain('2');
    await b.screenshot('dashboard');
  });

  it('fits a tablet: no page scrolls sideways at 768 px', async () => {
    const { page } = b;
    await page.setViewportSize({ width: 768, height: 1024 });
    await signIn(page, TOKENS.technician, '/console');
    for (const [path, ready] of [
      ['/floor', 'section.zone'],
      ['/console', 'body[data-loaded="true"]'],
      ['/dashboard', 'body[data-loaded="true"]'],
    ]) {
      await page.goto(path);
      await page.waitForSelector(ready);
      const [scroll, width] = await page.evaluate(() => {
        const d = (
          globalThis as unknown as {
            document: { documentElement: { scrollWidth: number; clientWidth: number } };
          }
        ).document.documentElement;
        return [d.scrollWidth, d.clientWidth];
      });
      expect(scroll, path).toBeLessThanOrEqual(width);
      await b.screenshot(`tablet${path.replace('/', '-')}`);
    }
  }, 60_000); // three pages in a row: over the 20 s default on a loaded machine
});
