import { describe, expect, it } from 'vitest';
import { trimSilence } from '../../controller/speech/trim.ts';

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
