/**
 * A Modbus light bus (RTU or TCP) driven by a device profile.
 *
 * Job tokens (CONTRACTS.md §2/§4): the driver remembers the state it was last
 * asked to show per module. A key event is delivered only when that state is
 * lit and the event's job token equals its `seq` (for profiles without a token
 * the driver stamps the current `seq`); anything else is counted in
 * `staleEvents` and dropped (common/job-gate.ts).
 *
 * Health (common/health.ts): a module is offline after `offlineAfter`
 * consecutive failed transactions (each after its retries) and online again as
 * soon as it answers anything, usually the health sweep. While offline,
 * light()/clear() reject at once with DEVICE_OFFLINE but the wanted state is
 * remembered and re-sent when the module answers again (it may have lost
 * power).
 *
 * Presses made while nobody polled (README "Light modules and buses",
 * presses while the controller is away; CONTRACTS.md §4): the baseline is
 * kept while a module is offline, so a press made meanwhile is news when it
 * returns. After
 * a start the first read finds the last event the module holds; with a job
 * token equal to the module's current lit job it is delivered once, else it
 * is counted stale. Profiles without a job token cannot prove a held press
 * belongs to the job: their first read after start only sets the baseline.
 *
 * light() resolves when the module answered the write; a newer state for the
 * same module queued before the older one was sent replaces it, and both
 * callers settle with the newer write.
 *
 * Longer than 350 lines: the LightBus capabilities (light, identify, readdress,
 * identity, health) share the module records and the scheduler; the codec, poll
 * planner, event monitor and master are separate files already.
 */

import { displayMax, type Profile, profileCapabilities } from '../../config/profile-schema.ts';
import { PicklineError } from '../../kernel/errors.ts';
import { copyCounters, countAttempt, newTally } from '../common/counters.ts';
import { Emitter } from '../common/emitter.ts';
import { HealthTracker } from '../common/health.ts';
import { JobGate } from '../common/job-gate.ts';
import { type DriverLogger, silentLogger } from '../common/logger.ts';
import type {
  BusInfo,
  HealthChange,
  Identify,
  IdentityReader,
  KeyEvent,
  LightBus,
  LightState,
  ModuleAddress,
  ModuleCapabilities,
  ModuleIdentity,
  ModuleInfo,
  Readdress,
  Unsubscribe,
} from '../types.ts';
import * as codec from './codec.ts';
import { BusScheduler, type IdleWork, PRIORITY, type Txn } from './master/scheduler.ts';
import type { ModbusTransport } from './master/transport.ts';
import { ModuleRecord } from './module-record.ts';
import { BusMonitor } from './monitor.ts';
import { PollPlanner } from './planner.ts';

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
  /** default identify() duration, ms (3000) */
  identifyMs?: number;
  logger?: DriverLogger;
}

const closed = () => new PicklineError('BUS_CLOSED', 'bus stopped');

export class ModbusLightBus implements LightBus, Identify, Readdress, IdentityReader {
  readonly id: string;
  private readonly mods = new Map<number, ModuleRecord>();
  private readonly sorted: ModuleRecord[];
  private readonly counters = newTally();
  private readonly scheduler: BusScheduler;
  private readonly planner: PollPlanner;
  private readonly jobs: JobGate;
  private readonly tracker: HealthTracker;
  private readonly keys: Emitter<KeyEvent>;
  private readonly monitor: BusMonitor;
  private readonly health: codec.HealthRead;
  private readonly poll: codec.ReadRequest;
  private readonly profile: Profile;
  private readonly log: DriverLogger;
  /** identify() waits, cancelled by stop() */
  private readonly waits = new Map<NodeJS.Timeout, () => void>();
  private state: 'new' | 'started' | 'stopped' = 'new';
  private summarized = false;

