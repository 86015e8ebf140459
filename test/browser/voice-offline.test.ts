/**
 * The browser voice terminal offline (issue 13 "Done when"): Debian chromium
 * with a WAV file as its microphone (fake audio capture) signs on in audio
 * mode; the page's voice-activity detection cuts the file's utterances
 * ("ready", "one seven", "two"), the controller recognises them with
 * pocketsphinx and the pick is recorded via voice.
 */
import { writeFileSync } from 'node:fs';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecogniserPool } from '../../controller/speech/recogniser.ts';
import { Speech } from '../../controller/speech/speech.ts';
import { speak } from '../../simulators/voice/speech.ts';
import { CHROMIUM, CHROMIUM_ARGS, chromiumAvailable } from '../helpers/browser.ts';
import { auth, tempDir } from '../helpers/harness.ts';
import { speechAvailable } from '../helpers/speech.ts';
import { type VoiceFloor, voiceFloor, voiceWave } from '../helpers/voice.ts';

/** 16 kHz mono s16le PCM as a WAV file. */
function wav(pcm: Buffer): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + pcm.length, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(16_000, 24);
  h.writeUInt32LE(32_000, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([h, pcm]);
}
const silence = (s: number) => Buffer.alloc(Math.round(s * 32_000));

describe.skipIf(!chromiumAvailable() || !speechAvailable())('voice terminal page offline', () => {
  let tmp: ReturnType<typeof tempDir>;
  let f: VoiceFloor;
  let speech: Speech;
  let browser: BrowserContext;

  beforeAll(async () => {
    tmp = tempDir();
    speech = new Speech(new RecogniserPool({ size: 1 }));
    speech.start();
    f = await voiceFloor(`${tmp.dir}/pl.db`, { speech });
    const said = (t: string) => speak(t, { synth: 'flite', voice: 'slt' });
    const mic = `${tmp.dir}/mic.wav`;
    writeFileSync(
      mic,
      wav(
        Buffer.concat([
          silence(1.5),
          said('ready'),
          silence(1.5),
          said('one seven'),
          silence(1.5),
          said('two'),
          silence(1.5),
        ]),
      ),
    );
    browser = await chromium.launchPersistentContext(`${tmp.dir}/profile`, {
      executablePath: CHROMIUM,
      args: [
        ...CHROMIUM_ARGS,
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-audio-capture=${mic}`,
        '--autoplay-policy=no-user-gesture-required',
      ],
      permissions: ['microphone'],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await f?.stop();
    speech?.stop();
    tmp?.remove();
  });

  it('completes a pick from the microphone in audio mode', async () => {
    f.waves.submit(voiceWave('VW1', { VO1: ['02'] }));
    const page = await browser.newPage();
    await page.goto(`${f.baseUrl}/api/v1/voice/terminal?offline`);
    await page.fill('#operator', 'op1');
    await page.fill('#pin', '1234');
    await page.click('#signon-btn');
    const prompt = page.locator('#prompt');
    await expect
      .poll(() => prompt.textContent(), { timeout: 40_000, interval: 200 })
      .toMatch(/^No work in zone V/);
    const r = await f.app.inject({ url: '/api/v1/events?after=0', headers: auth('wms') });
    const picked = (r.json().events as { type: string; data: Record<string, unknown> }[]).filter(
      (e) => e.type === 'line.picked',
    );
    expect(picked.map((e) => [e.data.lineId, e.data.picked, e.data.via])).toEqual([
      ['VO1-02', 2, 'voice'],
    ]);
    expect(await page.locator('#error').textContent()).toBe('');
    await page.close();
  }, 60_000);
});
