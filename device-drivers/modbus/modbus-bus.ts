/**
 * A Modbus light bus (RTU or TCP) driven by a device profile.
 *
 * Job tokens (CONTRACTS.md §2/§4): the driver remembers the state it was last
 * asked to show per module. A key event is delivered only when that state is
 * lit and the event's job token equals its `seq` (for profiles without a token
 * the driver stamps the current `seq`); anything else is counted in
 * `staleEvents` and dropped.
 *
 * Health: a module is offline after `offlineAfter` consecutive failed
 * transactions (each after its retries) and online again as soon as it answers
 * anything, usually the health sweep. While offline, light()/clear() reject at
 * once with DEVICE_OFFLINE but the wanted state is remembered and re-sent when
 * the module answers again (it may have lost power). The first read after
 * start or after coming back only sets the event baseline.
 */
import { PicklineError } from '../../config/errors.ts';
import type { Profile } from '../../config/profile-schema.ts';
import type {
  BusInfo,
  HealthChange,
  Identify,
  IdentityReader,
  KeyEvent,
  LightBus,
  LightState,
  ModuleIdentity,
  ModuleInfo,
  Readdress,
  Unsubscribe,
} from '../types.ts';
import * as codec from './codec.ts';
import { copyCounters, countAttempt, emptyCounters } from './counters.ts';
import { type DriverLogger, ModuleRecord, silentLogger } from './module-record.ts';
import { PollPlanner } from './planner.ts';
import { BusScheduler, type IdleWork, PRIORITY, type Txn } from './scheduler.ts';
import type { ModbusTransport } from './transport.ts';

export interface ModbusBusOptions {
  id: string;
  /** shown in info(): modbus-rtu | modbus-tcp */
  transportName: string;
  profile: Profile;
  addresses: number[];
  transport: ModbusTransport;
  timeoutMs: number;
  retries: number;
  pollIntervalMs: number;
  healthIntervalMs: number;
  offlineAfter: number;
  /** recheck of a module that failed but is not offline yet; default min(500, healthIntervalMs) */
  suspectRecheckMs?: number;
  /** naive master: poll every module back to back (benchmarks) */
  pollAll?: boolean;
  /** default identify() duration */
  identifyMs?: number;
  logger?: DriverLogger;
}

export class ModbusLightBus implements LightBus, Identify, Readdress, IdentityReader {
  readonly id: string;
  private readonly mods = new Map<number, ModuleRecord>();
  private readonly sorted: ModuleRecord[];
  private readonly keyListeners = new Set<(e: KeyEvent) => void>();
  private readonly healthListeners = new Set<(e: HealthChange) => void>();
  private readonly counters = emptyCounters();
  private readonly scheduler: BusScheduler;
  private readonly planner: PollPlanner;
  private readonly health: codec.HealthRead;
  private readonly poll: Txn['request'];
  private readonly log: DriverLogger;
  private readonly timers = new Set<NodeJS.Timeout>();
  private state: 'new' | 'started' | 'stopped' = 'new';

  constructor(private readonly o: ModbusBusOptions) {
    this.id = o.id;
    this.log = o.logger ?? silentLogger;
    for (const a of [...new Set(o.addresses)].sort((x, y) => x - y))
      this.mods.set(a, new ModuleRecord(a));
    this.sorted = [...this.mods.values()];
    this.health = codec.healthRead(o.profile);
    this.poll = codec.eventRead(o.profile);
    this.planner = new PollPlanner({
      pollIntervalMs: o.pollIntervalMs,
      pollAll: o.pollAll ?? false,
    });
    this.scheduler = new BusScheduler(o.transport, o.timeoutMs, {
      onAttempt: (unit, ms, err) => {
        countAttempt(this.counters, ms, err);
        const m = this.mods.get(unit);
        if (m) countAttempt(m.counters, ms, err);
      },
      onSettled: (txn, err) => this.settled(txn, err),
      onBug: (e) => this.log.error({ err: e, bus: this.id }, 'modbus driver bug'),
    });
  }

  async start(): Promise<void> {
    if (this.state !== 'new') return;
    await this.o.transport.open();
    this.state = 'started';
    this.scheduler.setIdleSource((now) => this.idleWork(now));
    this.scheduler.start();
    this.log.info({ bus: this.id, transport: this.o.transport.description }, 'modbus bus started');
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    const wasStarted = this.state === 'started';
    this.state = 'stopped';
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.scheduler.stop();
    await this.o.transport.close();
    if (wasStarted) await this.scheduler.finished();
  }

