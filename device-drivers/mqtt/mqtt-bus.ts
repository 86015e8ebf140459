/**
 * The MQTT light bus (CONTRACTS.md §2) behind `LightBus`: modules are named by
 * module id. `light()` publishes `set` (QoS 1) carrying the job token and
 * resolves on the module's `ack` with that `seq`; an unacked `set` is sent
 * again (`retries`), then counted as a failure, and `offlineAfter` failures
 * mark the module offline. Last writer wins (docs/contract-extensions.md
 * "MQTT (§2)"): a newer state for a module replaces a
 * pending or retrying one at once and is published at once; re-sends carry
 * only the current state; a replaced command neither fails nor counts, and
 * its caller's promise resolves (there is nothing left for it to do).
 * Retained `status` and the module's last will say online/offline between
 * commands; a returning module (offline before, or a live `status` online:
 * it reconnected), and every reconnect to the broker, gets its wanted state
 * again at once. `button` presses pass the
 * shared job-token gate; stale and malformed ones are counted and dropped.
 * A status may announce the module's capabilities (contract-extensions.md
 * "MQTT"): they answer the capability query and are checked against the
 * zone's colours (common/capabilities.ts); until then the query says null.
 * Topics of modules this bus does not hold are ignored (several controllers
 * share one broker).
 *
 * Longer than 350 lines: the LightBus capabilities share the pending-command
 * table (ack, re-send, last writer wins) and the status handling; topics,
 * retained lookup, the link and the announced capabilities are separate files
 * already.
 */
import type { Color } from '../../config/colors.ts';
import { PicklineError } from '../../kernel/errors.ts';
import { AnnouncedCapabilities } from '../common/capabilities.ts';
import { copyCounters, countAttempt, newTally, type Tally } from '../common/counters.ts';
import { Emitter } from '../common/emitter.ts';
import { HealthTracker } from '../common/health.ts';
import { JobGate } from '../common/job-gate.ts';
import type { DriverLogger } from '../common/logger.ts';
import type {
  BusInfo,
  HealthChange,
  KeyEvent,
  LightState,
  ModuleAddress,
  ModuleCapabilities,
  ModuleCounters,
  ModuleIdentity,
  ModuleInfo,
  TechnicianBus,
  Unsubscribe,
} from '../types.ts';
import { type LinkOptionsSource, MqttLink } from './link.ts';
import {
  decodeAck,
  decodeButton,
  decodeStatus,
  encodeSet,
  MODULE_SUBSCRIPTIONS,
  parseModuleTopic,
  topic,
} from './topics.ts';

/** ticks of the health sweep per `healthIntervalMs` */
const SWEEP_SLICES = 10;

export interface MqttBusOptions {
  id: string;
  modules: string[];
  link: LinkOptionsSource;
  timeoutMs: number;
  retries: number;
  offlineAfter: number;
  healthIntervalMs: number;
  identifyMs: number;
  log: DriverLogger;
  /** the colours the site asks of a module (DriverContext `colorsFor`) */
  colorsFor?: (address: ModuleAddress) => readonly Color[];
}

/** One state on its way to a module, with the callers waiting for it. */
interface Delivery {
  state: LightState;
  payload: string;
  retries: number;
  waiters: { resolve: () => void; reject: (e: Error) => void }[];
}

interface Mod {
  id: string;
  counters: Tally;
  identity?: ModuleIdentity;
  /** the ack the current attempt waits for; done(false) ends the wait early */
  waiting: { seq: number; done: (ok: boolean) => void } | null;
  /** the state being delivered; a newer command replaces it (last writer wins) */
  pending: Delivery | null;
  /** a delivery loop runs for this module */
  delivering: boolean;
  lastPress?: string | number;
}

export class MqttLightBus implements TechnicianBus {
  readonly id: string;
  /** a newer command replaces a pending one at once: callers need not wait (LightOutput) */
  readonly lastWriterWins = true;
  readonly #mods = new Map<string, Mod>();
  readonly #counters = newTally();
  readonly #keys: Emitter<KeyEvent>;
  readonly #health: HealthTracker;
  readonly #gate: JobGate;
  readonly #link: MqttLink;
  readonly #caps: AnnouncedCapabilities;
  #open = false;
  #closed = false;
  #sweep: NodeJS.Timeout | null = null;
  #sweepAt = 0;
  readonly #unsubs: Unsubscribe[] = [];

