/**
 * `speech.optional` (issue 16 item 10): a controller whose site asks for
 * offline speech starts without recognisers, and says so in its log, when
 * pocketsphinx or its model is missing; without `optional` it refuses to start
 * naming the Debian package. The demo site offers offline speech this way.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Controller } from '../../app/main.ts';
import { loadConfig } from '../../config/load.ts';
import { DEFAULT_CONFIG } from '../../controller/paths.ts';
import { RecogniserPool } from '../../controller/speech/recogniser.ts';
import { Speech, startSpeech } from '../../controller/speech/speech.ts';
import { isPicklineError } from '../../kernel/errors.ts';
import { tempDir } from '../helpers/harness.ts';
import { type LiveSite, liveSite } from '../helpers/live.ts';

/** pocketsphinx is "missing": no program on PATH while `fn` runs */
async function withoutPocketsphinx<T>(fn: () => Promise<T>): Promise<T> {
  const path = process.env.PATH;
  process.env.PATH = '/nonexistent';
  try {
    return await fn();
  } finally {
    process.env.PATH = path;
  }
}

function logLines() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, logger: pino({ level: 'info' }, stream) };
}

describe('speech.optional', () => {
  let tmp: ReturnType<typeof tempDir> | undefined;
  let site: LiveSite | undefined;
  let c: Controller | undefined;
  afterEach(async () => {
    await c?.stop();
    await site?.stop();
    tmp?.remove();
    c = site = tmp = undefined;
  });

  it('startSpeech returns why with optional, throws without it', () => {
    const missing = () => new Speech(new RecogniserPool({ size: 1, modelDir: '/nonexistent' }));
    expect(startSpeech(missing(), true)).toMatch(/install Debian package pocketsphinx/);
    let err: unknown;
    try {
      startSpeech(missing(), false);
    } catch (e) {
      err = e;
    }
    expect(isPicklineError(err, 'VOICE_SPEECH_UNAVAILABLE')).toBe(true);
  });

  it('a controller starts without recognisers when pocketsphinx is missing, logs it, and refuses audio mode', async () => {
    tmp = tempDir();
    site = await liveSite(tmp.dir);
    site.loaded.config.speech = { optional: true, recognisers: 1 };
    const log = logLines();
    c = new Controller(site.loaded, { logger: log.logger });
    await withoutPocketsphinx(() => (c as Controller).start());
    expect(c.speech).toBeNull();
    const warned = log.lines.filter((l) => l.includes('starting without recognisers'));
    expect(warned).toHaveLength(1);
    expect(warned[0]).toContain('install Debian package pocketsphinx');
    // a terminal asking for audio mode is told, and may go on in text mode
    const ws = new WebSocket(`ws://127.0.0.1:${c.address.port}/api/v1/voice`);
    const got: { type: string; code?: string }[] = [];
    ws.on('message', (d) => got.push(JSON.parse(String(d))));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ type: 'hello', operator: 'jdoe', pin: '1234', mode: 'audio' }));
    await expect.poll(() => got.length).toBe(1);
    expect(got[0]).toMatchObject({ type: 'error', code: 'VOICE_SPEECH_UNAVAILABLE' });
    ws.send(JSON.stringify({ type: 'hello', operator: 'jdoe', pin: '1234', mode: 'text' }));
    await expect.poll(() => got.length).toBe(2);
    expect(got[1].type).toBe('prompt');
    ws.close();
  }, 30_000);

  it('without optional the controller refuses to start, naming the package', async () => {
    tmp = tempDir();
    site = await liveSite(tmp.dir);
    site.loaded.config.speech = { recognisers: 1 };
    c = new Controller(site.loaded, { logger: pino({ level: 'silent' }) });
    await expect(withoutPocketsphinx(() => (c as Controller).start())).rejects.toThrow(
      /install Debian package pocketsphinx/,
    );
  }, 30_000);

  it('the demo site offers offline speech, optional', () => {
    expect(loadConfig(DEFAULT_CONFIG, {}).config.speech).toMatchObject({ optional: true });
  });
});
