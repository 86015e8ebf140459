/**
 * Byte links a Modbus transport runs over: a serial port (RS-485 adapter) or a
 * TCP socket (Modbus TCP device or RTU gateway). STYLE.md: the hardware surface
 * is one small interface; third-party errors become PicklineError('BUS_IO') here.
 */
import { Socket } from 'node:net';
import { SerialPort } from 'serialport';
import { PicklineError, toError } from '../../../kernel/errors.ts';

export interface Link {
  readonly description: string;
  /** Rejects with BUS_IO. */
  open(): Promise<void>;
  /** Resolves once the bytes were handed to the OS (serial: after tcdrain). */
  write(data: Buffer): Promise<void>;
  /** Idempotent. */
  close(): Promise<void>;
  onData(listener: (chunk: Buffer) => void): void;
  /** Called when the link drops by itself (cable, peer); not after close(). */
  onDrop(listener: (err: Error) => void): void;
}

const io = (what: string, e: unknown) =>
  new PicklineError('BUS_IO', `${what}: ${toError(e).message}`, [], toError(e));

export interface SerialOptions {
  path: string;
  baudRate: number;
  parity: 'none' | 'even' | 'odd';
  dataBits: 7 | 8;
  stopBits: 1 | 2;
}

export class SerialLink implements Link {
  readonly description: string;
  private port: SerialPort | null = null;
  private data: (chunk: Buffer) => void = () => {};
  private drop: (err: Error) => void = () => {};

  constructor(private readonly opts: SerialOptions) {
    this.description = `${opts.path}@${opts.baudRate}`;
  }

  onData(l: (chunk: Buffer) => void): void {
    this.data = l;
  }
  onDrop(l: (err: Error) => void): void {
    this.drop = l;
  }

  open(): Promise<void> {
    const port = new SerialPort({ ...this.opts, autoOpen: false });
    return new Promise((resolve, reject) => {
      port.open((err) => {
        if (err) return reject(io(`open ${this.opts.path}`, err));
        this.port = port;
        port.on('data', (c: Buffer) => this.data(c));
        port.on('error', () => {}); // surfaced through 'close' or a failed write
        port.on('close', (e: unknown) => {
          if (this.port !== port) return;
          this.port = null;
          this.drop(io(`${this.opts.path} closed`, e ?? 'closed'));
        });
        resolve();
      });
    });
  }

  write(data: Buffer): Promise<void> {
    const port = this.port;
    if (!port) return Promise.reject(new PicklineError('BUS_IO', `${this.opts.path} is not open`));
    return new Promise((resolve, reject) => {
      port.write(data, (err) => {
        if (err) return reject(io(`write ${this.opts.path}`, err));
        port.drain((e) => (e ? reject(io(`drain ${this.opts.path}`, e)) : resolve()));
      });
    });
  }

  close(): Promise<void> {
    const port = this.port;
    this.port = null;
    if (!port?.isOpen) return Promise.resolve();
    return new Promise((resolve) => port.close(() => resolve()));
  }
}

export class TcpLink implements Link {
  readonly description: string;
  private sock: Socket | null = null;
  private data: (chunk: Buffer) => void = () => {};
  private drop: (err: Error) => void = () => {};

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly connectTimeoutMs: number,
  ) {
    this.description = `tcp://${host}:${port}`;
  }

  onData(l: (chunk: Buffer) => void): void {
    this.data = l;
  }
  onDrop(l: (err: Error) => void): void {
    this.drop = l;
  }

  open(): Promise<void> {
    const sock = new Socket();
    return new Promise((resolve, reject) => {
      const fail = (e: unknown) => {
        clearTimeout(timer);
        sock.destroy();
        reject(io(`connect ${this.description}`, e));
      };
      const timer = setTimeout(() => fail('connect timeout'), this.connectTimeoutMs);
      sock.once('error', fail);
      sock.connect(this.port, this.host, () => {
        clearTimeout(timer);
        sock.off('error', fail);
        sock.setNoDelay(true);
        sock.setKeepAlive(true, 5000);
        this.sock = sock;
        sock.on('data', (c) => this.data(c));
        sock.on('error', () => {}); // followed by 'close'
        sock.on('close', () => {
          if (this.sock !== sock) return;
          this.sock = null;
          this.drop(new PicklineError('BUS_IO', `${this.description} connection lost`));
        });
        resolve();
      });
    });
  }

  write(data: Buffer): Promise<void> {
    const sock = this.sock;
    if (!sock)
      return Promise.reject(new PicklineError('BUS_IO', `${this.description} not connected`));
    return new Promise((resolve, reject) => {
      sock.write(data, (err) => (err ? reject(io(`write ${this.description}`, err)) : resolve()));
    });
  }

  close(): Promise<void> {
    const sock = this.sock;
    this.sock = null;
    if (!sock) return Promise.resolve();
    if (sock.closed) return Promise.resolve();
    return new Promise((resolve) => {
      sock.once('close', () => resolve());
      sock.destroy();
    });
  }
}
