/**
 * A regression guard for recognition through the voice gateway in audio mode
 * (not the benchmark: bench/speech.ts measures the whole corpus): a fixed
 * sample of lines picked by voice with clean generated speech, every one of
 * the twelve voices twice, each check digit and quantity said once. Most
 * must be understood the first time ("Say again?" or a wrong answer is a
 * miss).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digitWords } from '../../controller/speech/grammar.ts';
import { RecogniserPool } from '../../controller/speech/recogniser.ts';
import { Speech } from '../../controller/speech/speech.ts';
import { tempDir } from '../helpers/harness.ts';
import {
  corpusSpeech,
  gatewayFirstTry,
  type PickTrial,
  speechAvailable,
  VOICES,
} from '../helpers/speech.ts';

const ok = speechAvailable();

/** check digits, quantity, how the quantity is said: a fixed spread over digits and words */
const LINES: [string, number, string][] = [
  ['17', 2, 'two'],
  ['84', 14, 'fourteen'],
  ['60', 5, 'five'],
  ['93', 12, 'one two'],
  ['26', 8, 'eight'],
  ['35', 19, 'nineteen'],
  ['48', 3, 'three'],
  ['71', 20, 'twenty'],
  ['09', 6, 'six'],
  ['52', 16, 'one six'],
  ['66', 9, 'nine'],
  ['13', 11, 'eleven'],
  ['80', 4, 'four'],
  ['27', 23, 'twenty three'],
  ['94', 7, 'seven'],
  ['31', 15, 'fifteen'],
  ['58', 1, 'one'],
  ['02', 18, 'one eight'],
  ['75', 10, 'ten'],
  ['49', 24, 'twenty four'],
  ['16', 13, 'thirteen'],
  ['83', 21, 'two one'],
  ['40', 17, 'seventeen'],
  ['65', 22, 'twenty two'],
];
const TRIALS: PickTrial[] = LINES.map(([checkDigits, quantity, quantityWords], i) => ({
  checkDigits,
  quantity,
  quantityWords,
  voice: VOICES[i % VOICES.length],
}));
/**
 * First-try rate each of check digits and quantities must reach: at most one miss in 24
 * (the bench's target is 95 %). Decoding is deterministic (a fixed noise floor, no dither),
 * so the figure is too: before the brown noise under every utterance (controller/speech/trim.ts)
 * check digits were 22 of 24 here ("two seven" by flite kal 1.2× asked again, "six five" by
 * espeak-ng 190 wpm taken as other digits), after it 23 of 24; quantities 24 of 24 both.
 */
const AT_LEAST = 0.95;

let tmp: ReturnType<typeof tempDir>;
let speech: Speech;
beforeAll(() => {
  if (!ok) return;
  tmp = tempDir();
  // generous: a loaded machine must not count as not understood
  speech = new Speech(new RecogniserPool({ size: 2, timeoutMs: 30_000 }));
  speech.start();
  for (const t of TRIALS) {
    corpusSpeech(t.quantityWords, t.voice); // synthesised once, cached on disk
    corpusSpeech(digitWords(t.checkDigits), t.voice);
  }
}, 120_000);
afterAll(() => {
  if (!ok) return;
  speech.stop();
  tmp.remove();
});

describe.skipIf(!ok)('voice gateway, audio mode: understood the first time', () => {
  it(`check digits and quantities said once by twelve voices: at least ${AT_LEAST * 100} % each`, async () => {
    const r = await gatewayFirstTry(speech, TRIALS, `${tmp.dir}/pl.db`);
    expect(r.checkDigits.n).toBe(TRIALS.length);
    expect(r.quantity.n).toBe(TRIALS.length);
    const rate = (t: { n: number; ok: number }) => t.ok / t.n;
    const misses = r.misses.join('\n');
    expect(rate(r.checkDigits), misses).toBeGreaterThanOrEqual(AT_LEAST);
    expect(rate(r.quantity), misses).toBeGreaterThanOrEqual(AT_LEAST);
  }, 300_000);
});
