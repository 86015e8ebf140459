/**
 * A simulated WMS webhook receiver (CONTRACTS.md §1 "Events to the WMS"): it
 * checks `X-Pickline-Signature` against its own HMAC-SHA256 of the raw body
 * (401 when wrong), dedupes by `eventId` as a receiver must (a duplicate is
 * answered 200 and counted), and records accepted events in arrival order.
 *
 * Fault modes: `down-503` answers 503; `down-refuse` closes the listener (and
 * every open connection) so connections are refused, `up` listens again on the
 * same port; `slow` records the event, then answers 200 after `ms`;
 * `failNext(n)` answers 500 to the next n requests.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export type WmsMode = 'up' | 'down-503' | 'down-refuse' | 'slow';

export interface WmsSimulatorOptions {
  secret: string;
  host?: string;
  /** 0 (default) = an ephemeral port */
  port?: number;
  /** larger bodies get 413; default 1 MiB */
  bodyLimit?: number;
}

export interface ReceivedEvent {
  eventId: string;
  seq: number;
  type: string;
  occurredAt: string;
  data: Record<string, unknown>;
  /** request headers, lower-case names */
  headers: Record<string, string>;
  /** the body exactly as received (UTF-8) */
  raw: string;
  receivedAt: number;
}

export interface WmsCounters {
  /** every request, including faulted and rejected ones */
  requests: number;
  accepted: number;
  duplicates: number;
  badSignatures: number;
  /** 400/405/413: not a well-formed event POST */
  malformed: number;
  /** answered 500/503 by a fault mode */
  faulted: number;
  /** a new event whose seq is not above the last accepted one */
  outOfOrder: number;
  /** most requests open at the same time (1 for an in-order sender) */
  maxInFlight: number;
}

export class WmsSimulator {
  readonly counters: WmsCounters = {
    requests: 0,
    accepted: 0,
    duplicates: 0,
    badSignatures: 0,
    malformed: 0,
    faulted: 0,
    outOfOrder: 0,
    maxInFlight: 0,
  };
  /** accepted events, first delivery of each eventId, in arrival order */
  readonly events: ReceivedEvent[] = [];
  readonly #secret: string;
  readonly #host: string;
  readonly #bodyLimit: number;
  #port: number;
  #server: Server | null = null;
  #started = false;
  #mode: WmsMode = 'up';
  #slowMs = 0;
  #failNext = 0;
  #inFlight = 0;
  readonly #seen = new Set<string>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #waiters = new Set<() => void>();
  readonly #listeners = new Set<(e: ReceivedEvent) => void>();

  constructor(opts: WmsSimulatorOptions) {
    this.#secret = opts.secret;
    this.#host = opts.host ?? '127.0.0.1';
    this.#port = opts.port ?? 0;
    this.#bodyLimit = opts.bodyLimit ?? 1024 * 1024;
  }

  get url(): string {
    return `http://${this.#host}:${this.#port}/pickline/events`;
  }

  get mode(): WmsMode {
    return this.#mode;
  }

