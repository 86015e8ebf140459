/**
 * The audio side of one voice connection (CONTRACTS.md §3, `mode: "audio"`):
 * `audio-start` opens an utterance for the open prompt, binary frames of
 * 16 kHz mono s16le PCM are collected, `audio-end` hands the utterance over.
 * Limits: an utterance over `maxUtteranceBytes` is dropped (one error, the
 * rest of its frames ignored, and `audio-end` asks again); a connection
 * that sends more than `maxSessionBytes` in all is closed.
 */
import { PicklineError } from '../../kernel/errors.ts';

export interface AudioLimits {
  maxUtteranceBytes: number;
  maxSessionBytes: number;
}

interface Utterance {
  promptId: string;
  chunks: Buffer[];
  bytes: number;
  tooLong: boolean;
}

export class AudioIn {
  readonly #limits: AudioLimits;
  #utt: Utterance | null = null;
  /** every audio byte received on the connection */
  sessionBytes = 0;

  constructor(limits: AudioLimits) {
    this.#limits = limits;
  }

  /** Counts a frame as it arrives; false: the session is over its budget. */
  admit(bytes: number): boolean {
    this.sessionBytes += bytes;
    return this.sessionBytes <= this.#limits.maxSessionBytes;
  }

  start(promptId: string): void {
    if (this.#utt)
      throw new PicklineError('VOICE_OUT_OF_TURN', 'an utterance is open: send audio-end first');
    this.#utt = { promptId, chunks: [], bytes: 0, tooLong: false };
  }

  /** A binary frame; throws once when the utterance grows over its limit. */
  frame(data: Buffer): void {
    const u = this.#utt;
    if (!u) throw new PicklineError('VOICE_OUT_OF_TURN', 'audio outside audio-start … audio-end');
    if (u.tooLong) return;
    if (u.bytes + data.length > this.#limits.maxUtteranceBytes) {
      u.tooLong = true;
      u.chunks = [];
      throw new PicklineError(
        'VOICE_AUDIO_TOO_LONG',
        `an utterance is at most ${this.#limits.maxUtteranceBytes} bytes (${this.#limits.maxUtteranceBytes / 32_000} s); this one is dropped`,
      );
    }
    u.chunks.push(data);
    u.bytes += data.length;
  }

  /** Closes the utterance: its prompt and PCM (null: dropped as too long, or odd length). */
  end(): { promptId: string; pcm: Buffer | null } {
    const u = this.#utt;
    if (!u) throw new PicklineError('VOICE_OUT_OF_TURN', 'audio-end without audio-start');
    this.#utt = null;
    const pcm = u.tooLong || u.bytes % 2 !== 0 ? null : Buffer.concat(u.chunks);
    return { promptId: u.promptId, pcm };
  }

  /** A new prompt was sent: an utterance for the old one is void. */
  reset(): void {
    this.#utt = null;
  }
}