  constructor(private readonly o: ModbusBusOptions) {
    this.id = o.id;
    this.profile = o.profile;
    this.log = o.logger ?? silentLogger;
    this.jobs = new JobGate({
      bus: o.id,
      jobToken: o.profile.capabilities.jobToken,
      counters: this.counters,
      countersOf: (a) => this.mod(a)?.counters,
      log: this.log,
    });
    this.tracker = new HealthTracker({ bus: o.id, offlineAfter: o.offlineAfter, log: this.log });
    this.keys = new Emitter(this.log);
    const hasKeys = o.profile.capabilities.keys.length > 0;
    for (const a of [...new Set(o.addresses)].sort((x, y) => x - y))
      this.mods.set(a, new ModuleRecord(a, this.jobs, this.tracker, hasKeys));
    this.sorted = [...this.mods.values()];
    this.health = codec.healthRead(o.profile);
    this.poll = codec.eventRead(o.profile);
    this.planner = new PollPlanner({
      pollIntervalMs: o.pollIntervalMs,
      pollAll: o.pollAll ?? false,
    });
    this.monitor = new BusMonitor({
      profile: o.profile,
      jobs: this.jobs,
      keys: this.keys,
      log: this.log,
    });
    this.tracker.onReturn((a) => {
      const m = this.mod(a);
      if (m) this.relight(m);
    });
    this.scheduler = new BusScheduler(o.transport, o.timeoutMs, {
      onAttempt: (unit, ms, err) => {
        countAttempt(this.counters, ms, err);
        const m = this.mods.get(unit);
        if (m) countAttempt(m.counters, ms, err);
      },
      onSettled: (txn, err) => {
        if (this.mods.has(txn.unit)) this.tracker.settled(txn.unit, err);
      },
      onBug: (e) => this.log.error({ err: e }, 'modbus driver bug'),
    });
    this.tracker.onHealth(() => this.summarize());
  }

  /**
   * One debug line once every module answered or went offline after start (the
   * controller logs the per-bus start-up summary at info, from info()).
   */
  private summarize(): void {
    if (this.summarized || this.sorted.some((m) => m.online === null)) return;
    this.summarized = true;
    const offline = this.sorted.filter((m) => m.online === false).map((m) => m.address);
    const online = this.sorted.length - offline.length;
    this.log.debug(
      { transport: this.o.transport.description, online, modules: this.sorted.length, offline },
      `${online}/${this.sorted.length} modules answer`,
    );
  }

