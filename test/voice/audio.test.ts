import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecogniserPool } from '../../controller/speech/recogniser.ts';
import { Speech } from '../../controller/speech/speech.ts';
import { speak } from '../../simulators/voice/speech.ts';
import { VoiceTerminal } from '../../simulators/voice/terminal.ts';
import { auth, tableCounts, tempDir } from '../helpers/harness.ts';
import { speechAvailable } from '../helpers/speech.ts';
import { type VoiceFloor, voiceFloor, voiceWave } from '../helpers/voice.ts';

const ok = speechAvailable();
let tmp: ReturnType<typeof tempDir>;
let f: VoiceFloor;
let speech: Speech;
const terms: VoiceTerminal[] = [];

const said = (text: string) => speak(text, { synth: 'flite', voice: 'slt' });
const term = async () => {
  const t = new VoiceTerminal(f.baseUrl);
  terms.push(t);
  await t.connect();
  return t;
};
const picked = async () => {
  const r = await f.app.inject({ url: '/api/v1/events?after=0&limit=1000', headers: auth('wms') });
  return (r.json().events as { type: string; data: Record<string, unknown> }[])
    .filter((e) => e.type === 'line.picked' || e.type === 'line.shorted')
    .map((e) => ({ lineId: e.data.lineId, picked: e.data.picked, via: e.data.via }));
};

beforeEach(async () => {
  if (!ok) return;
  tmp = tempDir();
  speech = new Speech(new RecogniserPool({ size: 2, maxBytes: 4 * 32_000 }));
  speech.start();
  f = await voiceFloor(`${tmp.dir}/pl.db`, { speech, maxSessionAudioBytes: 40 * 32_000 });
});
afterEach(async () => {
  if (!ok) return;
  for (const t of terms.splice(0)) await t.drop();
  await f.stop();
  speech.stop();
  tmp.remove();
});

describe.skipIf(!ok)('voice gateway: audio mode (pocketsphinx, generated speech)', () => {
  it('completes an assignment from speech; a wrong check digit and out-of-grammar speech are refused', async () => {
    f.waves.submit(voiceWave('VW1', { VO1: ['02', '04'] }));
    const t = await term();
    // prompts as audio too: every prompt frame is followed by its WAV
    const answer = async (pcm: Buffer) => {
      const m = await t.speak(pcm);
      if (m.type === 'prompt') expect(await t.next()).toMatchObject({ type: 'audio' });
      return m;
    };
    expect(await t.hello('op1', '1234', { mode: 'audio', prompts: 'audio' })).toMatchObject({
      text: 'Say ready.',
    });
    const wav = await t.next();
    expect(wav.type === 'audio' && wav.wav.subarray(0, 4).toString()).toBe('RIFF');
    expect(await answer(said('ready'))).toMatchObject({
      text: 'Order VO1, container C-VO1. Aisle 03, slot 02.',
      expect: 'check-digits',
    });
    const before = tableCounts(f.store);
    expect(await answer(said('one four'))).toMatchObject({
      text: 'Wrong check digits. Aisle 03, slot 02.',
    });
    expect(await answer(said('where is the coffee machine'))).toMatchObject({
      text: 'Say again? Wrong check digits. Aisle 03, slot 02.',
    });
    expect(tableCounts(f.store)).toEqual(before);
    expect(await answer(said('one seven'))).toMatchObject({ text: 'Pick 2, item 02.' });
    expect(await answer(said('two'))).toMatchObject({ text: 'Aisle 03, slot 04.' });
    expect(await answer(said('eight four'))).toMatchObject({ text: 'Pick 4, item 04.' });
    expect(await answer(said('four'))).toMatchObject({ text: /^No work in zone V/ });
    expect(await picked()).toEqual([
      { lineId: 'VO1-02', picked: 2, via: 'voice' },
      { lineId: 'VO1-04', picked: 4, via: 'voice' },
    ]);
    expect(await t.speak(said('sign off'))).toEqual({ type: 'bye' });
  });

  it('limits: an utterance over its length is dropped and asked again; audio out of turn changes nothing', async () => {
    f.waves.submit(voiceWave('VW1', { VO1: ['02'] }));
    const t = await term();
    await t.hello('op1', '1234', { mode: 'audio' });
    const ready = t.prompt;
    expect(await t.speak(Buffer.alloc(5 * 32_000))).toMatchObject({
      type: 'error',
      code: 'VOICE_AUDIO_TOO_LONG',
    });
    expect(await t.next()).toMatchObject({ type: 'prompt', text: 'Say again? Say ready.' });
    t.send({ type: 'audio-start', promptId: ready?.promptId });
    expect(await t.next()).toMatchObject({ code: 'VOICE_OUT_OF_TURN', message: /not p-/ });
    t.send({ type: 'audio-end' });
    expect(await t.next()).toMatchObject({ code: 'VOICE_OUT_OF_TURN' });
    expect(await t.speak(Buffer.alloc(32_000))).toMatchObject({ text: 'Say again? Say ready.' }); // silence
    expect(await picked()).toEqual([]);
  });

  it('a connection over its audio budget is closed', async () => {
    const t = await term();
    await t.hello('op1', '1234', { mode: 'audio' });
    const threeSeconds = Buffer.alloc(3 * 32_000);
    let m = await t.speak(threeSeconds);
    for (let i = 0; i < 20 && m.type === 'prompt'; i++) m = await t.speak(threeSeconds);
    expect(m).toMatchObject({ code: 'VOICE_AUDIO_TOO_LONG', message: /connection/ }); // 40 s in all
    while (m.type !== 'closed') m = await t.next();
    expect(m.code).toBe(1008);
  });

  it('a text terminal may not send audio, and a hello asks for a known mode', async () => {
    const t = await term();
    await t.hello('op1', '1234');
    t.raw(Buffer.alloc(320));
    expect(await t.next()).toMatchObject({ code: 'VOICE_BAD_MESSAGE', message: /mode "audio"/ });
    t.send({ type: 'audio-start', promptId: t.prompt?.promptId });
    expect(await t.next()).toMatchObject({ code: 'VOICE_BAD_MESSAGE', message: /mode "audio"/ });
  });
});
