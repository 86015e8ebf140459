/**
 * One Modbus master transaction at a time over a byte link. The scheduler owns
 * ordering and retries; a transport owns framing, the RTU inter-frame silence,
 * the per-transaction timeout and reconnecting a dropped link.
 *
 * Why not modbus-serial: it does not keep the t3.5 silence between frames
 * (node-modbus-serial issue 455), reports CRC errors, timeouts and exceptions as
 * non-Error objects told apart only by message text, and hides its framing. The
 * counters HARDWARE.md asks for need those three told apart exactly, and RTU
 * framing is ~40 lines (framing.ts), so we frame ourselves over `serialport`/`net`.
 */
import { setImmediate as yieldTick } from 'node:timers/promises';
import { PicklineError } from '../../../kernel/errors.ts';
import type { Framing } from './framing.ts';
import type { Link } from './links.ts';
import { expectedResponsePduLength } from './pdu.ts';

export interface ModbusTransport {
  readonly description: string;
  /** Rejects with BUS_IO when the link cannot be opened and is not retried in the background. */
  open(): Promise<void>;
  /** The link is up (a persistent transport reopens it on the next transaction, with backoff). */
  readonly connected?: boolean;
  /** Idempotent; a transaction in flight rejects with BUS_CLOSED. */
  close(): Promise<void>;
  /**
   * Sends one request PDU to `unit`; resolves with the response PDU, which may
   * be an exception response (decoded by pdu.ts). Rejects with DEVICE_TIMEOUT
   * (nothing usable within `timeoutMs` after the request left, plus wire time),
   * DEVICE_CRC (bad checksum, truncated or foreign frame), BUS_IO, BUS_CLOSED.
   * Callers must not overlap calls.
   */
  transact(unit: number, pdu: Buffer, timeoutMs: number): Promise<Buffer>;
}

/** Serial line timing (HARDWARE.md "Modbus RTU timing"; serial line spec §2.5.1.1). */
export interface LineTiming {
  /** one character on the wire, ms */
  charMs: number;
  /** t3.5 between frames: 3.5 chars, fixed at 1.75 ms above 19200 baud */
  silenceMs: number;
}

export function lineTiming(baudRate: number, bitsPerChar = 11): LineTiming {
  const charMs = (1000 * bitsPerChar) / baudRate;
  return { charMs, silenceMs: baudRate > 19200 ? 1.75 : 3.5 * charMs };
}

export interface StreamTransportOptions {
  /** RTU on a serial line: keep t3.5 between frames and allow for wire time. */
  timing?: LineTiming;
  /** Reopen a link that is missing at start or drops, with backoff; otherwise open() failure is fatal. */
  persistent?: boolean;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
}

interface Pending {
  resolve(pdu: Buffer): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

export class StreamTransport implements ModbusTransport {
  readonly description: string;
  private up = false;
  private closed = false;
  private rx = Buffer.alloc(0);
  private pending: Pending | null = null;
  private lastActivity = 0;
  private retryAt = 0;
  private backoff: number;

  constructor(
    private readonly link: Link,
    private readonly framing: Framing,
    private readonly opts: StreamTransportOptions = {},
  ) {
    this.description = `${link.description} (${framing.name})`;
    this.backoff = opts.reconnectMinMs ?? 250;
  }

  get connected(): boolean {
    return this.up;
  }

  async open(): Promise<void> {
    this.closed = false;
    this.link.onData((c) => this.received(c));
    this.link.onDrop((e) => {
      this.up = false;
      this.fail(e);
    });
    try {
      await this.connect();
    } catch (e) {
      if (!this.opts.persistent) throw e;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.up = false;
    this.fail(new PicklineError('BUS_CLOSED', `${this.description} closed`));
    await this.link.close();
  }

  async transact(unit: number, pdu: Buffer, timeoutMs: number): Promise<Buffer> {
    if (this.closed) throw new PicklineError('BUS_CLOSED', `${this.description} closed`);
    if (!this.up) await this.connect();
    await this.silence();
    if (this.closed) throw new PicklineError('BUS_CLOSED', `${this.description} closed`);
    this.rx = Buffer.alloc(0); // bytes that arrived between transactions belong to nobody
    const frame = this.framing.encode(unit, pdu);
    const charMs = this.opts.timing?.charMs ?? 0;
    const wireMs = charMs * (frame.length + expectedResponsePduLength(pdu) + 3);
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(
        () => {
          this.fail(
            this.rx.length > 0
              ? new PicklineError(
                  'DEVICE_CRC',
                  `truncated frame from unit ${unit} (${this.rx.length} bytes)`,
                )
              : new PicklineError(
                  'DEVICE_TIMEOUT',
                  `unit ${unit} did not answer within ${timeoutMs} ms`,
                ),
          );
        },
        Math.ceil(timeoutMs + wireMs),
      );
      this.pending = { resolve, reject, timer };
      const sentAt = performance.now();
      this.link.write(frame).then(
        () => {
          this.lastActivity = Math.max(this.lastActivity, sentAt + charMs * frame.length);
        },
        (e: Error) => {
          // a write that fails means the port is gone (adapter unplugged): reopen next time
          this.up = false;
          void this.link.close();
          this.fail(e);
        },
      );
    });
  }

  private async connect(): Promise<void> {
    if (performance.now() < this.retryAt) {
      throw new PicklineError('BUS_IO', `${this.link.description} down; reconnecting`);
    }
    try {
      await this.link.open();
      this.up = true;
      this.backoff = this.opts.reconnectMinMs ?? 250;
      this.retryAt = 0;
    } catch (e) {
      this.retryAt = performance.now() + this.backoff;
      this.backoff = Math.min(this.backoff * 2, this.opts.reconnectMaxMs ?? 5000);
      throw e;
    }
  }

  /** Waits until the line has been quiet for t3.5 (HARDWARE.md; node-modbus-serial issue 455). */
  private async silence(): Promise<void> {
    const t = this.opts.timing;
    if (!t) return;
    for (;;) {
      const wait = this.lastActivity + t.silenceMs - performance.now();
      if (wait <= 0) return;
      // Node timers have 1 ms granularity and fire late: sleep whole ms, spin the rest.
      if (wait >= 1) await new Promise((r) => setTimeout(r, Math.floor(wait)));
      else await yieldTick();
    }
  }

  private received(chunk: Buffer): void {
    this.lastActivity = performance.now();
    if (!this.pending) return;
    this.rx = Buffer.concat([this.rx, chunk]);
    let pdu: Buffer | null;
    try {
      pdu = this.framing.accept(this.rx);
    } catch (e) {
      this.fail(e as Error);
      return;
    }
    if (pdu) {
      const p = this.pending;
      this.pending = null;
      clearTimeout(p.timer);
      p.resolve(pdu);
    }
  }

  private fail(e: Error): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    clearTimeout(p.timer);
    p.reject(e);
  }
}