  async start(): Promise<void> {
    if (this.state !== 'new') return;
    await this.o.transport.open();
    this.state = 'started';
    this.scheduler.setIdleSource((now) => this.idleWork(now));
    this.scheduler.start();
    this.log.debug({ transport: this.o.transport.description }, 'modbus bus started');
    this.summarize(); // a bus without modules
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    const wasStarted = this.state === 'started';
    this.state = 'stopped';
    for (const [t, cancel] of this.waits) {
      clearTimeout(t);
      cancel();
    }
    this.waits.clear();
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
      request = codec.encodeLight(this.profile, state);
    } catch (e) {
      return Promise.reject(e);
    }
    if (this.state !== 'started') return Promise.reject(closed());
    this.jobs.want(address, state);
    if (m.online === false) {
      const msg = `${this.id}/${address} is offline; the state is sent when it answers again`;
      return Promise.reject(new PicklineError('DEVICE_OFFLINE', msg));
    }
    if (state.mode !== 'off') this.readBaseline(m);
    return this.write(address, request).then(() => undefined);
  }

  clear(address: number): Promise<void> {
    const seq = this.mods.get(address)?.wanted?.seq ?? 0;
    return this.light(address, { mode: 'off', seq });
  }

  /** Fast blink (a dark module also shows its address), then the state wanted by then. Any address 1–247. */
  async identify(address: number, ms = this.o.identifyMs ?? 3000): Promise<void> {
    const before = this.mods.get(address)?.wanted ?? { mode: 'off' as const, seq: 0 };
    const white = this.profile.capabilities.colors.includes('white') ? 'white' : undefined;
    const flash: LightState =
      before.mode === 'off'
        ? { mode: 'fast', color: white, display: this.fitDisplay(address), seq: before.seq }
        : { ...before, mode: 'fast' };
    await this.write(address, codec.encodeLight(this.profile, flash));
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => {
        this.waits.delete(t);
        resolve();
      }, ms);
      this.waits.set(t, () => reject(closed()));
    });
    const now = this.mods.get(address)?.wanted ?? { mode: 'off' as const, seq: before.seq };
    await this.write(address, codec.encodeLight(this.profile, now));
  }

  /** FC06 of the new unit id to `from` (any address 1–247); modules() keeps its addresses. */
  async setAddress(from: number, to: number): Promise<{ needsKeyPress: boolean }> {
    const request = codec.setAddressWrite(this.profile, to);
    if (!request)
      throw new PicklineError('UNSUPPORTED', `${this.profile.name} cannot be re-addressed`);
    if (!Number.isInteger(to) || to < 1 || to > 247) {
      throw new PicklineError('UNSUPPORTED', `address ${to} is not 1..247`);
    }
    await this.submit({ unit: from, request, priority: PRIORITY.command, retries: this.o.retries });
    this.log.info({ from, to }, 'module given a new address');
    return { needsKeyPress: this.profile.modbus.setAddress?.accept === 'key' };
  }

  async readIdentity(address: number): Promise<ModuleIdentity> {
    const request = codec.identityRead(this.profile);
    if (!request)
      throw new PicklineError('UNSUPPORTED', `${this.profile.name} has no identity registers`);
    const words = await this.submit({
      unit: address,
      request,
      priority: PRIORITY.command,
      retries: this.o.retries,
    });
    const id = codec.decodeIdentity(this.profile, words);
    const m = this.mods.get(address);
    if (m) m.identity = id;
    return id;
  }

  onKey(listener: (e: KeyEvent) => void): Unsubscribe {
    return this.keys.on(listener);
  }

  onHealth(listener: (e: HealthChange) => void): Unsubscribe {
    return this.tracker.onHealth(listener);
  }

  modules(): ModuleInfo[] {
    return this.sorted.map((m) => m.info(this.id));
  }

  /** Every module of the bus is its profile's device. */
  capabilities(address: ModuleAddress): ModuleCapabilities | null {
    return this.mod(address) ? profileCapabilities(this.profile) : null;
  }

  info(): BusInfo {
    return {
      id: this.id,
      transport: this.o.transportName,
      endpoint: this.o.transport.description,
      profile: this.profile.name,
      open: this.state === 'started' && this.o.transport.connected !== false,
      queueDepth: this.scheduler.depth,
      counters: copyCounters(this.counters),
      modules: this.sorted.length,
      online: this.sorted.filter((m) => m.online === true).length,
    };
  }

  /** Modbus modules are unit numbers; a module id string is never one of ours. */
  private mod(a: ModuleAddress): ModuleRecord | undefined {
    return typeof a === 'number' ? this.mods.get(a) : undefined;
  }

  private fitDisplay(d: number): number | null {
    const max = displayMax(this.profile.capabilities) ?? 0xffff;
    return this.profile.capabilities.display && d <= max ? d : null;
  }

  private submit(txn: Txn): Promise<number[]> {
    if (this.state !== 'started') return Promise.reject(closed());
    return this.scheduler.submit(txn);
  }

  /** Every light state goes here: a newer state of one module replaces a queued older one. */
  private write(address: number, request: Txn['request']): Promise<number[]> {
    const priority = PRIORITY.command;
    const key = `light:${address}`;
    return this.submit({
      unit: address,
      request,
      priority,
      retries: this.o.retries,
      coalesceKey: key,
    });
  }

  private relight(m: ModuleRecord): void {
    if (!m.wanted || this.state !== 'started') return;
    this.write(m.address, codec.encodeLight(this.profile, m.wanted)).catch((e: Error) =>
      this.log.warn({ address: m.address, err: e.message }, 're-light after return failed'),
    );
  }

  /**
   * Reads the event words just before a light write when the baseline is
   * unknown (start, reconnect), so a press right after lighting is not taken
   * for the baseline. Profiles without a job token read it before every light:
   * a press before the write must not be stamped with the new job's seq.
   */
  private readBaseline(m: ModuleRecord): void {
    const tokenless = !this.profile.capabilities.jobToken;
    if (m.baseline !== null && !tokenless) return;
    const txn = { unit: m.address, request: this.poll, priority: PRIORITY.command, retries: 0 };
    this.submit(txn).then(
      (words) => {
        if (tokenless) m.baseline = codec.decodeEvents(this.profile, words, null).baseline;
        else if (m.baseline === null) this.monitor.events(m, words); // a held press of this job is news
      },
      () => {}, // the light write that follows reports the failure
    );
  }

  /** Key polls of lit modules and health checks of the others (planner.ts). */
  private idleWork(now: number): IdleWork | { wakeAt: number } | null {
    const plan = this.planner.next(this.sorted, now);
    if (plan === null || 'wakeAt' in plan) return plan;
    const m = this.mods.get(plan.address)!;
    const { healthIntervalMs } = this.o;
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
          m.nextHealthAt = performance.now() + healthIntervalMs;
          this.monitor.events(m, words);
        },
      };
    }
    const h = this.health;
    const retries = m.online === false ? 0 : this.o.retries;
    return {
      txn: { unit: m.address, request: h.request, priority: PRIORITY.health, retries },
      done: (err, words) => {
        const suspect = err && m.online !== false;
        const recheck = this.o.suspectRecheckMs ?? Math.min(500, healthIntervalMs);
        m.nextHealthAt = performance.now() + (suspect ? recheck : healthIntervalMs);
        if (err) return;
        this.monitor.events(m, words.slice(h.eventsAt, h.eventsAt + this.poll.count));
        if (h.statusAt !== null) m.faults = codec.decodeStatus(this.profile, words[h.statusAt]);
      },
    };
  }
}
