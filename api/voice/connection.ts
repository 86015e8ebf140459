/**
 * One voice terminal's WebSocket (CONTRACTS.md §3; error and close codes in
 * contract-extensions.md "Voice terminals"). Messages are handled one at a
 * time, in order; a refused one gets `{"type":"error","code","message"}` and
 * changes nothing. More than 16 waiting (audio frames are bounded by bytes
 * instead) is a flood: VOICE_OUT_OF_TURN, close 1008; no hello in time:
 * VOICE_HELLO_TIMEOUT, close 1008. Audio mode: an utterance is recognised
 * against the open prompt's grammar and goes on as if typed; nothing
 * recognised asks again. `"prompts": "audio"`: each prompt frame is
 * followed by the prompt as WAV.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import type { Speech } from '../../controller/speech/speech.ts';
import { type ErrorCode, isPicklineError, PicklineError } from '../../kernel/errors.ts';
import { AudioIn } from './audio.ts';
import type { DeskAnswer, Listening, PinCheck, VoiceDialogs } from './dialogs.ts';
import {
  type AudioStartMessage,
  bad,
  frameBytes,
  type HelloMessage,
  readMessage,
  toBuffer,
  type WordsMessage,
} from './messages.ts';

/** messages a terminal may have waiting before it is a flood */
const MAX_QUEUED = 16;
/** after a close to make room, the peer has this long to answer it */
const EVICT_GRACE_MS = 1000;

/** The gateway's register of connections, as one connection sees it. */
export interface TerminalRoom {
  readonly maxTerminals: number;
  /** true: `operator` signing on now would be one terminal too many */
  full(operator: string): boolean;
  /** `c` is signed on as `operator` (another connection of theirs is closed) */
  signedOn(c: VoiceConnection, operator: string): void;
  closed(c: VoiceConnection): void;
}

export interface ConnectionContext {
  dialogs: VoiceDialogs;
  signOn: PinCheck;
  speech?: Speech;
  helloMs: number;
  maxSessionAudioBytes: number;
  room: TerminalRoom;
  log: FastifyBaseLogger;
}

export class VoiceConnection {
  readonly ws: WebSocket;
  /** the operator signed on here (null: not signed on) */
  operator: string | null = null;
  /** answered since the last ping */
  alive = true;
  /** a hello is being checked: such a connection is evicted last */
  signing = false;
  readonly #cx: ConnectionContext;
  #busy: Promise<void> = Promise.resolve();
  #queued = 0;
  #helloTimer: NodeJS.Timeout | null = null;
  /** audio mode: the utterance being received */
  #audio: AudioIn | null = null;
  /** send each prompt as WAV too */
  #audioPrompts = false;
  /** prompt frames and their audio, in order */
  #out: Promise<void> = Promise.resolve();

  constructor(ws: WebSocket, cx: ConnectionContext) {
    this.ws = ws;
    this.#cx = cx;
  }

