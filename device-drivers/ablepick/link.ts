/**
 * The TCP connection to one ABLEPick controller, reopened with backoff
 * (100 ms doubling to 5 s) whenever it is missing or drops, until stop().
 * Bytes in are parsed into frames here (codec.ts FrameParser); a partial
 * frame does not survive a reconnect.
 */
import { Socket } from 'node:net';
import { PicklineError } from '../../kernel/errors.ts';
import type { DriverLogger } from '../common/logger.ts';
import { encodeFrame, type Frame, FrameParser } from './codec.ts';

export interface LinkEvents {
  frame(f: Frame): void;
  /** bytes skipped to resynchronise, reported once per chunk that had any */
  skipped(n: number): void;
  up(): void;
  down(reason: string): void;
}

const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 5000;

export class AblePickLink {
  readonly description: string;
  private sock: Socket | null = null;
  private readonly parser = new FrameParser();
  private timer: NodeJS.Timeout | null = null;
  private backoff = BACKOFF_MIN_MS;
  private stopped = false;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly connectTimeoutMs: number,
    private readonly on: LinkEvents,
    private readonly log: DriverLogger,
  ) {
    this.description = `tcp://${host}:${port}`;
  }

  get up(): boolean {
    return this.sock !== null;
  }

  /** First connection attempt; resolves either way (a failure schedules the next). */
  async open(): Promise<void> {
    this.stopped = false;
    await this.connect();
  }

  write(frames: Frame[]): void {
    if (!this.sock) throw new PicklineError('BUS_IO', `${this.description} not connected`);
    this.sock.write(Buffer.concat(frames.map(encodeFrame)));
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const s = this.sock;
    this.sock = null;
    if (s && !s.closed) await new Promise<void>((r) => s.once('close', () => r()).destroy());
  }

  private connect(): Promise<void> {
    const sock = new Socket();
    return new Promise<void>((resolve) => {
      const fail = (e: unknown) => {
        clearTimeout(t);
        sock.destroy();
        this.log.debug({ err: String(e), link: this.description }, 'controller not reachable');
        this.retry();
        resolve();
      };
      const t = setTimeout(() => fail('connect timeout'), this.connectTimeoutMs);
      sock.once('error', fail);
      sock.connect(this.port, this.host, () => {
        clearTimeout(t);
        sock.off('error', fail);
        if (this.stopped) {
          sock.destroy();
          return resolve();
        }
        sock.setNoDelay(true);
        sock.setKeepAlive(true, 5000);
        this.sock = sock;
        this.backoff = BACKOFF_MIN_MS;
        this.parser.reset();
        sock.on('data', (c) => this.data(c));
        sock.on('error', () => {}); // 'close' follows
        sock.on('close', () => {
          if (this.sock !== sock) return;
          this.sock = null;
          this.on.down('connection lost');
          this.retry();
        });
        this.on.up();
        resolve();
      });
    });
  }

  private data(chunk: Buffer): void {
    const before = this.parser.skipped;
    const frames = this.parser.push(chunk);
    if (this.parser.skipped > before) this.on.skipped(this.parser.skipped - before);
    for (const f of frames) this.on.frame(f);
  }

  private retry(): void {
    if (this.stopped || this.timer) return;
    const ms = this.backoff;
    this.backoff = Math.min(BACKOFF_MAX_MS, this.backoff * 2);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.stopped) void this.connect();
    }, ms);
  }
}
