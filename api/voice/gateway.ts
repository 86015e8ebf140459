/**
 * The voice terminal WebSocket at `/api/v1/voice` (CONTRACTS.md §3, text
 * mode). JSON text frames; every malformed, oversized or out-of-turn message
 * gets an `error` frame (oversized ones: close 1009) and changes nothing.
 * A connection must say `hello` within `helloTimeoutMs`; one connection per
 * operator (a new sign-on closes the old one); pings every `pingMs`, a
 * terminal that misses one is dropped. The dialog itself lives in the
 * controller (VoiceDesk); this file only speaks the protocol.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { type ErrorCode, isPicklineError, PicklineError } from '../../config/errors.ts';
import type { DeskAnswer, VoiceDesk } from '../../controller/voice/desk.ts';
import type { SignOn } from '../../controller/voice/signon.ts';
import { TERMINAL_HTML } from './terminal-page.ts';

export const VOICE_PATH = '/api/v1/voice';

export interface VoiceGatewayOptions {
  desk: VoiceDesk;
  signOn: SignOn;
  /** false while the controller starts: upgrades get 503 */
  accepting?: () => boolean;
  helloTimeoutMs?: number;
  pingMs?: number;
  /** largest frame taken; a larger one closes the connection (1009) */
  maxFrameBytes?: number;
  /** connections not yet signed on, at most; more are refused with 503 */
  maxPending?: number;
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
  const conns = new Set<Conn>();
  const byOperator = new Map<string, Conn>();
  const helloMs = o.helloTimeoutMs ?? 10_000;
  const maxPending = o.maxPending ?? 256;

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== VOICE_PATH) return refuse(socket, 404, 'Not Found');
    if (o.accepting && !o.accepting()) return refuse(socket, 503, 'Service Unavailable');
    const pending = [...conns].filter((c) => c.operator === null).length;
    if (pending >= maxPending) return refuse(socket, 503, 'Service Unavailable');
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

  function accept(ws: WebSocket): void {
    const c: Conn = {
      ws,
      operator: null,
      alive: true,
      busy: Promise.resolve(),
      queued: 0,
      helloTimer: null,
    };
    conns.add(c);
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
      if (c.operator && byOperator.get(c.operator) === c) byOperator.delete(c.operator);
    });
    ws.on('message', (data, isBinary) => {
      c.alive = true;
      if (++c.queued > 16) {
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
          c.queued--;
        });
    });
  }

  async function handle(c: Conn, data: RawData, isBinary: boolean): Promise<void> {
    if (c.ws.readyState !== c.ws.OPEN) return;
    const m = parse(data, isBinary);
    switch (m.type) {
      case 'hello':
        return hello(c, m);
      case 'words':
        return words(c, m);
      case 'bye':
        c.ws.close(1000, 'bye');
        return;
      default:
        throw bad(`unknown message type "${String(m.type)}" (hello, words, bye)`);
    }
  }

  async function hello(c: Conn, m: Record<string, unknown>): Promise<void> {
    if (c.operator)
      throw new PicklineError('VOICE_OUT_OF_TURN', `already signed on as ${c.operator}`);
    const operator = str(m, 'operator', MAX_ID, true);
    const pin = str(m, 'pin', MAX_ID, true);
    str(m, 'terminalId', MAX_ID, false);
    const zone = str(m, 'zone', MAX_ID, false);
    if (m.mode !== undefined && m.mode !== 'text')
      throw bad('only mode "text" is served: the terminal does its own speech');
    await o.signOn.check(operator, pin);
    const answer = await o.desk.open(operator, zone);
    if (c.ws.readyState !== c.ws.OPEN) return;
    if (c.helloTimer) clearTimeout(c.helloTimer);
    c.helloTimer = null;
    const other = byOperator.get(operator);
    if (other && other !== c) {
      sendError(other, 'VOICE_SIGNED_ON_ELSEWHERE', `${operator} signed on at another terminal`);
      other.ws.close(1000, 'signed on elsewhere');
      other.operator = null;
    }
    c.operator = operator;
    byOperator.set(operator, c);
    send(c, answer);
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

  function send(c: Conn, a: DeskAnswer): void {
    if (c.ws.readyState !== c.ws.OPEN) return;
    if ('bye' in a) {
      c.ws.send(JSON.stringify({ type: 'bye' }));
      c.ws.close(1000, 'signed off');
      return;
    }
    const p = a.prompt;
    c.ws.send(
      JSON.stringify({ type: 'prompt', promptId: p.promptId, text: p.text, expect: p.expect }),
    );
  }
}

function sendError(c: Conn, code: ErrorCode, message: string): void {
  if (c.ws.readyState === c.ws.OPEN) c.ws.send(JSON.stringify({ type: 'error', code, message }));
}

function parse(data: RawData, isBinary: boolean): Record<string, unknown> {
  if (isBinary) throw bad('binary frames carry audio, which this controller does not take');
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

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
