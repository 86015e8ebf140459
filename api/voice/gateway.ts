/**
 * The voice terminal WebSocket at `/api/v1/voice` (CONTRACTS.md §3, text and
 * audio mode). JSON text frames; every malformed, oversized or out-of-turn message
 * gets an `error` frame (oversized ones: close 1009) and changes nothing.
 * A connection must say `hello` within `helloTimeoutMs`; one connection per
 * operator (a new sign-on closes the old one); pings every `pingMs`, a
 * terminal that misses one is dropped. The dialog itself lives in the
 * controller (VoiceDesk); this file only speaks the protocol. Audio mode
 * (needs `speech`): utterances are recognised against the open prompt's
 * grammar and continue the dialog as if typed; nothing recognised → the
 * prompt is asked again. `"prompts": "audio"` in the hello: every prompt
 * frame is followed by one binary frame, the prompt as WAV.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import type { Speech } from '../../controller/speech/speech.ts';
import type { DeskAnswer, VoiceDesk } from '../../controller/voice/desk.ts';
import type { SignOn } from '../../controller/voice/signon.ts';
import { type ErrorCode, isPicklineError, PicklineError } from '../../kernel/errors.ts';
import { AudioIn } from './audio.ts';
import { TERMINAL_HTML } from './terminal-page.ts';

export const VOICE_PATH = '/api/v1/voice';

/** signed-on voice terminals at most, unless `voice.maxTerminals` says otherwise */
export const DEFAULT_MAX_TERMINALS = 1000;

export interface VoiceGatewayOptions {
  desk: VoiceDesk;
  signOn: SignOn;
  /** false while the controller starts: upgrades get 503 */
  accepting?: () => boolean;
  helloTimeoutMs?: number;
  pingMs?: number;
  /** largest frame taken; a larger one closes the connection (1009) */
  maxFrameBytes?: number;
  /**
   * signed-on terminals at most (config `voice.maxTerminals`, default 1000);
   * a hello past it gets VOICE_TERMINALS_FULL and the connection closes (1013)
   */
  maxTerminals?: number;
  /**
   * room for connections not yet signed on (default: maxTerminals, at least
   * 256, so a whole floor reconnecting at once fits); when it is full the
   * oldest of them is closed to make room, so idle sockets never keep a real
   * terminal out
   */
  maxPending?: number;
  /** offline recognition and synthesis; without it audio mode is refused */
  speech?: Speech;
  /** audio bytes one connection may send in all (default 256 MiB) */
  maxSessionAudioBytes?: number;
}

const MAX_TEXT = 200;
const MAX_ID = 64;

interface Conn {
  ws: WebSocket;
  operator: string | null;
  alive: boolean;
  busy: Promise<void>;
  queued: number;
  helloTimer: NodeJS.Timeout | null;
  /** audio mode: the utterance being received */
  audio: AudioIn | null;
  /** send each prompt as WAV too */
  audioPrompts: boolean;
  /** prompt frames and their audio, in order */
  out: Promise<void>;
  /** a hello is being checked: evicted last */
  signing: boolean;
}

/**
 * Attaches the gateway to the app's HTTP server (closed with the app) and
 * serves the browser terminal at `GET /voice/terminal`; register it under
 * the `/api/v1` prefix.
 */