  start(): void {
    const ws = this.ws;
    const helloMs = this.#cx.helloMs;
    this.#helloTimer = setTimeout(() => {
      this.error('VOICE_HELLO_TIMEOUT', `no hello within ${helloMs} ms`);
      ws.close(1008, 'no hello');
    }, helloMs);
    ws.on('pong', () => {
      this.alive = true;
    });
    ws.on('error', () => ws.terminate()); // oversized frame, bad UTF-8 …: ws closes with a code
    ws.on('close', () => {
      this.#clearHelloTimer();
      this.#cx.room.closed(this);
    });
    ws.on('message', (data, isBinary) => this.#receive(data, isBinary));
  }

  /** A heartbeat: drops a terminal that did not answer the previous ping. */
  beat(): void {
    if (!this.alive) {
      this.ws.terminate();
      return;
    }
    this.alive = false;
    this.ws.ping();
  }

  /** Closed to make room for newer connections; it has 1 s to answer the close. */
  evict(): void {
    this.error('VOICE_HELLO_TIMEOUT', 'closed to make room: no hello yet');
    this.ws.close(1013, 'make room');
    // a client that never answers the close frame does not hold its socket for ws's 30 s
    setTimeout(() => this.ws.terminate(), EVICT_GRACE_MS).unref();
  }

  /** A newer sign-on of the same operator replaces this one. */
  replaced(): void {
    this.error('VOICE_SIGNED_ON_ELSEWHERE', `${this.operator} signed on at another terminal`);
    this.ws.close(1000, 'signed on elsewhere');
    this.operator = null;
  }

  error(code: ErrorCode, message: string): void {
    if (this.#open()) this.ws.send(JSON.stringify({ type: 'error', code, message }));
  }

  /** The next prompt (or bye) of this terminal's dialog. */
  send(a: DeskAnswer): void {
    if (!this.#open()) return;
    // prompts as audio: frames go out in order, each prompt after its WAV is made
    const speech = this.#audioPrompts ? this.#cx.speech : undefined;
    if ('bye' in a) {
      if (speech) this.#out = this.#out.then(() => this.#bye());
      else this.#bye();
      return;
    }
    this.#audio?.reset();
    const { promptId, text, expect } = a.prompt;
    const frame = JSON.stringify({ type: 'prompt', promptId, text, expect });
    if (!speech) {
      this.ws.send(frame);
      return;
    }
    const wav = speech.promptAudio(text).catch((e: Error) => {
      this.#cx.log.error({ err: e.message }, 'prompt synthesis failed');
      return null;
    });
    this.#out = this.#out.then(async () => {
      const audio = await wav;
      if (!this.#open()) return;
      this.ws.send(frame);
      if (audio) this.ws.send(audio);
    });
  }

  #bye(): void {
    if (!this.#open()) return;
    this.ws.send(JSON.stringify({ type: 'bye' }));
    this.ws.close(1000, 'signed off');
  }

  #receive(data: RawData, isBinary: boolean): void {
    this.alive = true;
    // audio frames are many per utterance: bounded by bytes, not by count
    const audio = isBinary ? this.#audio : null;
    if (audio) {
      if (!audio.admit(frameBytes(data))) {
        this.error('VOICE_AUDIO_TOO_LONG', 'this connection sent more audio than allowed');
        this.ws.close(1008, 'audio budget');
        return;
      }
    } else if (++this.#queued > MAX_QUEUED) {
      this.error('VOICE_OUT_OF_TURN', 'too many messages without waiting for a prompt');
      this.ws.close(1008, 'flood');
      return;
    }
    this.#busy = this.#busy
      .then(() => this.#handle(data, isBinary))
      .catch((e) => {
        if (isPicklineError(e)) this.error(e.code, e.message);
        else {
          this.#cx.log.error({ err: (e as Error).message }, 'voice message failed');
          this.error('INTERNAL', 'the controller failed on this message; see its log');
        }
      })
      .finally(() => {
        if (!audio) this.#queued--;
      });
  }

  async #handle(data: RawData, isBinary: boolean): Promise<void> {
    if (!this.#open()) return;
    if (isBinary && this.#audio && this.operator) return this.#audio.frame(toBuffer(data));
    const m = readMessage(data, isBinary);
    switch (m.type) {
      case 'hello':
        return this.#hello(m);
      case 'words':
        return this.#words(m);
      case 'audio-start':
        return this.#audioStart(m);
      case 'audio-end':
        return this.#audioEnd();
      case 'bye':
        this.ws.close(1000, 'bye');
        return;
    }
  }

  async #hello(m: HelloMessage): Promise<void> {
    const { room, dialogs, speech } = this.#cx;
    if (this.operator)
      throw new PicklineError('VOICE_OUT_OF_TURN', `already signed on as ${this.operator}`);
    if ((m.mode === 'audio' || m.prompts === 'audio') && !speech)
      throw new PicklineError(
        'VOICE_SPEECH_UNAVAILABLE',
        'this controller has no speech recogniser: use mode "text" (the terminal does its own speech)',
      );
    if (room.full(m.operator)) return this.#refuseFull();
    this.signing = true;
    let answer: DeskAnswer;
    try {
      await this.#cx.signOn.check(m.operator, m.pin);
      answer = await dialogs.open(m.operator, m.zone);
    } finally {
      this.signing = false;
    }
    if (!this.#open()) return;
    if (room.full(m.operator)) return this.#refuseFull(); // others signed on meanwhile
    this.#clearHelloTimer();
    this.operator = m.operator;
    room.signedOn(this, m.operator);
    if (m.mode === 'audio')
      this.#audio = new AudioIn({
        maxUtteranceBytes: speech?.pool.maxBytes ?? 0,
        maxSessionBytes: this.#cx.maxSessionAudioBytes,
      });
    this.#audioPrompts = m.prompts === 'audio';
    this.send(answer);
  }

  #refuseFull(): void {
    const max = this.#cx.room.maxTerminals;
    this.error('VOICE_TERMINALS_FULL', `${max} terminals are signed on: try again later`);
    this.ws.close(1013, 'terminals full');
  }

  async #words(m: WordsMessage): Promise<void> {
    const operator = this.#signedOn();
    this.#listening(m.promptId);
    this.send(await this.#cx.dialogs.say(operator, m.text));
  }

  #audioStart(m: AudioStartMessage): void {
    this.#signedOn();
    if (!this.#audio) throw bad('audio-start needs a hello with mode "audio"');
    this.#listening(m.promptId);
    this.#audio.start(m.promptId);
  }

  async #audioEnd(): Promise<void> {
    const { speech, dialogs } = this.#cx;
    const operator = this.operator;
    if (!operator || !this.#audio || !speech)
      throw new PicklineError('VOICE_OUT_OF_TURN', 'audio-end without audio-start');
    const u = this.#audio.end();
    const open = this.#listening(u.promptId);
    let text: string | null = null;
    if (u.pcm && u.pcm.length > 0) {
      try {
        text = (await speech.hear(u.pcm, open)).text;
      } catch (e) {
        if (!isPicklineError(e)) throw e;
        this.error(e.code, e.message); // recogniser saturated or stuck: ask again
      }
    }
    if (dialogs.listening(operator)?.promptId !== u.promptId) return; // answered meanwhile
    this.send(await (text === null ? dialogs.unheard(operator) : dialogs.say(operator, text)));
  }

  #signedOn(): string {
    if (!this.operator) throw new PicklineError('VOICE_OUT_OF_TURN', 'say hello first');
    return this.operator;
  }

  /** The open prompt of this terminal's operator, which `promptId` must name. */
  #listening(promptId: string): Listening {
    const open = this.operator ? this.#cx.dialogs.listening(this.operator) : null;
    if (open?.promptId !== promptId)
      throw new PicklineError(
        'VOICE_OUT_OF_TURN',
        open ? `the open prompt is ${open.promptId}, not ${promptId}` : 'no prompt is open',
      );
    return open;
  }

  #open(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  #clearHelloTimer(): void {
    if (this.#helloTimer) clearTimeout(this.#helloTimer);
    this.#helloTimer = null;
  }
}