  constructor(private readonly o: MqttBusOptions) {
    this.id = o.id;
    for (const m of o.modules)
      this.#mods.set(m, {
        id: m,
        counters: newTally(),
        waiting: null,
        pending: null,
        delivering: false,
      });
    this.#keys = new Emitter(o.log);
    this.#health = new HealthTracker({ bus: o.id, offlineAfter: o.offlineAfter, log: o.log });
    this.#gate = new JobGate({
      bus: o.id,
      jobToken: true,
      counters: this.#counters,
      countersOf: (a) => this.#mods.get(String(a))?.counters,
      log: o.log,
    });
    this.#caps = new AnnouncedCapabilities(o.id, o.colorsFor, o.log);
    this.#link = new MqttLink(
      o.link,
      o.log,
      (t, p, retained) => this.#message(t, p, retained),
      () => this.#up(),
    );
  }

  async start(): Promise<void> {
    if (this.#closed) throw new PicklineError('BUS_CLOSED', `${this.id}: stopped`);
    this.#unsubs.push(this.#health.onReturn((a) => this.#relight(String(a), 'module returned')));
    await this.#link.start();
    this.#sweep = setInterval(() => this.#probeIdle(), this.o.healthIntervalMs / SWEEP_SLICES);
    this.#sweep.unref?.();
  }

  async stop(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#open = false;
    if (this.#sweep) clearInterval(this.#sweep);
    for (const u of this.#unsubs.splice(0)) u();
    for (const m of this.#mods.values()) m.waiting?.done(false);
    await this.#link.stop();
  }

  light(address: ModuleAddress, state: LightState): Promise<void> {
    const m = this.#mod(address);
    if (!m) return Promise.reject(m === null ? this.#closedError() : this.#unknown(address));
    this.#gate.want(m.id, state);
    if (this.#health.of(m.id).online === false) {
      // nothing older may be re-sent meanwhile: the return sends this state
      this.#supersede(m);
      const msg = `${this.id}/${m.id} is offline; the state is sent when it is back`;
      return Promise.reject(new PicklineError('DEVICE_OFFLINE', msg));
    }
    return this.#command(m, state, this.o.retries);
  }

  clear(address: ModuleAddress): Promise<void> {
    const seq = this.#gate.wanted(address)?.seq ?? 0;
    return this.light(address, { mode: 'off', seq });
  }

  async identify(address: ModuleAddress, ms = this.o.identifyMs): Promise<void> {
    const m = this.#mod(address);
    if (!m) throw m === null ? this.#closedError() : this.#unknown(address);
    const before = this.#gate.wanted(m.id) ?? { mode: 'off' as const, seq: 0 };
    const flash: LightState =
      before.mode === 'off'
        ? { mode: 'fast', color: 'white', seq: before.seq }
        : { ...before, mode: 'fast' };
    await this.#command(m, flash, this.o.retries);
    await new Promise((r) => setTimeout(r, ms));
    // the job may have changed meanwhile: restore what is wanted now
    await this.#command(m, this.#gate.wanted(m.id) ?? before, this.o.retries);
  }

  onKey(listener: (e: KeyEvent) => void): Unsubscribe {
    return this.#keys.on(listener);
  }

  onHealth(listener: (e: HealthChange) => void): Unsubscribe {
    return this.#health.onHealth(listener);
  }

  capabilities(address: ModuleAddress): ModuleCapabilities | null {
    return this.#caps.of(address);
  }

  modules(): ModuleInfo[] {
    return [...this.#mods.values()].map((m) => {
      const h = this.#health.of(m.id);
      return {
        bus: this.id,
        address: m.id,
        online: h.online === true,
        state: this.#gate.wanted(m.id),
        lastSeenAt: h.lastSeenAt,
        lastError: h.lastError,
        ...(m.identity ? { identity: m.identity } : {}),
        ...this.#caps.info(m.id),
        counters: copyCounters(m.counters),
      };
    });
  }

  info(): BusInfo {
    let online = 0;
    let queue = 0;
    for (const m of this.#mods.values()) {
      if (this.#health.of(m.id).online === true) online++;
      queue += m.pending?.waiters.length ?? 0;
    }
    return {
      id: this.id,
      transport: 'mqtt',
      endpoint: this.#link.description,
      open: this.#open && this.#link.up,
      queueDepth: queue,
      counters: copyCounters(this.#counters),
      modules: this.#mods.size,
      online,
      capabilityMismatches: this.#caps.mismatches,
    };
  }

  /** undefined: not on this bus; null: the bus is stopped. */
  #mod(address: ModuleAddress): Mod | null | undefined {
    if (this.#closed) return null;
    return typeof address === 'string' ? this.#mods.get(address) : undefined;
  }

  #closedError(): PicklineError {
    return new PicklineError('BUS_CLOSED', `${this.id}: the bus is stopped`);
  }

  #unknown(address: ModuleAddress): PicklineError {
    return new PicklineError('MODULE_NOT_FOUND', `${this.id}: no module ${address}`);
  }

  /**
   * Makes `state` the one to deliver to `m` (last writer wins): a pending
   * delivery of another state is dropped (its callers resolve) and the new
   * one is published at once; the same state again joins the pending
   * delivery but is published at once too (a returning module).
   */
  #command(m: Mod, state: LightState, retries: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const payload = encodeSet(state);
      const old = m.pending;
      const same = old?.payload === payload ? old.waiters : [];
      if (old && !same.length) this.#supersede(m);
      m.pending = { state, payload, retries, waiters: [...same, { resolve, reject }] };
      m.waiting?.done(false);
      if (!m.delivering) void this.#deliver(m);
    });
  }

  /** Drops the pending delivery of `m`: its callers resolve, its attempt stops, nothing is counted. */
  #supersede(m: Mod): void {
    const old = m.pending;
    m.pending = null;
    m.waiting?.done(false);
    for (const w of old?.waiters ?? []) w.resolve();
  }

  /** Delivers the pending state of `m` until none is left (one loop per module). */
  async #deliver(m: Mod): Promise<void> {
    m.delivering = true;
    try {
      while (m.pending) {
        const p = m.pending;
        const err = await this.#attempts(m, p);
        // replaced while it ran: the newer state goes next, this one neither failed nor succeeded
        if (m.pending !== p) continue;
        m.pending = null;
        for (const w of p.waiters) {
          if (err) w.reject(err);
          else w.resolve();
        }
      }
    } finally {
      m.delivering = false;
    }
  }

  /**
   * Publishes `set` and waits for its ack, re-sending up to `retries` times;
   * null on the ack or when a newer state replaced this one meanwhile. Only a
   * failure of the state still wanted counts against the module's health.
   */
  async #attempts(m: Mod, p: Delivery): Promise<PicklineError | null> {
    let err: PicklineError | null = null;
    for (let attempt = 0; attempt <= p.retries; attempt++) {
      if (this.#closed) return this.#closedError();
      if (!this.#link.up) return new PicklineError('BUS_IO', `${this.id}: mqtt broker unreachable`);
      const t0 = performance.now();
      const acked = this.#awaitAck(m, p.state.seq);
      this.#link.publish(topic.set(m.id), p.payload).catch(() => {});
      const ok = await acked;
      if (this.#closed) return this.#closedError();
      if (!ok && m.pending !== p) return null;
      err = ok
        ? null
        : new PicklineError(
            'DEVICE_TIMEOUT',
            `${this.id}/${m.id}: no ack within ${this.o.timeoutMs} ms`,
          );
      countAttempt(m.counters, performance.now() - t0, err);
      countAttempt(this.#counters, performance.now() - t0, err);
      if (ok) {
        this.#health.answered(m.id);
        return null;
      }
    }
    if (err) this.#health.failed(m.id, err);
    return err;
  }

  #awaitAck(m: Mod, seq: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(false), this.o.timeoutMs);
      const finish = (ok: boolean) => {
        clearTimeout(timer);
        if (m.waiting === w) m.waiting = null;
        resolve(ok);
      };
      const w = { seq, done: finish };
      m.waiting = w;
    });
  }

  #up(): void {
    this.#open = !this.#closed;
    this.#link
      .subscribe(MODULE_SUBSCRIPTIONS)
      .then(() => {
        // a reconnect: the broker or the modules may have lost what they showed
        for (const m of this.#mods.values())
          if (this.#gate.wanted(m.id)) this.#relight(m.id, 'broker connection up');
      })
      .catch((e) => this.o.log.warn({ err: (e as Error).message }, 'mqtt subscribe failed'));
  }

  #relight(id: string, why: string): void {
    const m = this.#mods.get(id);
    const w = this.#gate.wanted(id);
    if (!m || !w || this.#closed) return;
    this.o.log.debug({ address: id, why }, 're-sending wanted state');
    this.#command(m, w, this.o.retries).catch(() => {});
  }

  /**
   * Health check, one slice per tick (SWEEP_SLICES ticks per interval, so
   * thousands of modules are never probed in one burst): a module not heard
   * from within `healthIntervalMs` and not busy gets its wanted state again,
   * one try. A silent module fails it; a returning one answers it.
   */
  #probeIdle(): void {
    if (!this.#link.up) return;
    const stale = Date.now() - this.o.healthIntervalMs;
    const all = [...this.#mods.values()];
    const slice = Math.ceil(all.length / SWEEP_SLICES);
    for (let i = 0; i < slice && all.length > 0; i++) {
      const m = all[this.#sweepAt++ % all.length];
      const h = this.#health.of(m.id);
      if (m.pending || (h.lastSeenAt ?? 0) > stale) continue;
      const w = this.#gate.wanted(m.id) ?? { mode: 'off' as const, seq: 0 };
      this.#command(m, w, 0).catch(() => {});
    }
  }

  /** `retained`: replayed by the broker at subscribe, not sent just now. */
  #message(t: string, payload: Buffer, retained: boolean): void {
    const p = parseModuleTopic(t);
    const m = p ? this.#mods.get(p.id) : undefined;
    if (!p || !m || this.#closed) return;
    if (p.kind === 'ack') {
      const a = decodeAck(payload);
      if (!a) {
        this.#malformed(m, 'ack');
        return;
      }
      if (m.waiting && m.waiting.seq === a.seq) m.waiting.done(true);
    } else if (p.kind === 'status') {
      const s = decodeStatus(payload);
      if (!s) {
        this.#malformed(m, 'status');
        return;
      }
      if (s.model || s.fw) m.identity = { model: s.model, fw: s.fw };
      if (s.capabilities === null) this.#malformed(m, 'status capabilities');
      else if (s.capabilities) this.#caps.announce(m.id, s.capabilities);
      if (s.online) {
        const wasOnline = this.#health.of(m.id).online === true;
        // offline before: the return listener re-lights it
        this.#health.answered(m.id);
        // a live "online" from a module thought online: it reconnected and may show nothing
        if (wasOnline && !retained) this.#relight(m.id, 'module reconnected');
      } else this.#health.down(m.id, 'module reported offline (status or last will)');
    } else if (p.kind === 'button') {
      const b = decodeButton(payload);
      if (!b) {
        this.#gate.drop(m.id, 1);
        this.#malformed(m, 'button');
        return;
      }
      if (b.id !== undefined && b.id === m.lastPress) {
        this.o.log.debug({ address: m.id, id: b.id }, 'duplicate press dropped');
        return;
      }
      if (b.id !== undefined) m.lastPress = b.id;
      this.#health.answered(m.id);
      const e = this.#gate.admit(m.id, b);
      if (e) this.#keys.emit(e);
    }
  }

  #malformed(m: Mod, kind: string): void {
    this.o.log.warn({ address: m.id, kind }, 'malformed mqtt payload dropped');
  }
}