export function voiceGateway(app: FastifyInstance, o: VoiceGatewayOptions): void {
  app.get(
    '/voice/terminal',
    {
      schema: {
        tags: ['zones'],
        summary: 'Browser voice terminal (HTML): signs on and talks to the /api/v1/voice WebSocket',
      },
    },
    async (_req, reply) => reply.type('text/html; charset=utf-8').send(TERMINAL_HTML),
  );
  const wss = new WebSocketServer({ noServer: true, maxPayload: o.maxFrameBytes ?? 16 * 1024 });
  const speech = o.speech;
  const conns = new Set<Conn>();
  const byOperator = new Map<string, Conn>();
  const helloMs = o.helloTimeoutMs ?? 10_000;
  const maxTerminals = o.maxTerminals ?? DEFAULT_MAX_TERMINALS;
  const maxPending = o.maxPending ?? Math.max(256, maxTerminals);
  /** connections not signed on, oldest first (a Set keeps insertion order) */
  const pending = new Set<Conn>();

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // node's HTTP server drops its own 'error' listener from an upgraded socket:
    // without one, a client's reset (ECONNRESET) ends the process (issue 16 item 1).
    // ws attaches its own once it takes the socket; this one covers refusals.
    socket.on('error', () => socket.destroy());
    const path = (req.url ?? '').split('?')[0];
    if (path !== VOICE_PATH) return refuse(socket, 404, 'Not Found');
    if (o.accepting && !o.accepting()) return refuse(socket, 503, 'Service Unavailable');
    if (pending.size >= maxPending) evictPending();
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws));
  };
  app.server.on('upgrade', onUpgrade);
  const unpush = o.desk.onPush((operator, a) => {
    const c = byOperator.get(operator);
    if (c) send(c, a);
  });

  const pinger = setInterval(() => {
    for (const c of conns) {
      if (!c.alive) {
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      c.ws.ping();
    }
  }, o.pingMs ?? 15_000);
  pinger.unref();

  app.addHook('preClose', async () => {
    clearInterval(pinger);
    unpush();
    app.server.off('upgrade', onUpgrade);
    for (const c of conns) c.ws.terminate();
    await new Promise<void>((r) => wss.close(() => r()));
  });

  /** Closes the oldest connection not signed on, preferring one that sent no hello (issue 16 item 2). */
  function evictPending(): void {
    let victim: Conn | undefined;
    for (const c of pending) {
      victim ??= c;
      if (!c.signing) {
        victim = c;
        break;
      }
    }
    if (!victim) return;
    pending.delete(victim);
    sendError(victim, 'VOICE_HELLO_TIMEOUT', 'closed to make room: no hello yet');
    victim.ws.close(1013, 'make room');
    // a client that never answers the close frame does not hold its socket for ws's 30 s
    setTimeout(() => victim.ws.terminate(), 1000).unref();
  }

  function accept(ws: WebSocket): void {
    const c: Conn = {
      ws,
      operator: null,
      alive: true,
      busy: Promise.resolve(),
      queued: 0,
      helloTimer: null,
      audio: null,
      audioPrompts: false,
      out: Promise.resolve(),
      signing: false,
    };
    conns.add(c);
    pending.add(c);
    c.helloTimer = setTimeout(() => {
      sendError(c, 'VOICE_HELLO_TIMEOUT', `no hello within ${helloMs} ms`);
      ws.close(1008, 'no hello');
    }, helloMs);
    ws.on('pong', () => {
      c.alive = true;
    });
    ws.on('error', () => ws.terminate()); // oversized frame, bad UTF-8 …: ws closes with a code
    ws.on('close', () => {
      if (c.helloTimer) clearTimeout(c.helloTimer);
      conns.delete(c);
      pending.delete(c);
      if (c.operator && byOperator.get(c.operator) === c) byOperator.delete(c.operator);
    });
    ws.on('message', (data, isBinary) => {
      c.alive = true;
      // audio frames are many per utterance: bounded by bytes, not by count
      if (isBinary && c.audio) {
        if (!c.audio.admit(size(data))) {
          sendError(c, 'VOICE_AUDIO_TOO_LONG', 'this connection sent more audio than allowed');
          ws.close(1008, 'audio budget');
          return;
        }
      } else if (++c.queued > 16) {
        sendError(c, 'VOICE_OUT_OF_TURN', 'too many messages without waiting for a prompt');
        ws.close(1008, 'flood');
        return;
      }
      c.busy = c.busy
        .then(() => handle(c, data, isBinary))
        .catch((e) => {
          if (isPicklineError(e)) sendError(c, e.code, e.message);
          else {
            app.log.error({ err: (e as Error).message }, 'voice message failed');
            sendError(c, 'INTERNAL', 'the controller failed on this message; see its log');
          }
        })
        .finally(() => {
          if (!(isBinary && c.audio)) c.queued--;
        });
    });
  }

  async function handle(c: Conn, data: RawData, isBinary: boolean): Promise<void> {
    if (c.ws.readyState !== c.ws.OPEN) return;
    if (isBinary && c.audio && c.operator) return c.audio.frame(toBuffer(data));
    const m = parse(data, isBinary);
    switch (m.type) {
      case 'hello':
        return hello(c, m);
      case 'words':
        return words(c, m);
      case 'audio-start':
        return audioStart(c, m);
      case 'audio-end':
        return audioEnd(c);
      case 'bye':
        c.ws.close(1000, 'bye');
        return;
      default:
        throw bad(
          `unknown message type "${String(m.type)}" (hello, words, audio-start, audio-end, bye)`,
        );
    }
  }

  async function hello(c: Conn, m: Record<string, unknown>): Promise<void> {
    if (c.operator)
      throw new PicklineError('VOICE_OUT_OF_TURN', `already signed on as ${c.operator}`);
    const operator = str(m, 'operator', MAX_ID, true);
    const pin = str(m, 'pin', MAX_ID, true);
    str(m, 'terminalId', MAX_ID, false);
    const zone = str(m, 'zone', MAX_ID, false);
    if (m.mode !== undefined && m.mode !== 'text' && m.mode !== 'audio')
      throw bad('"mode" is "text" or "audio"');
    if (m.prompts !== undefined && m.prompts !== 'text' && m.prompts !== 'audio')
      throw bad('"prompts" is "text" or "audio"');
    if ((m.mode === 'audio' || m.prompts === 'audio') && !speech)
      throw new PicklineError(
        'VOICE_SPEECH_UNAVAILABLE',
        'this controller has no speech recogniser: use mode "text" (the terminal does its own speech)',
      );
    if (full(operator)) return refuseFull(c);
    c.signing = true;
    let answer: DeskAnswer;
    try {
      await o.signOn.check(operator, pin);
      answer = await o.desk.open(operator, zone);
    } finally {
      c.signing = false;
    }
    if (c.ws.readyState !== c.ws.OPEN) return;
    if (full(operator)) return refuseFull(c); // others signed on meanwhile
    if (c.helloTimer) clearTimeout(c.helloTimer);
    c.helloTimer = null;
    pending.delete(c);
    const other = byOperator.get(operator);
    if (other && other !== c) {
      sendError(other, 'VOICE_SIGNED_ON_ELSEWHERE', `${operator} signed on at another terminal`);
      other.ws.close(1000, 'signed on elsewhere');
      other.operator = null;
    }
    c.operator = operator;
    if (m.mode === 'audio')
      c.audio = new AudioIn({
        maxUtteranceBytes: speech?.pool.maxBytes ?? 0,
        maxSessionBytes: o.maxSessionAudioBytes ?? 256 * 1024 * 1024,
      });
    c.audioPrompts = m.prompts === 'audio';
    byOperator.set(operator, c);
    send(c, answer);
  }

  /** The terminal limit counts signed-on terminals; an operator signing on again replaces theirs. */
  function full(operator: string): boolean {
    return byOperator.size >= maxTerminals && !byOperator.has(operator);
  }

  function refuseFull(c: Conn): void {
    sendError(
      c,
      'VOICE_TERMINALS_FULL',
      `${maxTerminals} terminals are signed on: try again later`,
    );
    c.ws.close(1013, 'terminals full');
  }

  async function words(c: Conn, m: Record<string, unknown>): Promise<void> {
    if (!c.operator) throw new PicklineError('VOICE_OUT_OF_TURN', 'say hello first');
    const promptId = str(m, 'promptId', MAX_ID, true);
    const text = str(m, 'text', MAX_TEXT, true);
    const open = o.desk.openPrompt(c.operator);
    if (open?.promptId !== promptId)
      throw new PicklineError(
        'VOICE_OUT_OF_TURN',
        open ? `the open prompt is ${open.promptId}, not ${promptId}` : 'no prompt is open',
      );
    send(c, await o.desk.say(c.operator, text));
  }

  /** The open prompt of the connection's operator, checked against `promptId`. */
  function openPrompt(c: Conn, promptId: string) {
    const open = c.operator ? o.desk.listening(c.operator) : null;
    if (open?.promptId !== promptId)
      throw new PicklineError(
        'VOICE_OUT_OF_TURN',
        open ? `the open prompt is ${open.promptId}, not ${promptId}` : 'no prompt is open',
      );
    return open;
  }

  function audioStart(c: Conn, m: Record<string, unknown>): void {
    if (!c.operator) throw new PicklineError('VOICE_OUT_OF_TURN', 'say hello first');
    if (!c.audio) throw bad('audio-start needs a hello with mode "audio"');
    const promptId = str(m, 'promptId', MAX_ID, true);
    openPrompt(c, promptId);
    c.audio.start(promptId);
  }

  async function audioEnd(c: Conn): Promise<void> {
    if (!c.operator || !c.audio || !speech)
      throw new PicklineError('VOICE_OUT_OF_TURN', 'audio-end without audio-start');
    const operator = c.operator;
    const u = c.audio.end();
    const open = openPrompt(c, u.promptId);
    let text: string | null = null;
    if (u.pcm && u.pcm.length > 0) {
      try {
        text = (await speech.hear(u.pcm, open)).text;
      } catch (e) {
        if (!isPicklineError(e)) throw e;
        sendError(c, e.code, e.message); // recogniser saturated or stuck: ask again
      }
    }
    if (o.desk.listening(operator)?.promptId !== u.promptId) return; // answered meanwhile
    send(c, await (text === null ? o.desk.unheard(operator) : o.desk.say(operator, text)));
  }

  function send(c: Conn, a: DeskAnswer): void {
    if (c.ws.readyState !== c.ws.OPEN) return;
    if ('bye' in a) {
      const bye = () => {
        if (c.ws.readyState !== c.ws.OPEN) return;
        c.ws.send(JSON.stringify({ type: 'bye' }));
        c.ws.close(1000, 'signed off');
      };
      if (c.audioPrompts) c.out = c.out.then(bye);
      else bye();
      return;
    }
    const p = a.prompt;
    c.audio?.reset();
    const frame = JSON.stringify({
      type: 'prompt',
      promptId: p.promptId,
      text: p.text,
      expect: p.expect,
    });
    if (!c.audioPrompts || !speech) {
      c.ws.send(frame);
      return;
    }
    const wav = speech.promptAudio(p.text);
    c.out = c.out.then(async () => {
      const audio = await wav.catch((e: Error) => {
        app.log.error({ err: e.message }, 'prompt synthesis failed');
        return null;
      });
      if (c.ws.readyState !== c.ws.OPEN) return;
      c.ws.send(frame);
      if (audio) c.ws.send(audio);
    });
  }
}

