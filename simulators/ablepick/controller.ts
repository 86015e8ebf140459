/**
 * An AT500-like ABLEPick controller on TCP (HARDWARE.md "Atop ABLEPick"): the
 * host sends length-prefixed frames, MSG_TYPE 0x60/0x61 selecting field port
 * 1/2, and the controller pushes tag events unasked. Written from the notes,
 * independently of the driver's codec (simulators know only config).
 *
 * Behaviour the driver relies on, as this simulator implements it:
 * - frames are handled in arrival order, replies written in that order;
 * - a command to a tag that is absent, silent or beyond the polling range is
 *   answered with 0x0A (tag timed out); a malfunctioning tag answers 0x0B; an
 *   unknown sub-command gets 0x0C (illegal command);
 * - 0x09 answers with DATA = 00 00 00 + a bitmap of tags 1..N (N = polling
 *   range rounded up to a byte), bit clear = connected;
 * - a key press sends 0x06/0x07 with the six display characters and a 0x00;
 *   a disabled key sends 0x0D (keys locked);
 * - 0x3A offers a tag (or every tag, SUB_NODE 0xFC) a new address: the tag
 *   shows old-new flashing until its key is pressed, then takes the address
 *   and sends 0x64 with SUB_NODE = the new address and DATA = the old one.
 * Faults: `tag(n).fault` silent/malfunction, `garble(bytes)` writes raw bytes
 * to the host, `dropConnections()` closes every host connection, `hang(true)`
 * keeps the connections open but reads and answers nothing (a controller
 * whose firmware stalled) until `hang(false)`: frames meanwhile are dropped
 * unanswered (`counters.ignored`) and key presses are not reported.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { SimTag } from './tag.ts';

export type SimPort = 1 | 2;
const TYPE: Record<SimPort, number> = { 1: 0x60, 2: 0x61 };
const BROADCAST = 0xfc;

export interface AblePickSimulatorOptions {
  host?: string;
  /** 0 (default) = ephemeral */
  port?: number;
  /** tag addresses per field port */
  tags: Partial<Record<SimPort, number[]>>;
  /** highest tag polled per port until the host sets it (default 200) */
  pollingRange?: number;
}

export interface AblePickCounters {
  connections: number;
  frames: number;
  /** bytes skipped because they did not start a well-formed frame */
  skipped: number;
  events: number;
  /** frames received while hung, dropped without an answer */
  ignored: number;
}

export class AblePickSimulator {
  readonly counters: AblePickCounters = {
    connections: 0,
    frames: 0,
    skipped: 0,
    events: 0,
    ignored: 0,
  };
  readonly range: Record<SimPort, number>;
  readonly options: AblePickSimulatorOptions;
  private readonly tags: Record<SimPort, Map<number, SimTag>> = { 1: new Map(), 2: new Map() };
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  #hung = false;

  constructor(private readonly o: AblePickSimulatorOptions) {
    this.options = o;
    for (const p of [1, 2] as const)
      for (const a of o.tags[p] ?? []) this.tags[p].set(a, new SimTag(a));
    this.range = { 1: o.pollingRange ?? 200, 2: o.pollingRange ?? 200 };
  }