  async start(): Promise<{ url: string }> {
    if (!this.#started) {
      this.#started = true;
      if (this.#mode !== 'down-refuse') await this.#listen();
    }
    return { url: this.url };
  }

  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    await this.#close();
    for (const w of [...this.#waiters]) w();
  }

  /** `ms` is the answer delay of `slow`. Resolves once the listener is open or closed. */
  async setMode(mode: WmsMode, ms = 1000): Promise<void> {
    this.#mode = mode;
    this.#slowMs = ms;
    if (!this.#started) return;
    if (mode === 'down-refuse') await this.#close();
    else if (!this.#server) await this.#listen();
  }

  /** The next `n` requests get 500 (after the mode's own faults). */
  failNext(n: number): void {
    this.#failNext = n;
  }

  onEvent(listener: (e: ReceivedEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves with the accepted events once there are at least `n`. */
  waitForEvents(n: number, timeoutMs: number): Promise<ReceivedEvent[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.events.length >= n) finish();
        else if (!this.#started) finish(new Error('WMS simulator stopped'));
      };
      const finish = (err?: Error) => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        if (err) reject(err);
        else resolve(this.events.slice());
      };
      const timer = setTimeout(
        () => finish(new Error(`WMS got ${this.events.length} of ${n} events in ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.#waiters.add(check);
      check();
    });
  }

  async #listen(): Promise<void> {
    const server = createServer((req, res) => this.#onRequest(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, this.#host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address();
    if (addr && typeof addr === 'object') this.#port = addr.port;
    this.#server = server;
  }

  async #close(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    this.counters.requests += 1;
    this.#inFlight += 1;
    this.counters.maxInFlight = Math.max(this.counters.maxInFlight, this.#inFlight);
    res.once('close', () => {
      this.#inFlight -= 1;
    });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= this.#bodyLimit) chunks.push(c);
    });
    req.on('end', () => this.#handle(req, Buffer.concat(chunks), size, res));
    req.on('error', () => res.destroy());
  }

  #handle(req: IncomingMessage, raw: Buffer, size: number, res: ServerResponse): void {
    const [status, body] = this.#judge(req, raw, size);
    const answer = () => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (status !== 200 || this.#mode !== 'slow') {
      answer();
      return;
    }
    const t = setTimeout(() => {
      this.#timers.delete(t);
      answer();
    }, this.#slowMs);
    this.#timers.add(t);
  }

  /** Fault modes first (a WMS that is down checks nothing), then the request. */
  #judge(req: IncomingMessage, raw: Buffer, size: number): [number, unknown] {
    if (this.#mode === 'down-503') {
      this.counters.faulted += 1;
      return [503, { error: 'WMS down (simulated)' }];
    }
    if (this.#failNext > 0) {
      this.#failNext -= 1;
      this.counters.faulted += 1;
      return [500, { error: 'injected failure' }];
    }
    if (req.method !== 'POST') return this.#malformed(405, 'POST only');
    if (size > this.#bodyLimit) return this.#malformed(413, 'body too large');
    if (!this.#signatureOk(raw, req.headers['x-pickline-signature'])) {
      this.counters.badSignatures += 1;
      return [401, { error: 'bad signature' }];
    }
    const h = req.headers;
    if (raw[0] === 0x5b) return this.#judgeBatch(raw, h);
    const e = parseEvent(raw);
    if (!e || h['x-pickline-event-id'] !== e.eventId || h['x-pickline-seq'] !== String(e.seq)) {
      return this.#malformed(400, 'not a Pickline event, or headers disagree with the body');
    }
    if (this.#seen.has(e.eventId)) {
      this.counters.duplicates += 1;
      return [200, { ok: true, duplicate: true }];
    }
    this.#accept({
      ...e,
      headers: flatHeaders(req),
      raw: raw.toString('utf8'),
      receivedAt: Date.now(),
    });
    return [200, { ok: true }];
  }

  /** Batch mode: a JSON array of events in seq order, its first and last seq in headers. */
  #judgeBatch(raw: Buffer, h: IncomingMessage['headers']): [number, unknown] {
    let list: unknown;
    try {
      list = JSON.parse(raw.toString('utf8'));
    } catch {
      list = null;
    }
    const events = Array.isArray(list)
      ? list.map((x) => parseEvent(Buffer.from(JSON.stringify(x))))
      : [];
    if (
      events.length === 0 ||
      events.some((e) => e === null) ||
      h['x-pickline-seq-first'] !== String(events[0]?.seq) ||
      h['x-pickline-seq-last'] !== String(events[events.length - 1]?.seq)
    ) {
      return this.#malformed(400, 'not a Pickline batch, or headers disagree with the body');
    }
    const at = Date.now();
    for (const e of events as NonNullable<ReturnType<typeof parseEvent>>[]) {
      if (this.#seen.has(e.eventId)) {
        this.counters.duplicates += 1;
        continue;
      }
      this.#accept({ ...e, headers: {}, raw: JSON.stringify(e), receivedAt: at });
    }
    return [200, { ok: true, events: events.length }];
  }

  #accept(e: ReceivedEvent): void {
    const last = this.events.at(-1);
    if (last && e.seq <= last.seq) this.counters.outOfOrder += 1;
    this.#seen.add(e.eventId);
    this.events.push(e);
    this.counters.accepted += 1;
    for (const l of this.#listeners) l(e);
    for (const w of [...this.#waiters]) w();
  }

  #malformed(status: number, error: string): [number, unknown] {
    this.counters.malformed += 1;
    return [status, { error }];
  }

  #signatureOk(raw: Buffer, header: string | string[] | undefined): boolean {
    if (typeof header !== 'string' || !header.startsWith('sha256=')) return false;
    const got = Buffer.from(header.slice(7), 'hex');
    const want = createHmac('sha256', this.#secret).update(raw).digest();
    return got.length === want.length && timingSafeEqual(got, want);
  }
}

function parseEvent(raw: Buffer): Omit<ReceivedEvent, 'headers' | 'raw' | 'receivedAt'> | null {
  try {
    const e = JSON.parse(raw.toString('utf8'));
    const ok =
      e &&
      typeof e.eventId === 'string' &&
      Number.isInteger(e.seq) &&
      typeof e.type === 'string' &&
      typeof e.occurredAt === 'string' &&
      e.data &&
      typeof e.data === 'object';
    return ok
      ? { eventId: e.eventId, seq: e.seq, type: e.type, occurredAt: e.occurredAt, data: e.data }
      : null;
  } catch {
    return null;
  }
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) out[k] = String(v);
  return out;
}
