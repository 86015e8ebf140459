/**
 * Speech tools for the audio-mode tests and bench/speech.ts (Debian
 * pocketsphinx, flite, espeak-ng, sox). Missing in CI (`CI=true`): the test
 * fails naming the Debian package; elsewhere it may skip:
 *   describe.skipIf(!speechAvailable())('…', () => { … })
 * Generated speech is cached on disk (`PICKLINE_SPEECH_CORPUS`, default
 * /tmp/pickline-speech-corpus), one file per text, voice and SNR, so each
 * utterance is synthesised (and its noise drawn) once.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { digitWords } from '../../controller/speech/grammar.ts';
import { MODEL_DIR } from '../../controller/speech/recogniser.ts';
import type { Speech } from '../../controller/speech/speech.ts';
import {
  missingSpeechTools,
  SPEECH_PACKAGES,
  speak,
  type Voice,
  withNoise,
} from '../../simulators/voice/speech.ts';
import { VoiceTerminal } from '../../simulators/voice/terminal.ts';
import { voiceFloor } from './voice.ts';

export function speechAvailable(): boolean {
  const missing = missingSpeechTools().map((p) => SPEECH_PACKAGES[p]);
  if (!existsSync(`${MODEL_DIR}/en-us`)) missing.push('pocketsphinx-en-us');
  if (missing.length === 0) return true;
  const msg = `speech tools missing: install Debian packages ${missing.join(', ')}`;
  if (process.env.CI === 'true') throw new Error(msg);
  console.warn(`skipping speech tests: ${msg}`);
  return false;
}

/**
 * The twelve generated voices: flite kal, awb, rms, slt at two speeds and
 * espeak-ng en-us at two speeds × two pitches.
 */
export const VOICES: Voice[] = [
  ...['kal', 'awb', 'rms', 'slt'].flatMap((voice) =>
    [1, 1.2].map((speed) => ({ synth: 'flite' as const, voice, speed })),
  ),
  ...[140, 190].flatMap((speed) =>
    [35, 70].map((pitch) => ({ synth: 'espeak-ng' as const, voice: 'en-us', speed, pitch })),
  ),
];

/** "flite/kal/1.2", "espeak-ng/en-us/140/35" */
export const voiceName = (v: Voice) =>
  [v.synth, v.voice, v.speed, v.pitch].filter((x) => x !== undefined).join('/');

export const CORPUS_DIR =
  process.env.PICKLINE_SPEECH_CORPUS ?? join(tmpdir(), 'pickline-speech-corpus');

/** `text` spoken by `v` (16 kHz mono s16le), with noise at `snr` dB (null: clean); cached. */
export function corpusSpeech(text: string, v: Voice, snr: number | null = null): Buffer {
  const key = createHash('sha1')
    .update(JSON.stringify({ text, voice: voiceName(v), snr }))
    .digest('hex');
  const file = join(CORPUS_DIR, `${key}.raw`);
  if (existsSync(file)) return readFileSync(file);
  const pcm = snr === null ? speak(text, v) : withNoise(corpusSpeech(text, v, null), snr);
  mkdirSync(CORPUS_DIR, { recursive: true });
  const part = `${file}.${process.pid}`;
  writeFileSync(part, pcm);
  renameSync(part, file); // whole files only, even with two writers
  return pcm;
}

/** One line picked by voice in audio mode: its check digits and quantity, said by `voice`. */
export interface PickTrial {
  checkDigits: string;
  quantity: number;
  /** how the quantity is said ("fourteen" or "one four") */
  quantityWords: string;
  voice: Voice;
}

export interface FirstTry {
  checkDigits: { n: number; ok: number };
  quantity: { n: number; ok: number };
  /** the prompts not answered right the first time: what was said, what came back */
  misses: string[];
}

/**
 * Picks `trials` through the voice gateway in audio mode, one terminal, clean
 * generated speech: each line's check digits, then its quantity, each said
 * once. A prompt answered first time moves on (check digits → "Pick N",
 * quantity → the next slot); any other reply ("Say again?", "Wrong check
 * digits", "You said …") is a miss, and the answer is then given as words
 * so the next line starts where it should.
 */
export async function gatewayFirstTry(
  speech: Speech,
  trials: PickTrial[],
  dbPath: string,
): Promise<FirstTry> {
  const slot = (i: number) => String(i + 1).padStart(3, '0');
  const f = await voiceFloor(dbPath, {
    speech,
    configure: (c) => {
      const zone = c.zones.find((z) => z.id === 'V');
      if (!zone) throw new Error('the site has no voice zone V');
      zone.locations = trials.map((t, i) => ({
        id: `V-03-${slot(i)}`,
        checkDigits: t.checkDigits,
        aisle: '03',
        slot: slot(i),
      }));
    },
  });
  const out: FirstTry = { checkDigits: { n: 0, ok: 0 }, quantity: { n: 0, ok: 0 }, misses: [] };
  const t = new VoiceTerminal(f.baseUrl);
  try {
    f.waves.submit({
      waveId: 'FT',
      orders: [
        {
          orderId: 'FT1',
          container: 'C-FT1',
          lines: trials.map((tr, i) => ({
            lineId: `FT1-${slot(i)}`,
            sku: `SKU-${slot(i)}`,
            location: `V-03-${slot(i)}`,
            quantity: tr.quantity,
          })),
        },
      ],
    });
    await t.connect();
    await t.hello('op1', '1234', { mode: 'audio' });
    let m = await t.say('ready');
    for (;;) {
      if (m.type !== 'prompt') throw new Error(`unexpected reply ${JSON.stringify(m)}`);
      if (/^No work/.test(m.text)) break;
      const at = /slot (\d{3})\.$/.exec(m.text);
      if (!at || m.expect !== 'check-digits') throw new Error(`unexpected prompt "${m.text}"`);
      const tr = trials[Number(at[1]) - 1];
      const v = voiceName(tr.voice);
      const digits = digitWords(tr.checkDigits);
      out.checkDigits.n++;
      m = await t.speak(corpusSpeech(digits, tr.voice));
      if (m.type === 'prompt' && m.expect === 'quantity') out.checkDigits.ok++;
      else {
        out.misses.push(`${v} "${digits}" → ${JSON.stringify(m.type === 'prompt' ? m.text : m)}`);
        while (m.type === 'prompt' && m.expect === 'check-digits') m = await t.say(digits);
      }
      out.quantity.n++;
      m = await t.speak(corpusSpeech(tr.quantityWords, tr.voice));
      const moved = (x: typeof m) =>
        x.type === 'prompt' && x.expect === 'check-digits' && !/^(Say again|You said)/.test(x.text);
      if (moved(m) || (m.type === 'prompt' && /^No work/.test(m.text))) out.quantity.ok++;
      else {
        out.misses.push(
          `${v} "${tr.quantityWords}" → ${JSON.stringify(m.type === 'prompt' ? m.text : m)}`,
        );
        while (m.type === 'prompt' && (m.expect === 'quantity' || m.expect === 'yes-no'))
          m = await t.say(m.expect === 'yes-no' ? 'no' : tr.quantityWords);
      }
    }
  } finally {
    await t.drop();
    await f.stop();
  }
  return out;
}
