/**
 * Leading and trailing silence cut from an utterance (16 kHz mono s16le)
 * before decoding: long stretches of silence around a short word let the
 * out-of-grammar branch win ("two" with 0.7 s of trailing silence decoded as
 * garbage; measured with generated speech). A 20 ms frame is silent when
 * its RMS is under 1/20 of the loudest frame's (and under `floor`); `margin`
 * of silence is kept on each side.
 */
const FRAME = 640; // 20 ms

export function trimSilence(pcm: Buffer, margin = 0.1, floor = 300): Buffer {
  const frames = Math.floor(pcm.length / FRAME);
  if (frames === 0) return pcm;
  const rms: number[] = [];
  for (let f = 0; f < frames; f++) {
    let s = 0;
    for (let i = f * FRAME; i < (f + 1) * FRAME; i += 2) s += pcm.readInt16LE(i) ** 2;
    rms.push(Math.sqrt(s / (FRAME / 2)));
  }
  const loud = Math.min(floor, Math.max(...rms) / 20);
  const first = rms.findIndex((r) => r > loud);
  if (first < 0) return pcm.subarray(0, 0);
  let last = frames - 1;
  while (rms[last] <= loud) last--;
  const keep = Math.round((margin * 1000) / 20);
  const from = Math.max(0, first - keep) * FRAME;
  const to = Math.min(frames, last + 1 + keep) * FRAME;
  return pcm.subarray(from, to);
}

/**
 * `pcm` with quiet white noise of RMS `level` mixed in: a noise floor like
 * any microphone's (RMS 50 is about −56 dBFS). Clean speech with no noise at
 * all (generated speech, digital silence between words) decoded worse than
 * the same speech at 20 dB SNR: the model was trained on recordings, and
 * the feature front end (noise tracking, CMN) expects a floor. Measured with
 * bench/speech.ts (docs/HARDWARE.md "Speech on this machine"). The noise is
 * the same fixed pseudo-random sequence every time: an utterance always
 * decodes the same way.
 */
export function noiseFloor(pcm: Buffer, level: number): Buffer {
  if (level <= 0) return pcm;
  const out = Buffer.alloc(pcm.length);
  let x = 12345;
  for (let i = 0; i + 1 < pcm.length; i += 2) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const v = pcm.readInt16LE(i) + ((x / 2 ** 32) * 2 - 1) * level * Math.sqrt(3);
    out.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(v))), i);
  }
  return out;
}

/**
 * `pcm` with brown noise (white noise through a leaky integrator: most of
 * its power at low frequencies, like sox's `brownnoise`) mixed in at
 * `snrDb` below the utterance's own power. Generated speech still decoded
 * worse clean than with 20 dB of brown noise after the fixed floor
 * (noiseFloor); mixing 20 dB of it into every utterance raised check digits
 * 93.9 → 95.6 % clean and 96.3 → 97.2 % at 20 dB (15 dB: 94.1 / 96.7 %;
 * docs/HARDWARE.md "Speech on this machine"). The same fixed pseudo-random
 * sequence every time: an utterance always decodes the same way.
 */
export function brownNoise(pcm: Buffer, snrDb: number): Buffer {
  const n = Math.floor(pcm.length / 2);
  if (n === 0) return pcm;
  const noise = new Float64Array(n);
  let x = 54321;
  let b = 0;
  let pn = 0;
  let ps = 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b = 0.98 * b + ((x / 2 ** 32) * 2 - 1);
    noise[i] = b;
    pn += b * b;
    ps += pcm.readInt16LE(i * 2) ** 2;
  }
  if (ps === 0 || pn === 0) return pcm;
  const k = Math.sqrt(ps / pn / 10 ** (snrDb / 10));
  const out = Buffer.alloc(pcm.length);
  for (let i = 0; i < n; i++) {
    const v = pcm.readInt16LE(i * 2) + k * noise[i];
    out.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(v))), i * 2);
  }
  return out;
}
