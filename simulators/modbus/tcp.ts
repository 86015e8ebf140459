/**
 * Modbus TCP server (MBAP framing, "MODBUS Messaging on TCP/IP Implementation
 * Guide V1.0b" §3.1.3) in front of a module bank, like an RS-485 gateway: the
 * MBAP unit id selects the module; unknown units and broadcasts (unit 0) get
 * no reply, as on the bus behind a gateway.
 *
 * MBAP header: transaction id (2), protocol id (2, must be 0), length (2,
 * = unit id + PDU bytes), unit id (1). A frame with a wrong protocol id is
 * dropped; an impossible length (< 2 or > 254) desynchronises the stream, so
 * the connection is closed (Implementation Guide §4.4.1.2 allows either).
 *
 * Faults: `bad-crc` (TCP has no CRC) sends a garbled reply — the PDU is cut
 * short by one byte with a consistent MBAP length, so any client's length check
 * fails while the stream stays in sync; `slow` delays the reply; `silence`
 * sends nothing.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { PicklineError } from '../../kernel/errors.ts';
import type { ModuleBank } from './bank.ts';

export interface ModbusTcpSimulatorOptions {
  host?: string;
  /** 0 (default) = an ephemeral port */
  port?: number;
}

export interface TcpCounters {
  connections: number;
  requests: number;
  replies: number;
  exceptions: number;
  /** always 0 on TCP; present so RTU and TCP counters share a shape */
  crcErrors: number;
  /** frames discarded: bad protocol id or impossible MBAP length */
  dropped: number;
  /** broadcast, unknown unit, silent module */
  noReply: number;
}

export class ModbusTcpSimulator {
  readonly counters: TcpCounters = {
    connections: 0,
    requests: 0,
    replies: 0,
    exceptions: 0,
    crcErrors: 0,
    dropped: 0,
    noReply: 0,
  };
  private readonly bank: ModuleBank;
  private readonly host: string;
  private readonly port: number;
  private server: Server | null = null;
  private address: { host: string; port: number } | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(bank: ModuleBank, opts: ModbusTcpSimulatorOptions = {}) {
    this.bank = bank;
    this.host = opts.host ?? '127.0.0.1';
    this.port = opts.port ?? 0;
  }

  async start(): Promise<{ host: string; port: number }> {
    if (this.address) return this.address;
    const server = createServer((s) => this.onConnection(s));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e) =>
        reject(
          new PicklineError(
            'BUS_IO',
            `cannot listen on ${this.host}:${this.port}: ${e.message}`,
            [],
            e,
          ),
        ),
      );
      server.listen(this.port, this.host, () => resolve());
    });
    const addr = server.address();
    if (!addr || typeof addr === 'string')
      throw new PicklineError('BUS_IO', 'server has no TCP address');
    this.server = server;
    this.address = { host: this.host, port: addr.port };
    return this.address;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.address = null;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private onConnection(socket: Socket): void {
    this.counters.connections++;
    this.sockets.add(socket);
    socket.setNoDelay(true);
    let buf: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      while (buf.length >= 7) {
        const len = buf.readUInt16BE(4);
        if (len < 2 || len > 254) {
          this.counters.dropped++;
          socket.destroy();
          return;
        }
        if (buf.length < 6 + len) break;
        const frame = buf.subarray(0, 6 + len);
        buf = buf.subarray(6 + len);
        this.onFrame(socket, frame);
      }
    });
    socket.on('error', () => {}); // a client resetting the connection is not our failure
    socket.on('close', () => this.sockets.delete(socket));
  }

  private onFrame(socket: Socket, frame: Buffer): void {
    if (frame.readUInt16BE(2) !== 0) {
      this.counters.dropped++;
      return;
    }
    this.counters.requests++;
    const unit = frame[6];
    const res = this.bank.handle(unit, Buffer.from(frame.subarray(7)));
    if (res.kind === 'none') {
      this.counters.noReply++;
      return;
    }
    if (res.exception) this.counters.exceptions++;
    const pdu = res.corrupt ? res.pdu.subarray(0, res.pdu.length - 1) : res.pdu;
    const out = Buffer.alloc(7 + pdu.length);
    frame.copy(out, 0, 0, 4); // transaction id + protocol id
    out.writeUInt16BE(pdu.length + 1, 4);
    out[6] = unit;
    pdu.copy(out, 7);
    const send = () => {
      if (socket.destroyed) return;
      socket.write(out);
      this.counters.replies++;
    };
    if (res.delayMs <= 0) {
      send();
      return;
    }
    const t = setTimeout(() => {
      this.timers.delete(t);
      send();
    }, res.delayMs);
    this.timers.add(t);
  }
}
