/**
 * Offline speech for the voice audio mode (CONTRACTS.md §3): what a worker
 * said at a prompt, recognised against that prompt's grammar, and prompts
 * synthesised with Debian `espeak-ng` for terminals that cannot speak
 * (cached per prompt text). Silence around the words is cut before decoding.
 * An utterance that is silent, out of grammar, or
 * that the recogniser cannot take is "not heard": never a guessed answer.
 */
import { spawn } from 'node:child_process';
import { isPicklineError } from '../../kernel/errors.ts';
import { accepted, type GrammarContext, grammarFor } from './grammar.ts';
import type { RecogniserPool } from './recogniser.ts';
import { trimSilence } from './trim.ts';

export interface SpeechOptions {
  /** cached synthesised prompts, at most (least recently used dropped) */
  cacheSize?: number;
  /** espeak-ng voice and words per minute */
  voice?: string;
  wpm?: number;
  /** silence kept around the words (s), or false: no trimming (experiments) */
  trimMargin?: number | false;
}

/**
 * Starts `speech`. With `optional`, a missing pocketsphinx or acoustic model
 * (VOICE_SPEECH_UNAVAILABLE) is returned as the reason instead of thrown: the
 * controller then runs without recognisers (audio mode refused, text mode and
 * the browser keypad work). Null: started.
 */
export function startSpeech(speech: Speech, optional: boolean): string | null {
  try {
    speech.start();
    return null;
  } catch (e) {
    if (!optional || !isPicklineError(e) || e.code !== 'VOICE_SPEECH_UNAVAILABLE') throw e;
    return e.message;
  }
}

export interface Heard {
  /** the answer (a grammar phrase), or null: not heard, ask again */
  text: string | null;
  /** what the decoder returned, for logs and the bench */
  raw: string;
  decodeMs?: number;
}

export class Speech {
  readonly pool: RecogniserPool;
  readonly #cache = new Map<string, Promise<Buffer>>();
  readonly #cacheSize: number;
  readonly #voice: string;
  readonly #wpm: number;
  readonly #trimMargin: number | false;

  constructor(pool: RecogniserPool, o: SpeechOptions = {}) {
    this.pool = pool;
    this.#cacheSize = o.cacheSize ?? 256;
    this.#voice = o.voice ?? 'en-us';
    this.#wpm = o.wpm ?? 165;
    this.#trimMargin = o.trimMargin ?? 0.1;
  }

  start(): void {
    this.pool.start();
  }

  stop(): void {
    this.pool.stop();
    this.#cache.clear();
  }

  /** The answer in `pcm` (16 kHz mono s16le) at a prompt of this context. */
  async hear(pcm: Buffer, ctx: GrammarContext): Promise<Heard> {
    const g = grammarFor(ctx);
    const speech = this.#trimMargin === false ? pcm : trimSilence(pcm, this.#trimMargin);
    if (speech.length === 0) return { text: null, raw: '' };
    const r = await this.pool.recognise(speech, g);
    return { text: accepted(g, r.text), raw: r.text, decodeMs: r.decodeMs };
  }

  /** The prompt as a WAV file (espeak-ng), synthesised once per text. */
  promptAudio(text: string): Promise<Buffer> {
    const hit = this.#cache.get(text);
    if (hit) {
      this.#cache.delete(text); // most recently used last
      this.#cache.set(text, hit);
      return hit;
    }
    const p = espeak(text, this.#voice, this.#wpm);
    p.catch(() => this.#cache.delete(text));
    this.#cache.set(text, p);
    while (this.#cache.size > this.#cacheSize) {
      const oldest = this.#cache.keys().next().value as string;
      this.#cache.delete(oldest);
    }
    return p;
  }

  get cached(): number {
    return this.#cache.size;
  }
}

function espeak(text: string, voice: string, wpm: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const p = spawn('espeak-ng', ['-v', voice, '-s', String(wpm), '--stdout', text], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const chunks: Buffer[] = [];
    p.stdout.on('data', (c: Buffer) => chunks.push(c));
    p.on('error', reject);
    p.on('close', (code) =>
      code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`espeak-ng exited ${code}`)),
    );
  });
}
