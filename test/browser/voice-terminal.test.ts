/**
 * The browser voice terminal (issue 10 "Done when"): Debian chromium signs
 * on in the page and completes a pick with the keypad; a screenshot goes to
 * test/screenshots/voice-terminal.png.
 */
import { mkdirSync } from 'node:fs';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS, chromiumAvailable, SCREENSHOTS } from '../helpers/browser.ts';
import { auth, tempDir } from '../helpers/harness.ts';
import { type VoiceFloor, voiceFloor, voiceWave } from '../helpers/voice.ts';

describe.skipIf(!chromiumAvailable())('voice terminal page in chromium', () => {
  let tmp: ReturnType<typeof tempDir>;
  let f: VoiceFloor;
  let browser: BrowserContext;

  beforeAll(async () => {
    tmp = tempDir();
    f = await voiceFloor(`${tmp.dir}/pl.db`);
    // a fresh profile each run
    browser = await chromium.launchPersistentContext(`${tmp.dir}/profile`, {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      viewport: { width: 412, height: 915 },
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await f?.stop();
    tmp?.remove();
  });

  it('signs on and completes a pick with the keypad; the pick is recorded via voice', async () => {
    f.waves.submit(voiceWave('VW1', { VO1: ['02'] }));
    const page = await browser.newPage();
    await page.goto(`${f.baseUrl}/api/v1/voice/terminal`);
    await page.fill('#operator', 'op1');
    await page.fill('#pin', '1234');
    await page.click('#signon-btn');
    const prompt = page.locator('#prompt');
    await expect.poll(() => prompt.textContent()).toBe('Say ready.');
    await page.click('#commands >> text=ready');
    await expect
      .poll(() => prompt.textContent())
      .toBe('Order VO1, container C-VO1. Aisle 03, slot 02.');
    const key = (k: string) => page.click(`#keypad >> text="${k}"`);
    await key('1');
    await key('7');
    await key('OK');
    await expect.poll(() => prompt.textContent()).toBe('Pick 2, item 02.');
    await key('2');
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: `${SCREENSHOTS}/voice-terminal-entry.png` });
    await key('OK');
    await expect
      .poll(() => prompt.textContent())
      .toBe('No work in zone V. Say ready to check again.');
    await page.screenshot({ path: 'test/screenshots/voice-terminal.png' });

    const r = await f.app.inject({ url: '/api/v1/events?after=0', headers: auth('wms') });
    const picked = (r.json().events as { type: string; data: Record<string, unknown> }[]).filter(
      (e) => e.type === 'line.picked',
    );
    expect(picked.map((e) => [e.data.lineId, e.data.picked, e.data.via])).toEqual([
      ['VO1-02', 2, 'voice'],
    ]);
    await page.close();
  }, 60_000);
});