function sendError(c: Conn, code: ErrorCode, message: string): void {
  if (c.ws.readyState === c.ws.OPEN) c.ws.send(JSON.stringify({ type: 'error', code, message }));
}

function toBuffer(data: RawData): Buffer {
  return Array.isArray(data)
    ? Buffer.concat(data)
    : Buffer.isBuffer(data)
      ? data
      : Buffer.from(data as ArrayBuffer);
}

function size(data: RawData): number {
  return Array.isArray(data)
    ? data.reduce((n, b) => n + b.length, 0)
    : (data as Buffer | ArrayBuffer).byteLength;
}

function parse(data: RawData, isBinary: boolean): Record<string, unknown> {
  if (isBinary) throw bad('binary frames carry audio: only in mode "audio", after hello');
  let m: unknown;
  try {
    m = JSON.parse(data.toString());
  } catch {
    throw bad('the frame is not JSON');
  }
  if (
    typeof m !== 'object' ||
    m === null ||
    Array.isArray(m) ||
    typeof (m as { type?: unknown }).type !== 'string'
  )
    throw bad('a message is a JSON object with a string "type"');
  return m as Record<string, unknown>;
}

function str(m: Record<string, unknown>, key: string, max: number, required: true): string;
function str(
  m: Record<string, unknown>,
  key: string,
  max: number,
  required: false,
): string | undefined;
function str(
  m: Record<string, unknown>,
  key: string,
  max: number,
  required: boolean,
): string | undefined {
  const v = m[key];
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > max)
    throw bad(`"${key}" must be a string of 1 to ${max} characters`);
  return v;
}

function bad(message: string): PicklineError {
  return new PicklineError('VOICE_BAD_MESSAGE', message);
}

/** Answers an upgrade with a plain HTTP status and closes (the socket has an 'error' listener). */
function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () =>
    socket.destroy(),
  );
}
