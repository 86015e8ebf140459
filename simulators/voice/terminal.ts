/**
 * A voice terminal's side of `/api/v1/voice` (CONTRACTS.md §3, text and audio mode):
 * connects, signs on, receives prompts and sends words. Messages queue until
 * read, so a test or a scripted worker reads them in order.
 */
import WebSocket from 'ws';

export type ServerMessage =
  | { type: 'prompt'; promptId: string; text: string; expect: string }
  | { type: 'error'; code: string; message: string }
  | { type: 'bye' }
  /** audio mode with `prompts: "audio"`: the last prompt as WAV */
  | { type: 'audio'; wav: Buffer }
  | { type: 'closed'; code: number };

export class VoiceTerminal {
  readonly url: string;
  #ws: WebSocket | null = null;
  readonly #inbox: ServerMessage[] = [];
  #waiter: ((m: ServerMessage) => void) | null = null;
  /** the last prompt received */
  prompt: Extract<ServerMessage, { type: 'prompt' }> | null = null;

  readonly #autoPong: boolean;

  /**
   * `baseUrl` e.g. `http://127.0.0.1:8080`; the path is added. `autoPong:
   * false` makes a hung terminal that no longer answers pings.
   */
  constructor(baseUrl: string, opts: { autoPong?: boolean } = {}) {
    this.url = `${baseUrl.replace(/^http/, 'ws')}/api/v1/voice`;
    this.#autoPong = opts.autoPong ?? true;
  }

  connect(): Promise<void> {
    const ws = new WebSocket(this.url, { autoPong: this.#autoPong });
    this.#ws = ws;
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        this.#push({ type: 'audio', wav: Buffer.from(data as Buffer) });
        return;
      }
      let m: ServerMessage;
      try {
        m = JSON.parse(data.toString()) as ServerMessage;
      } catch {
        return;
      }
      this.#push(m);
    });
    ws.on('close', (code) => this.#push({ type: 'closed', code }));
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
  }

  get open(): boolean {
    return this.#ws?.readyState === WebSocket.OPEN;
  }

  /** Sends a raw frame (string or bytes): hostile-client tests use it. */
  raw(frame: string | Buffer): void {
    this.#ws?.send(frame);
  }

  send(m: Record<string, unknown>): void {
    this.raw(JSON.stringify(m));
  }

  hello(
    operator: string,
    pin: string,
    extra: Record<string, unknown> = {},
  ): Promise<ServerMessage> {
    this.send({
      type: 'hello',
      terminalId: `sim-${operator}`,
      operator,
      pin,
      mode: 'text',
      ...extra,
    });
    return this.next();
  }

  /** Answers the last prompt with `text`; resolves with the controller's reply. */
  say(text: string): Promise<ServerMessage> {
    this.send({ type: 'words', promptId: this.prompt?.promptId ?? '', text });
    return this.next();
  }

  /**
   * Audio mode: speaks `pcm` (16 kHz mono s16le) at the last prompt, in
   * frames of `frameBytes` (100 ms by default); resolves with the reply.
   */
  speak(pcm: Buffer, frameBytes = 3200): Promise<ServerMessage> {
    this.send({ type: 'audio-start', promptId: this.prompt?.promptId ?? '' });
    for (let i = 0; i < pcm.length; i += frameBytes) this.raw(pcm.subarray(i, i + frameBytes));
    this.send({ type: 'audio-end' });
    return this.next();
  }

  /** The next message (in order of arrival). */
  next(): Promise<ServerMessage> {
    const m = this.#inbox.shift();
    if (m) return Promise.resolve(m);
    return new Promise((resolve) => {
      this.#waiter = resolve;
    });
  }

  /** Closes without `bye` (a dropped terminal) and waits for the close. */
  async drop(): Promise<void> {
    const ws = this.#ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((r) => {
      ws.once('close', () => r());
      ws.terminate();
    });
    this.#inbox.length = 0;
  }

  #push(m: ServerMessage): void {
    if (m.type === 'prompt') this.prompt = m;
    const w = this.#waiter;
    if (w) {
      this.#waiter = null;
      w(m);
    } else this.#inbox.push(m);
  }
}