  async start(): Promise<{ host: string; port: number }> {
    const server = createServer((s) => this.accept(s));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.port ?? 0, this.o.host ?? '127.0.0.1', () => resolve());
    });
    const a = server.address() as { address: string; port: number };
    return { host: a.address, port: a.port };
  }

  async stop(): Promise<void> {
    this.dropConnections();
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }

  /** The tag currently at `address` on `port`. */
  tag(address: number, port: SimPort = 1): SimTag {
    const t = this.tags[port].get(address);
    if (!t) throw new Error(`no tag ${address} on port ${port}`);
    return t;
  }

  has(address: number, port: SimPort = 1): boolean {
    return this.tags[port].has(address);
  }

  /** A picker presses a key. Returns false when the controller would not see it. */
  press(address: number, key: 'confirm' | 'short', port: SimPort = 1): boolean {
    const t = this.tag(address, port);
    if (this.#hung || !this.reachable(t, port)) return false;
    if (t.offered !== null) {
      const old = t.address;
      this.tags[port].delete(old);
      t.address = t.offered;
      t.offered = null;
      t.clear();
      this.tags[port].set(t.address, t);
      this.emit(port, 0x64, t.address, [old]);
      return true;
    }
    if (!(key === 'confirm' ? t.confirmKey : t.shortKey)) {
      this.emit(port, 0x0d, address, []);
      return true;
    }
    const text = Buffer.from(t.look.text.slice(-6), 'latin1');
    const chars = [...Buffer.alloc(6 - text.length), ...text, 0x00];
    this.emit(port, key === 'confirm' ? 0x06 : 0x07, address, chars);
    return true;
  }

  /** Raw bytes to every host connection (malformed frames, garbage). */
  garble(bytes: Uint8Array): void {
    for (const s of this.sockets) s.write(bytes);
  }

  /**
   * `true`: stay connected and answer nothing (frames are dropped, presses
   * are not reported) until `hang(false)`; what was dropped is not answered later.
   */
  hang(on: boolean): void {
    this.#hung = on;
  }

  get hung(): boolean {
    return this.#hung;
  }

  dropConnections(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  get connections(): number {
    return this.sockets.size;
  }

  private reachable(t: SimTag, port: SimPort): boolean {
    return t.fault !== 'silent' && t.address <= this.range[port];
  }

  private accept(s: Socket): void {
    this.counters.connections++;
    this.sockets.add(s);
    s.setNoDelay(true);
    let buf = Buffer.alloc(0);
    s.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      let i = 0;
      while (buf.length - i >= 8) {
        const len = buf.readUInt16LE(i);
        const port = buf[i + 2] === 0x60 ? 1 : buf[i + 2] === 0x61 ? 2 : 0;
        if (len < 8 || len > 64 || port === 0 || buf[i + 3] | buf[i + 4] | buf[i + 5]) {
          i++;
          this.counters.skipped++;
          continue;
        }
        if (buf.length - i < len) break;
        this.counters.frames++;
        if (this.#hung) this.counters.ignored++;
        else this.handle(port, buf[i + 6], buf[i + 7], buf.subarray(i + 8, i + len));
        i += len;
      }
      buf = buf.subarray(i);
    });
    s.on('error', () => {});
    s.on('close', () => this.sockets.delete(s));
  }

  private emit(port: SimPort, sub: number, node: number, data: number[]): void {
    const len = 8 + data.length;
    const f = Buffer.from([len & 0xff, len >> 8, TYPE[port], 0, 0, 0, sub, node, ...data]);
    this.counters.events++;
    for (const s of this.sockets) s.write(f);
  }

  private handle(port: SimPort, sub: number, node: number, data: Buffer): void {
    if (sub === 0x08) {
      this.range[port] = Math.min(node, 200);
      return;
    }
    if (sub === 0x09) {
      const n = Math.ceil(Math.max(this.range[port], 1) / 8);
      const bitmap = Buffer.alloc(n, 0xff);
      for (const t of this.tags[port].values()) {
        if (this.reachable(t, port) && t.address <= n * 8) {
          bitmap[(t.address - 1) >> 3] &= ~(1 << ((t.address - 1) & 7));
        }
      }
      this.emit(port, 0x09, BROADCAST, [0, 0, 0, ...bitmap]);
      return;
    }
    const targets =
      node === BROADCAST ? [...this.tags[port].values()] : [this.tags[port].get(node)];
    for (const t of targets) {
      if (!t || !this.reachable(t, port)) {
        if (node !== BROADCAST) this.emit(port, 0x0a, node, []);
        continue;
      }
      if (t.fault === 'malfunction') {
        this.emit(port, 0x0b, t.address, []);
        continue;
      }
      if (!this.apply(t, port, sub, data)) this.emit(port, 0x0c, t.address, []);
    }
  }

  /** One sub-command on one tag; false when the tag does not know it. */
  private apply(t: SimTag, port: SimPort, sub: number, data: Buffer): boolean {
    switch (sub) {
      case 0x00:
      case 0x10:
        t.show(data.subarray(0, 6).toString('latin1').replace(/^\0+/, ''), sub === 0x10);
        return true;
      case 0x01:
        t.clear();
        return true;
      case 0x02:
      case 0x03:
        t.look = { ...t.look, led: sub === 0x02, flash: false };
        return true;
      case 0x04:
      case 0x05:
        t.look = { ...t.look, buzzer: sub === 0x04 };
        return true;
      case 0x11:
        t.look = { ...t.look, led: true, flash: true };
        return true;
      case 0x12:
        t.look = { ...t.look, interval: data[1] ?? 0x04 };
        return true;
      case 0x13:
        t.show(String(t.address), false);
        return true;
      case 0x15:
      case 0x16:
        t.shortKey = sub === 0x16;
        return true;
      case 0x1b:
      case 0x1c:
        t.confirmKey = sub === 0x1c;
        return true;
      case 0x17:
      case 0x18:
        this.press(t.address, sub === 0x17 ? 'confirm' : 'short', port);
        return true;
      case 0x1f:
        if (data.length < 2) return false;
        if (data[0] === 0x00) t.look = { ...t.look, color: data[1] };
        else t.settings.set(data[0], data[1]);
        return true;
      case 0x3a: {
        const to = data.at(-1);
        if (data.length < 1 || to === undefined || to < 1 || to > 200) return false;
        t.offer(to);
        return true;
      }
      default:
        return false;
    }
  }
}
