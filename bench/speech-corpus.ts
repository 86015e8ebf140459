/**
 * Fills the on-disk speech corpus cache of bench/speech.ts ahead of a run
 * (synthesis is most of a first run's time): the phrases of the named
 * grammars, every voice, clean and at 20 and 10 dB. Several can run at once.
 *   node bin/run-ts.js bench/speech-corpus.ts check-digits [--reverse]
 */
import { type GrammarContext, grammarFor } from '../controller/speech/grammar.ts';
import { corpusSpeech, VOICES } from '../test/kit/speech.ts';

const CONTEXTS: Record<string, GrammarContext> = {
  'check-digits': { expect: 'check-digits', checkDigits: '17' },
  quantity: { expect: 'quantity', quantity: 24 },
  'yes-no': { expect: 'yes-no' },
  reason: { expect: 'reason' },
  ready: { expect: 'ready' },
};
const names = process.argv.slice(2).filter((a) => !a.startsWith('--'));
let phrases = names.flatMap((n) => grammarFor(CONTEXTS[n]).phrases);
if (process.argv.includes('--reverse')) phrases = phrases.reverse();
for (const p of phrases)
  for (const v of VOICES) for (const snr of [null, 20, 10]) corpusSpeech(p, v, snr);
console.log(`corpus: ${phrases.length} phrases × ${VOICES.length} voices × 3`);
