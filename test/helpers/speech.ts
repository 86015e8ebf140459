/**
 * Speech tools for the audio-mode tests (Debian pocketsphinx, flite,
 * espeak-ng, sox). Missing in CI (`CI=true`): the test fails naming the
 * Debian package; elsewhere it may skip:
 *   describe.skipIf(!speechAvailable())('…', () => { … })
 */
import { existsSync } from 'node:fs';
import { MODEL_DIR } from '../../controller/speech/recogniser.ts';
import { missingSpeechTools, SPEECH_PACKAGES } from '../../simulators/voice/speech.ts';

export function speechAvailable(): boolean {
  const missing = missingSpeechTools().map((p) => SPEECH_PACKAGES[p]);
  if (!existsSync(`${MODEL_DIR}/en-us`)) missing.push('pocketsphinx-en-us');
  if (missing.length === 0) return true;
  const msg = `speech tools missing: install Debian packages ${missing.join(', ')}`;
  if (process.env.CI === 'true') throw new Error(msg);
  console.warn(`skipping speech tests: ${msg}`);
  return false;
}
