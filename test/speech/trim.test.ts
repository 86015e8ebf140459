import { describe, expect, it } from 'vitest';
import { brownNoise, noiseFloor, trimSilence } from '../../controller/speech/trim.ts';

const tone = (ms: number, amp: number) => {
  const b = Buffer.alloc((ms / 1000) * 32_000);
  for (let i = 0; i < b.length / 2; i++)
    b.writeInt16LE(Math.round(amp * Math.sin((2 * Math.PI * 440 * i) / 16_000)), i * 2);
  return b;
};
const silence = (ms: number) => Buffer.alloc((ms / 1000) * 32_000);

describe('silence around an utterance', () => {
  it('is cut to 100 ms on each side; the words are kept whole', () => {
    const words = tone(400, 8000);
    const out = trimSilence(Buffer.concat([silence(700), words, silence(900)]));
    expect(out.length).toBe(words.length + 2 * 3200);
    expect(out.subarray(3200, 3200 + words.length).equals(words)).toBe(true);
  });

  it('keeps quiet speech (over the floor) and returns nothing for silence', () => {
    const quiet = Buffer.concat([silence(300), tone(200, 600), silence(300)]);
    expect(trimSilence(quiet).length).toBe(tone(200, 600).length + 2 * 3200);
    expect(trimSilence(silence(1000)).length).toBe(0);
    expect(trimSilence(Buffer.alloc(10)).length).toBe(10); // under one frame: as is
  });
});

describe('the noise floor mixed into an utterance', () => {
  const rms = (b: Buffer) => {
    let s = 0;
    for (let i = 0; i < b.length; i += 2) s += b.readInt16LE(i) ** 2;
    return Math.sqrt(s / (b.length / 2));
  };
  it('turns digital silence into quiet noise of the given RMS, the same every time', () => {
    const out = noiseFloor(silence(1000), 50);
    expect(rms(out)).toBeGreaterThan(45);
    expect(rms(out)).toBeLessThan(55);
    expect(noiseFloor(silence(1000), 50).equals(out)).toBe(true);
    expect(noiseFloor(silence(10), 0).equals(silence(10))).toBe(true); // 0: as is
  });
  it('leaves loud speech nearly as it was, clipped to 16 bits', () => {
    const words = tone(200, 8000);
    const out = noiseFloor(words, 50);
    expect(out.length).toBe(words.length);
    expect(rms(out)).toBeCloseTo(rms(words), -1);
    expect(noiseFloor(tone(20, 32767), 50).readInt16LE(8)).toBeLessThanOrEqual(32767);
  });
});

describe('brown noise mixed in under an utterance', () => {
  const power = (b: Buffer) => {
    let s = 0;
    for (let i = 0; i < b.length; i += 2) s += b.readInt16LE(i) ** 2;
    return s / (b.length / 2);
  };
  it('at the given SNR below the utterance, mostly low frequencies, the same every time', () => {
    const words = tone(500, 4000);
    const out = brownNoise(words, 20);
    const noise = Buffer.alloc(out.length);
    for (let i = 0; i < out.length; i += 2)
      noise.writeInt16LE(out.readInt16LE(i) - words.readInt16LE(i), i);
    const snr = 10 * Math.log10(power(words) / power(noise));
    expect(snr).toBeGreaterThan(19.5);
    expect(snr).toBeLessThan(20.5);
    // brown: a sample differs little from the one before (white noise: by about √2 × RMS)
    let step = 0;
    for (let i = 2; i < noise.length; i += 2)
      step += (noise.readInt16LE(i) - noise.readInt16LE(i - 2)) ** 2;
    expect(Math.sqrt(step / (noise.length / 2 - 1))).toBeLessThan(0.5 * Math.sqrt(power(noise)));
    expect(brownNoise(words, 20).equals(out)).toBe(true);
    expect(brownNoise(silence(100), 20).equals(silence(100))).toBe(true); // nothing to be under
  });
});