  light(address: number, state: LightState): Promise<void> {
    const m = this.mods.get(address);
    if (!m)
      return Promise.reject(
        new PicklineError('MODULE_NOT_FOUND', `${this.id}: no module ${address}`),
      );
    let request: Txn['request'];
    try {
      request = codec.encodeLight(this.o.profile, state);
    } catch (e) {
      return Promise.reject(e);
    }
    m.wanted = { ...state };
    if (m.online === false) {
      return Promise.reject(
        new PicklineError(
          'DEVICE_OFFLINE',
          `${this.id}/${address} is offline; state kept for its return`,
        ),
      );
    }
    if (state.mode !== 'off') this.readBaseline(m);
    return this.write(address, request).then(() => undefined);
  }

  clear(address: number): Promise<void> {
    const seq = this.mods.get(address)?.wanted?.seq ?? 0;
    return this.light(address, { mode: 'off', seq });
  }

  async identify(address: number, ms = this.o.identifyMs ?? 3000): Promise<void> {
    const before = this.mods.get(address)?.wanted ?? { mode: 'off' as const, seq: 0 };
    const colors = this.o.profile.capabilities.colors;
    const flash: LightState =
      before.mode === 'off'
        ? {
            mode: 'fast',
            color: colors.includes('white') ? 'white' : undefined,
            display: address,
            seq: before.seq,
          }
        : { ...before, mode: 'fast' };
    await this.write(
      address,
      codec.encodeLight(this.o.profile, { ...flash, display: this.fitDisplay(flash.display) }),
    );
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        this.state === 'started'
          ? resolve()
          : reject(new PicklineError('BUS_CLOSED', 'bus stopped'));
      }, ms);
      this.timers.add(t);
    });
    // restore whatever is wanted now: light() may have been called meanwhile
    const now = this.mods.get(address)?.wanted ?? { mode: 'off' as const, seq: before.seq };
    await this.write(address, codec.encodeLight(this.o.profile, now));
  }

  async setAddress(from: number, to: number): Promise<{ needsKeyPress: boolean }> {
    const req = codec.setAddressWrite(this.o.profile, to);
    if (!req)
      throw new PicklineError(
        'UNSUPPORTED',
        `${this.o.profile.name} cannot be re-addressed over the bus`,
      );
    if (!Number.isInteger(to) || to < 1 || to > 247)
      throw new PicklineError('UNSUPPORTED', `address ${to} is not 1..247`);
    await this.submit({
      unit: from,
      request: req,
      priority: PRIORITY.command,
      retries: this.o.retries,
    });
    this.log.info({ bus: this.id, from, to }, 'module re-addressed');
    return { needsKeyPress: this.o.profile.setAddress?.accept === 'key' };
  }

  async readIdentity(address: number): Promise<ModuleIdentity> {
    const req = codec.identityRead(this.o.profile);
    if (!req)
      throw new PicklineError('UNSUPPORTED', `${this.o.profile.name} has no identity registers`);
    const words = await this.submit({
      unit: address,
      request: req,
      priority: PRIORITY.command,
      retries: this.o.retries,
    });
    const id = codec.decodeIdentity(this.o.profile, words);
    const m = this.mods.get(address);
    if (m) m.identity = id;
    return id;
  }

  onKey(listener: (e: KeyEvent) => void): Unsubscribe {
    this.keyListeners.add(listener);
    return () => this.keyListeners.delete(listener);
  }

  onHealth(listener: (e: HealthChange) => void): Unsubscribe {
    this.healthListeners.add(listener);
    return () => this.healthListeners.delete(listener);
  }

  modules(): ModuleInfo[] {
    return this.sorted.map((m) => m.info(this.id));
  }

  info(): BusInfo {
    return {
      id: this.id,
      transport: this.o.transportName,
      profile: this.o.profile.name,
      open: this.state === 'started',
      queueDepth: this.scheduler.depth,
      counters: copyCounters(this.counters),
      modules: this.sorted.length,
      online: this.sorted.filter((m) => m.online === true).length,
    };
  }

  private fitDisplay(d: number | null | undefined): number | null {
    const max = this.o.profile.encoding.displayMax ?? 0xffff;
    return this.o.profile.capabilities.display && d !== null && d !== undefined && d <= max
      ? d
      : null;
  }

  private submit(txn: Txn): Promise<number[]> {
    if (this.state !== 'started')
      return Promise.reject(new PicklineError('BUS_CLOSED', `${this.id} not started`));
    return this.scheduler.submit(txn);
  }

  /** Every write of a light state goes here: newer states of one module replace queued older ones. */
  private write(address: number, request: Txn['request']): Promise<number[]> {
    const p = this.submit({
      unit: address,
      request,
      priority: PRIORITY.command,
      retries: this.o.retries,
      coalesceKey: `light:${address}`,
    });
    this.scheduler.wake();
    return p;
  }

  /**
   * Reads the event words just before a light write when the baseline is
   * unknown (start, reconnect), so a press right after lighting is not taken
   * for the baseline. Profiles without a job token read it before every light:
   * a press before the write must not be stamped with the new job's seq.
   */
  private readBaseline(m: ModuleRecord): void {
    const tokenless = !this.o.profile.capabilities.jobToken;
    if (m.baseline !== null && !tokenless) return;
    this.submit({
      unit: m.address,
      request: this.poll,
      priority: PRIORITY.command,
      retries: 0,
    }).then(
      (words) => {
        if (m.baseline === null || tokenless)
          m.baseline = codec.decodeEvents(this.o.profile, words, null).baseline;
      },
      () => {}, // the light write that follows reports the failure
    );
  }

  private idleWork(now: number): IdleWork | { wakeAt: number } | null {
    const plan = this.planner.next(this.sorted, now);
    if (plan === null || 'wakeAt' in plan) return plan;
    const m = this.mods.get(plan.address)!;
    if (plan.kind === 'poll') {
      m.lastPollAt = now;
      return {
        txn: {
          unit: m.address,
          request: this.poll,
          priority: PRIORITY.poll,
          retries: this.o.retries,
        },
        done: (err, words) => {
          if (err) return;
          m.nextHealthAt = performance.now() + this.o.healthIntervalMs;
          this.events(m, words);
        },
      };
    }
    const h = this.health;
    return {
      txn: {
        unit: m.address,
        request: h.request,
        priority: PRIORITY.health,
        retries: m.online === false ? 0 : this.o.retries,
      },
      done: (err, words) => {
        const t = performance.now();
        const suspect = err && m.online !== false;
        m.nextHealthAt =
          t +
          (suspect
            ? (this.o.suspectRecheckMs ?? Math.min(500, this.o.healthIntervalMs))
            : this.o.healthIntervalMs);
        if (err) return;
        this.events(m, words.slice(h.eventsAt, h.eventsAt + h.request.count));
        if (h.statusAt !== null) m.faults = codec.decodeStatus(this.o.profile, words[h.statusAt]);
      },
    };
  }

  /** Applies the job-token rule to what a poll found (see the file comment). */
  private events(m: ModuleRecord, words: number[]): void {
    const d = codec.decodeEvents(this.o.profile, words, m.baseline);
    m.baseline = d.baseline;
    const dropped = d.missed + d.malformed;
    if (dropped > 0) {
      this.stale(m, dropped);
      this.log.warn(
        { bus: this.id, address: m.address, missed: d.missed, malformed: d.malformed },
        'key events lost',
      );
    }
    for (const press of d.presses) {
      const w = m.wanted;
      const seq = this.o.profile.capabilities.jobToken ? press.seq : (w?.seq ?? null);
      if (!w || w.mode === 'off' || seq !== w.seq) {
        this.stale(m, 1);
        this.log.info(
          { bus: this.id, address: m.address, key: press.key, seq, current: w?.seq },
          'stale key event dropped',
        );
        continue;
      }
      m.counters.keyEvents++;
      this.counters.keyEvents++;
      const e: KeyEvent = {
        bus: this.id,
        address: m.address,
        key: press.key,
        display: press.display,
        seq,
        at: Date.now(),
      };
      for (const l of this.keyListeners) this.emit(l, e);
    }
  }

  private stale(m: ModuleRecord, n: number): void {
    m.counters.staleEvents += n;
    this.counters.staleEvents += n;
  }

  private settled(txn: Txn, err: PicklineError | null): void {
    const m = this.mods.get(txn.unit);
    if (!m || err?.code === 'BUS_CLOSED') return;
    if (!err || err.code === 'DEVICE_EXCEPTION') {
      // an exception is an answer: the module is there
      m.failures = 0;
      m.lastSeenAt = Date.now();
      if (err) m.lastError = err.message;
      if (m.online !== true) this.setOnline(m, true);
      return;
    }
    m.failures++;
    m.lastError = err.message;
    if (m.failures >= this.o.offlineAfter && m.online !== false)
      this.setOnline(m, false, err.message);
  }

  private setOnline(m: ModuleRecord, online: boolean, reason?: string): void {
    const returning = m.online === false;
    m.online = online;
    m.baseline = null; // first read after (re)connect only sets the baseline
    this.log[online ? 'info' : 'warn'](
      { bus: this.id, address: m.address, reason },
      online ? 'module online' : 'module offline',
    );
    if (online && returning && m.wanted && this.state === 'started') {
      this.write(m.address, codec.encodeLight(this.o.profile, m.wanted)).catch((e: Error) =>
        this.log.warn(
          { bus: this.id, address: m.address, err: e.message },
          're-light after return failed',
        ),
      );
    }
    const e: HealthChange = {
      bus: this.id,
      address: m.address,
      online,
      ...(reason ? { reason } : {}),
    };
    for (const l of this.healthListeners) this.emit(l, e);
  }

  private emit<T>(listener: (e: T) => void, e: T): void {
    try {
      listener(e);
    } catch (err) {
      this.log.error({ err, bus: this.id }, 'listener threw');
    }
  }
}
