import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { accepted, GARBAGE, grammarFor } from '../../controller/speech/grammar.ts';
import { MODEL_DIR, RecogniserPool } from '../../controller/speech/recogniser.ts';
import { speak } from '../../simulators/voice/speech.ts';
import { corpusSpeech, speechAvailable } from '../helpers/speech.ts';

const ok = speechAvailable();
const pools: RecogniserPool[] = [];
const pool = (o: ConstructorParameters<typeof RecogniserPool>[0] = {}) => {
  const p = new RecogniserPool(o);
  pools.push(p);
  p.start();
  return p;
};
afterEach(() => {
  for (const p of pools.splice(0)) p.stop();
});
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.skipIf(!ok)('recogniser pool (pocketsphinx_batch, warm)', () => {
  const digits = grammarFor({ expect: 'check-digits', checkDigits: '17' });

  it('recognises check digits and commands from generated speech with one model load per worker', async () => {
    const p = pool({ size: 1 });
    const [pid] = p.pids;
    for (const [text, voice] of [
      ['one seven', 'awb'],
      ['four two', 'slt'],
      ['skip slot', 'rms'],
    ] as const) {
      const r = await p.recognise(speak(text, { synth: 'flite', voice }), digits);
      expect(accepted(digits, r.text)).toBe(text);
    }
    expect(p.pids).toEqual([pid]); // the same process decoded all three
  });

  it('clean generated speech (no noise at all) decodes as well as noisy: a noise floor is mixed in, the same every time', async () => {
    // each of these decoded wrong (or as garbage) clean and right at 20 dB SNR before the
    // noise floor (bench/speech.ts, seed 7): "six six" → "the coffee", "nine six" → "nine three"
    const p = pool({ size: 1, timeoutMs: 30_000 });
    const quantity = grammarFor({ expect: 'quantity', quantity: 24 });
    const cases = [
      ['six six', digits, { synth: 'espeak-ng', voice: 'en-us', speed: 140, pitch: 35 }],
      ['nine six', digits, { synth: 'espeak-ng', voice: 'en-us', speed: 140, pitch: 35 }],
      ['eight three', digits, { synth: 'espeak-ng', voice: 'en-us', speed: 140, pitch: 70 }],
      ['seven two', digits, { synth: 'espeak-ng', voice: 'en-us', speed: 190, pitch: 35 }],
      ['six', quantity, { synth: 'espeak-ng', voice: 'en-us', speed: 190, pitch: 35 }],
      ['two', quantity, { synth: 'flite', voice: 'slt', speed: 1.2 }],
    ] as const;
    for (const [text, g, v] of cases) {
      const pcm = corpusSpeech(text, v);
      const a = await p.recognise(pcm, g);
      expect(accepted(g, a.text), `${text} (${v.synth} ${v.voice})`).toBe(text);
      expect((await p.recognise(pcm, g)).score).toBe(a.score); // no random dither
    }
  }, 120_000);

  it('out-of-grammar speech is not accepted as an answer', async () => {
    const p = pool({ size: 1 });
    const r = await p.recognise(
      speak('where is the coffee machine', { synth: 'flite', voice: 'slt' }),
      digits,
    );
    expect(accepted(digits, r.text)).toBeNull();
  });

  it('with a phone loop (option phoneLoop), out-of-grammar speech unlike the garbage words is refused too', async () => {
    // phrases none of the garbage words came from: without the loop, at a check-digits
    // prompt, bench/speech.ts took 47 of 192 such utterances as answers, these among them
    const cases = [
      ['send a forklift', { synth: 'flite', voice: 'awb' }], // was "seven four"
      ['my scanner is broken', { synth: 'flite', voice: 'slt' }], // was "nine seven"
      ['does anybody know', { synth: 'flite', voice: 'rms' }], // was "one seven"
      ['show me a list', { synth: 'espeak-ng', voice: 'en-us', speed: 140, pitch: 35 }], // was "short product"
    ] as const;
    const p = pool({ size: 1, timeoutMs: 30_000, phoneLoop: 0.1 });
    for (const [text, v] of cases) {
      const r = await p.recognise(corpusSpeech(text, v), digits);
      expect(accepted(digits, r.text), `${text}: "${r.text}"`).toBeNull();
    }
    const answer = await p.recognise(
      corpusSpeech('one seven', { synth: 'flite', voice: 'awb' }),
      digits,
    );
    expect(answer.text).toBe('one seven');
  }, 120_000);

  it('every garbage word is in the dictionary the recogniser loads', () => {
    const dict = readFileSync(`${MODEL_DIR}/cmudict-en-us.dict`, 'utf8');
    const known = new Set(dict.split('\n').map((l) => l.split(' ')[0]));
    expect(GARBAGE.filter((w) => !known.has(w))).toEqual([]);
  });

  it('simultaneous utterances queue first in, first out over the workers', async () => {
    const p = pool({ size: 2 });
    const texts = ['one seven', 'two two', 'three four', 'nine nine', 'zero five'];
    const rs = await Promise.all(
      texts.map((t) => p.recognise(speak(t, { synth: 'flite', voice: 'awb' }), digits)),
    );
    expect(rs.map((r) => r.text)).toEqual(texts);
    expect(rs[4].queuedMs).toBeGreaterThan(0);
  });

  it('a decoder that does not answer in time is killed and replaced; the next utterance is decoded', async () => {
    const p = pool({ size: 1, timeoutMs: 1 });
    const [pid] = p.pids;
    const pcm = speak('one seven', { synth: 'flite', voice: 'awb' });
    await expect(p.recognise(pcm, digits)).rejects.toMatchObject({ code: 'VOICE_RECOGNISER_BUSY' });
    expect(p.timeouts).toBe(1);
    await new Promise((r) => setTimeout(r, 50));
    expect(alive(pid)).toBe(false);
    const slow = pool({ size: 1 });
    expect((await slow.recognise(pcm, digits)).text).toBe('one seven');
  });

  it('refuses an utterance over the byte limit, and stop() ends every worker', async () => {
    const p = pool({ size: 2, maxBytes: 1000 });
    await expect(p.recognise(Buffer.alloc(1002), digits)).rejects.toMatchObject({
      code: 'VOICE_AUDIO_TOO_LONG',
    });
    const pids = p.pids;
    expect(pids).toHaveLength(2);
    p.stop();
    p.stop();
    await new Promise((r) => setTimeout(r, 50));
    expect(pids.filter(alive)).toEqual([]);
    await expect(p.recognise(Buffer.alloc(10), digits)).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});

describe('recogniser pool without its Debian packages', () => {
  it('refuses to start, naming the package, and leaves nothing running', () => {
    const p = new RecogniserPool({ modelDir: '/nonexistent/pickline-model' });
    expect(() => p.start()).toThrow(/install Debian package pocketsphinx/);
    expect(p.pids).toEqual([]);
    p.stop();
  });
});
