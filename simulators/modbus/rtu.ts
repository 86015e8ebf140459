/**
 * Modbus RTU slave side of a serial line (a real RS-485 adapter or one end of
 * a socat pty pair), answering for every module of a bank.
 *
 * Frames: see rtu-framer.ts. A CRC-failed or malformed request is counted and
 * dropped without reply (MODBUS over Serial Line v1.02 §2.4.1).
 * Timing: with `emulateWireTime`, replies are held back by the bus model of
 * wire-time.ts (HARDWARE.md "Modbus RTU timing"), so a master on a pty sees
 * the latency of a real bus at `baudRate`; `responseDelayMs` adds module
 * processing time (HARDWARE.md: real modules take 5–60 ms).
 */
import { SerialPort } from 'serialport';
import { PicklineError } from '../../kernel/errors.ts';
import type { ModuleBank } from './bank.ts';
import { rtuFrame } from './crc.ts';
import { RtuFramer } from './rtu-framer.ts';
import { BusClock, t35Ms } from './wire-time.ts';

export interface ModbusRtuSimulatorOptions {
  path: string;
  baudRate?: number;
  parity?: 'none' | 'even' | 'odd';
  emulateWireTime?: boolean;
  responseDelayMs?: number;
  /** Silence after which a partial frame is ended (default max(t3.5, 10 ms): a pty blurs timing). */
  frameTimeoutMs?: number;
}

export interface RtuCounters {
  /** well-formed frames received, for any unit */
  requests: number;
  replies: number;
  exceptions: number;
  crcErrors: number;
  /** frames discarded: CRC failure, incomplete, oversize */
  dropped: number;
  /** requests that by bus rules got no reply: broadcast, unknown unit, silent module */
  noReply: number;
}

export class ModbusRtuSimulator {
  readonly counters: RtuCounters = {
    requests: 0,
    replies: 0,
    exceptions: 0,
    crcErrors: 0,
    dropped: 0,
    noReply: 0,
  };
  lastError: Error | null = null;
  private readonly bank: ModuleBank;
  private readonly opts: Required<Omit<ModbusRtuSimulatorOptions, 'frameTimeoutMs'>> & {
    frameTimeoutMs: number;
  };
  private port: SerialPort | null = null;
  private framer = new RtuFramer();
  private clock: BusClock;
  private idleTimer: NodeJS.Timeout | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(bank: ModuleBank, opts: ModbusRtuSimulatorOptions) {
    this.bank = bank;
    const baudRate = opts.baudRate ?? 19200;
    this.opts = {
      path: opts.path,
      baudRate,
      parity: opts.parity ?? 'none',
      emulateWireTime: opts.emulateWireTime ?? false,
      responseDelayMs: opts.responseDelayMs ?? 0,
      frameTimeoutMs: opts.frameTimeoutMs ?? Math.max(t35Ms(baudRate), 10),
    };
    this.clock = new BusClock(baudRate);
  }

  async start(): Promise<void> {
    if (this.port) return;
    const { path, baudRate, parity } = this.opts;
    const port = new SerialPort({
      path,
      baudRate,
      parity,
      dataBits: 8,
      stopBits: 1,
      autoOpen: false,
    });
    await new Promise<void>((resolve, reject) =>
      port.open((err) =>
        err
          ? reject(new PicklineError('BUS_IO', `cannot open ${path}: ${err.message}`, [], err))
          : resolve(),
      ),
    );
    this.port = port;
    this.framer = new RtuFramer();
    this.clock = new BusClock(baudRate);
    port.on('data', (chunk: Buffer) => this.onData(chunk));
    port.on('error', (err: Error) => {
      this.lastError = err;
    });
  }

  async stop(): Promise<void> {
    const port = this.port;
    this.port = null;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (!port) return;
    port.removeAllListeners('data');
    if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  private onData(chunk: Buffer): void {
    const now = performance.now();
    for (const ev of this.framer.push(chunk, now)) this.onEvent(ev, now);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    if (this.framer.pending > 0) {
      this.idleTimer = setTimeout(() => {
        this.idleTimer = null;
        for (const ev of this.framer.idle()) this.onEvent(ev, performance.now());
      }, this.opts.frameTimeoutMs);
    }
  }

  private onEvent(ev: ReturnType<RtuFramer['idle']>[number], now: number): void {
    if (ev.kind === 'crc-error') {
      this.counters.crcErrors++;
      this.counters.dropped++;
      return;
    }
    if (ev.kind === 'dropped') {
      this.counters.dropped++;
      return;
    }
    this.counters.requests++;
    const res = this.bank.handle(ev.unit, ev.pdu);
    const emulate = this.opts.emulateWireTime;
    if (res.kind === 'none') {
      this.counters.noReply++;
      if (emulate) this.clock.noReply(ev.arrivedAt, ev.bytes);
      return;
    }
    if (res.exception) this.counters.exceptions++;
    const frame = rtuFrame(ev.unit, res.pdu);
    if (res.corrupt) frame[frame.length - 1] ^= 0xa5; // bad-crc fault: damage the CRC high byte
    const processing = this.opts.responseDelayMs + res.delayMs;
    const at = emulate
      ? this.clock.reply(ev.arrivedAt, ev.bytes, frame.length, processing)
      : now + processing;
    this.sendAt(at, frame);
  }

  /** Writes `frame` no earlier than `at` (Node timers may fire early by a fraction of a ms). */
  private sendAt(at: number, frame: Buffer): void {
    if (at <= performance.now()) {
      this.port?.write(frame);
      this.counters.replies++;
      return;
    }
    const tick = () => {
      this.timers.delete(timer);
      const port = this.port;
      if (!port) return;
      const left = at - performance.now();
      if (left > 0) {
        timer = setTimeout(tick, Math.ceil(left));
        this.timers.add(timer);
        return;
      }
      port.write(frame);
      this.counters.replies++;
    };
    let timer = setTimeout(tick, Math.max(0, Math.ceil(at - performance.now())));
    this.timers.add(timer);
  }
}
