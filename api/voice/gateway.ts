/**
 * The voice terminal WebSocket at `/api/v1/voice` (CONTRACTS.md §3, text and
 * audio mode; additions, error codes and close codes in
 * contract-extensions.md "Voice terminals"). This file keeps the register of
 * connections; connection.ts speaks the protocol with one terminal and
 * messages.ts holds the message schemas. The dialog itself lives in the
 * controller (dialogs.ts is all the gateway asks of it).
 *
 * - An upgrade to another path gets 404, one while the controller starts 503
 *   (plain HTTP, then the socket closes); a client resetting any upgrade
 *   socket changes nothing.
 * - One connection per operator: a new sign-on closes the old one.
 * - `maxTerminals` counts signed-on terminals; a hello past it gets
 *   VOICE_TERMINALS_FULL, close 1013. Connections not signed on have a room of
 *   their own (`maxPending`); when it is full the oldest of them (one that
 *   sent no hello, if any) is closed to make room (VOICE_HELLO_TIMEOUT, 1013)
 *   and terminated 1 s later if it does not answer the close.
 * - Pings every `pingMs`; a terminal that missed the previous one is dropped.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Speech } from '../../controller/speech/speech.ts';
import { type TerminalRoom, VoiceConnection } from './connection.ts';
import type { PinCheck, VoiceDialogs } from './dialogs.ts';
import { TERMINAL_HTML } from './terminal-page.ts';

export const VOICE_PATH = '/api/v1/voice';

/** signed-on voice terminals at most, unless `voice.maxTerminals` says otherwise */
export const DEFAULT_MAX_TERMINALS = 1000;

export interface VoiceGatewayOptions {
  /** the operators' dialogs (the controller's VoiceDesk) */
  desk: VoiceDialogs;
  signOn: PinCheck;
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
  const gateway = new VoiceGateway(app, o);
  gateway.start();
  app.addHook('preClose', async () => {
    await gateway.stop();
  });
}

export class VoiceGateway implements TerminalRoom {
  readonly maxTerminals: number;
  readonly #app: FastifyInstance;
  readonly #o: VoiceGatewayOptions;
  readonly #wss: WebSocketServer;
  readonly #maxPending: number;
  readonly #conns = new Set<VoiceConnection>();
  /** connections not signed on, oldest first (a Set keeps insertion order) */
  readonly #pending = new Set<VoiceConnection>();
  readonly #byOperator = new Map<string, VoiceConnection>();
  #pinger: NodeJS.Timeout | null = null;
  #unpush: (() => void) | null = null;

  constructor(app: FastifyInstance, o: VoiceGatewayOptions) {
    this.#app = app;
    this.#o = o;
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: o.maxFrameBytes ?? 16 * 1024 });
    this.maxTerminals = o.maxTerminals ?? DEFAULT_MAX_TERMINALS;
    this.#maxPending = o.maxPending ?? Math.max(256, this.maxTerminals);
  }

  start(): void {
    this.#app.server.on('upgrade', this.#onUpgrade);
    this.#unpush = this.#o.desk.onPush((operator, a) => this.#byOperator.get(operator)?.send(a));
    this.#pinger = setInterval(() => {
      for (const c of this.#conns) c.beat();
    }, this.#o.pingMs ?? 15_000);
    this.#pinger.unref();
  }

  async stop(): Promise<void> {
    if (this.#pinger) clearInterval(this.#pinger);
    this.#pinger = null;
    this.#unpush?.();
    this.#unpush = null;
    this.#app.server.off('upgrade', this.#onUpgrade);
    for (const c of this.#conns) c.ws.terminate();
    await new Promise<void>((r) => this.#wss.close(() => r()));
  }

  full(operator: string): boolean {
    // an operator signing on again replaces their own terminal: allowed at the limit
    return this.#byOperator.size >= this.maxTerminals && !this.#byOperator.has(operator);
  }

  signedOn(c: VoiceConnection, operator: string): void {
    this.#pending.delete(c);
    const other = this.#byOperator.get(operator);
    if (other && other !== c) other.replaced();
    this.#byOperator.set(operator, c);
  }

  closed(c: VoiceConnection): void {
    this.#conns.delete(c);
    this.#pending.delete(c);
    if (c.operator && this.#byOperator.get(c.operator) === c) this.#byOperator.delete(c.operator);
  }

  readonly #onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    // node's HTTP server drops its own 'error' listener from an upgraded socket:
    // without one, a client's reset (ECONNRESET) ends the process. ws attaches
    // its own once it takes the socket; this one covers refusals.
    socket.on('error', () => socket.destroy());
    const path = (req.url ?? '').split('?')[0];
    if (path !== VOICE_PATH) refuse(socket, 404, 'Not Found');
    else if (this.#o.accepting && !this.#o.accepting()) refuse(socket, 503, 'Service Unavailable');
    else {
      if (this.#pending.size >= this.#maxPending) this.#evictPending();
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws));
    }
  };

  #accept(ws: WebSocket): void {
    const c = new VoiceConnection(ws, {
      dialogs: this.#o.desk,
      signOn: this.#o.signOn,
      speech: this.#o.speech,
      helloMs: this.#o.helloTimeoutMs ?? 10_000,
      maxSessionAudioBytes: this.#o.maxSessionAudioBytes ?? 256 * 1024 * 1024,
      room: this,
      log: this.#app.log,
    });
    this.#conns.add(c);
    this.#pending.add(c);
    c.start();
  }

  /** Closes the oldest connection not signed on, preferring one that sent no hello. */
  #evictPending(): void {
    let victim: VoiceConnection | undefined;
    for (const c of this.#pending) {
      victim ??= c;
      if (!c.signing) {
        victim = c;
        break;
      }
    }
    if (!victim) return;
    this.#pending.delete(victim);
    victim.evict();
  }
}

/** Answers an upgrade with a plain HTTP status and closes (the socket has an 'error' listener). */
function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () =>
    socket.destroy(),
  );
}
