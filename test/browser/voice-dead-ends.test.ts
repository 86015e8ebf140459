/**
 * The browser voice terminal's dead ends (issue 16 item 10): on a controller
 * without speech recognisers (the `npm start` demo without pocketsphinx)
 * offline mode falls back to the keypad on the same connection and says so;
 * after "sign off" the operator signs on again without a reload; a wrong PIN
 * says what went wrong; "Sign on" and "Hold to talk" fit their buttons.
 * Screenshots: test/screenshots/voice-*.png.
 */
import { mkdirSync } from 'node:fs';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS, chromiumAvailable, SCREENSHOTS } from '../helpers/browser.ts';
import { textFit } from '../helpers/fit.ts';
import { tempDir } from '../helpers/harness.ts';
import { type VoiceFloor, voiceFloor, voiceWave } from '../helpers/voice.ts';

describe.skipIf(!chromiumAvailable())('voice terminal page: no dead ends', () => {
  let tmp: ReturnType<typeof tempDir>;
  let f: VoiceFloor;
  let browser: BrowserContext;

  beforeAll(async () => {
    tmp = tempDir();
    f = await voiceFloor(`${tmp.dir}/pl.db`); // no `speech`: audio mode is refused
    browser = await chromium.launchPersistentContext(`${tmp.dir}/profile`, {
      executablePath: CHROMIUM,
      args: [
        ...CHROMIUM_ARGS,
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
      ],
      permissions: ['microphone'],
      viewport: { width: 360, height: 800 },
    });
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await f?.stop();
    tmp?.remove();
  });

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true });
  async function signOn(page: Page, operator: string, pin: string) {
    await page.fill('#operator', operator);
    await page.fill('#pin', pin);
    await page.click('#signon-btn');
  }

  it('offline mode without recognisers falls back to the keypad on one connection and says so', async () => {
    f.waves.submit(voiceWave('VD1', { VD1: ['02'] }));
    const page = await browser.newPage();
    let sockets = 0;
    page.on('websocket', () => sockets++);
    await page.goto(`${f.baseUrl}/api/v1/voice/terminal?offline`);
    await signOn(page, 'op1', '1234');
    const prompt = page.locator('#prompt');
    await expect.poll(() => prompt.textContent()).toBe('Say ready.');
    const status = await page.textContent('#status');
    expect(status).toContain('signed on as op1');
    expect(status).toContain('offline speech is not available on this controller');
    expect(status).not.toContain('(offline speech)');
    expect(await page.textContent('#error')).toBe('');
    expect(await page.isVisible('#keypad')).toBe(true);
    expect(await page.isVisible('#talk')).toBe(false);
    await shot(page, 'voice-offline-fallback');
    // the keypad drives the dialog, and nothing reconnects
    await page.click('#commands >> text=ready');
    await expect
      .poll(() => prompt.textContent())
      .toBe('Order VD1, container C-VD1. Aisle 03, slot 02.');
    await page.waitForTimeout(1500);
    expect(sockets).toBe(1);
    await page.close();
  }, 60_000);

  it('signs on again after "sign off" without a reload', async () => {
    const page = await browser.newPage();
    await page.goto(`${f.baseUrl}/api/v1/voice/terminal`);
    await signOn(page, 'op2', '1234');
    const prompt = page.locator('#prompt');
    await expect.poll(() => prompt.textContent()).toBe('Say ready.');
    await page.click('#commands >> text=sign off');
    await page.locator('#signon').waitFor({ state: 'visible' });
    expect(await page.isVisible('#work')).toBe(false);
    expect(await page.textContent('#status')).toContain('Signed off');
    await shot(page, 'voice-signed-off');
    await signOn(page, 'op2', '1234');
    await expect.poll(() => prompt.textContent()).toBe('Say ready.');
    expect(await page.isVisible('#keypad')).toBe(true);
    expect(await page.textContent('#status')).toContain('signed on as op2');
    await page.close();
  }, 60_000);

  it('says what went wrong after a wrong PIN, and the right PIN then signs on', async () => {
    const page = await browser.newPage();
    await page.goto(`${f.baseUrl}/api/v1/voice/terminal`);
    await signOn(page, 'op3', '9999');
    const status = page.locator('#status');
    await expect.poll(() => status.textContent()).toContain('wrong operator or PIN');
    expect(await status.textContent()).not.toContain('connecting');
    expect(await page.isVisible('#signon')).toBe(true);
    expect(await page.inputValue('#pin')).toBe('');
    await shot(page, 'voice-wrong-pin');
    await signOn(page, 'op3', '1234');
    await expect.poll(() => page.textContent('#prompt')).toBe('Say ready.');
    await page.close();
  }, 60_000);

  it('"Sign on" and "Hold to talk" fit their buttons with room to spare', async () => {
    const page = await browser.newPage();
    await page.goto(`${f.baseUrl}/api/v1/voice/terminal`);
    await page.evaluate(
      `for (const id of ['work', 'talk']) document.getElementById(id).classList.remove('hidden')`,
    );
    for (const id of ['#signon-btn', '#talk']) {
      // at least 8 px of button either side of the text
      const fit = await textFit(page, id);
      expect(fit.left, id).toBeGreaterThanOrEqual(8);
      expect(fit.right, id).toBeGreaterThanOrEqual(8);
      expect(fit.inside, id).toBe(true);
    }
    await shot(page, 'voice-buttons');
    await page.close();
  }, 60_000);
});
