/**
 * An ABLEPick light bus: the tags on one field port of one AT400/AT500
 * controller, reached over TCP (HARDWARE.md "Atop ABLEPick").
 *
 * Acknowledgement: ABLEPick commands have no reply of their own; the
 * controller only speaks up when a tag fails (0x0A timed out, 0x0B
 * malfunction, 0x0C illegal command). So every exchange (the frames of one
 * light state, or nothing for a health sweep) ends with a 0x09 connected-tags
 * request: the controller handles frames in order, so when its bitmap comes
 * back every failure of the frames before it has been reported. light()
 * resolves when the bitmap shows the tag connected and no failure for it
 * arrived meanwhile; DEVICE_TIMEOUT when the tag timed out, is not connected
 * or the controller did not answer within `timeoutMs`; DEVICE_EXCEPTION on
 * malfunction / illegal command. One exchange at a time.
 *
 * Health (common/health.ts): each exchange settles its tag; the sweep every
 * `healthIntervalMs` settles every configured tag from the bitmap (clear bit =
 * connected); a 0x0A outside an exchange counts a failure, a key press or a
 * 0x0E (tag reset) an answer. While the controller is unreachable light()
 * rejects with BUS_IO and each sweep counts a failure of every tag (offline
 * after `offlineAfter`, as on Modbus); the link is reopened with backoff and,
 * once up, the polling range (highest configured tag) is set,
 * the tags swept and every lit tag re-lit. A tag that returns, or reports a
 * reset, is re-lit too.
 *
 * A hung controller (connection up, nothing answered;
 * HARDWARE.md "How the ABLEPick driver uses it"): an
 * unanswered sweep counts a failure of every tag, like an unreachable one,
 * and the next sweep follows after `timeoutMs` instead of `healthIntervalMs`,
 * so the tags go offline within about healthIntervalMs + offlineAfter × 2 ×
 * timeoutMs (4.5 s with the defaults). After `offlineAfter` exchanges in a row
 * without a single frame back the bus reports itself not open (`info().open`,
 * the `/readyz` check `bus:<id>`) until the controller speaks again; its next
 * bitmap brings the tags back online and re-lit.
 *
 * Stale presses: ABLEPick key events carry no job token, so the gate stamps
 * the tag's current one (common/job-gate.ts, jobToken: false): only a tag that
 * is lit for a job takes a press; a press on a dark tag, or on a tag the bus
 * does not know, is counted stale and dropped. A press that arrives while a
 * new state for that tag is on its way (sent, bitmap not yet back) was made
 * on what the tag showed before, so it is judged against that state.
 *
 * Longer than 350 lines: the LightBus capabilities of one controller port
 * (light, identify, health, stream of keys) share the exchange barrier and the
 * tag records; the codec, lamp, link and exchange are separate files already.
 */
import { ABLEPICK_TAG } from '../../config/transports/ablepick.ts';
import { PicklineError } from '../../kernel/errors.ts';
import { copyCounters, countAttempt, newTally, type Tally } from '../common/counters.ts';
import { Emitter } from '../common/emitter.ts';
import { HealthTracker } from '../common/health.ts';
import { JobGate, type Press } from '../common/job-gate.ts';
import { type DriverLogger, silentLogger } from '../common/logger.ts';
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
import { cmd, type FieldPort, type Frame, SUB, type TagEvent } from './codec.ts';
import { TagExchange } from './exchange.ts';
import { lampFrames } from './lamp.ts';
import { AblePickLink } from './link.ts';

export interface AblePickBusOptions {
  id: string;
  host: string;
  port: number;
  fieldPort: FieldPort;
  tags: number[];
  timeoutMs: number;
  retries: number;
  healthIntervalMs: number;
  offlineAfter: number;
  identifyMs?: number;
  logger?: DriverLogger;
}

const closed = () => new PicklineError('BUS_CLOSED', 'bus stopped');

export class AblePickLightBus implements TechnicianBus {
  readonly id: string;
  private readonly log: DriverLogger;
  private readonly counters = newTally();
  private readonly mods = new Map<number, Tally>();
  private readonly keys: Emitter<KeyEvent>;
  private readonly health: HealthTracker;
  private readonly gate: JobGate;
  private readonly link: AblePickLink;
  private readonly xchg: TagExchange;
  /** tags with a light() on its way → the state they showed before it */
  private readonly pending = new Map<number, { before: LightState | null; n: number }>();
  private readonly waits = new Map<NodeJS.Timeout, () => void>();
  private sweepTimer: NodeJS.Timeout | null = null;
  private state: 'new' | 'started' | 'stopped' = 'new';
  /** false while the controller leaves `offlineAfter` exchanges in a row unanswered */
  private answering = true;

  constructor(private readonly o: AblePickBusOptions) {
    this.id = o.id;
    this.log = o.logger ?? silentLogger;
    for (const t of o.tags) this.mods.set(t, newTally());
    this.keys = new Emitter(this.log);
    this.health = new HealthTracker({ bus: o.id, offlineAfter: o.offlineAfter, log: this.log });
    this.gate = new JobGate({
      bus: o.id,
      jobToken: false,
      counters: this.counters,
      countersOf: (a) => this.mods.get(a as number),
      log: this.log,
    });
    this.link = new AblePickLink(
      o.host,
      o.port,
      Math.max(1000, o.timeoutMs),
      {
        frame: (f) => this.frame(f),
        skipped: (n) => {
          this.counters.crcErrors++;
          this.log.warn({ bytes: n }, 'malformed bytes from the controller skipped');
        },
        up: () => this.linkUp(),
        down: (reason) => {
          this.log.warn({ link: this.link.description, reason }, 'controller connection lost');
          this.answering = true; // judged afresh on the next connection
          this.xchg.abort(new PicklineError('BUS_IO', `${this.link.description} ${reason}`));
        },
      },
      this.log,
    );
    this.xchg = new TagExchange(o.fieldPort, o.timeoutMs, (frames) => this.link.write(frames));
    this.health.onReturn((a) => this.relight(a as number));
  }

  async start(): Promise<void> {
    if (this.state !== 'new') return;
    this.state = 'started';
    await this.link.open();
    if (this.link.up) await this.xchg.idle();
    else this.sweep();
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    if (this.sweepTimer) clearTimeout(this.sweepTimer);
    this.sweepTimer = null;
    for (const [t, cancel] of this.waits) {
      clearTimeout(t);
      cancel();
    }
    this.waits.clear();
    this.xchg.abort(closed());
    await this.link.close();
  }

  async light(address: number, state: LightState): Promise<void> {
    if (!this.mods.has(address))
      throw new PicklineError('MODULE_NOT_FOUND', `${this.id}: no tag ${address}`);
    const frames = lampFrames(this.o.fieldPort, address, state);
    if (this.state !== 'started') throw closed();
    const p = this.pending.get(address);
    if (p) p.n++;
    else this.pending.set(address, { before: this.gate.wanted(address), n: 1 });
    this.gate.want(address, state);
    try {
      if (this.health.of(address).online === false)
        throw new PicklineError(
          'DEVICE_OFFLINE',
          `${this.id}/${address} is offline; the state is sent when it answers again`,
        );
      await this.send(address, frames);
    } finally {
      const q = this.pending.get(address);
      if (q && --q.n === 0) this.pending.delete(address);
    }
  }

  clear(address: number): Promise<void> {
    return this.light(address, { mode: 'off', seq: this.gate.wanted(address)?.seq ?? 0 });
  }

  /** Fast blink with the buzzer on (a dark tag shows its address), then the state wanted by then. */
  async identify(address: number, ms = this.o.identifyMs ?? 3000): Promise<void> {
    const before = this.gate.wanted(address) ?? { mode: 'off' as const, seq: 0 };
    const flash: LightState =
      before.mode === 'off'
        ? { mode: 'fast', display: address, seq: before.seq }
        : { ...before, mode: 'fast' };
    const buzz = (on: boolean) =>
      cmd.simple(this.o.fieldPort, address, on ? SUB.buzzerOn : SUB.buzzerOff);
    await this.send(address, [...lampFrames(this.o.fieldPort, address, flash), buzz(true)]);
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => {
        this.waits.delete(t);
        resolve();
      }, ms);
      this.waits.set(t, () => reject(closed()));
    });
    const now = this.gate.wanted(address) ?? { mode: 'off' as const, seq: 0 };
    await this.send(address, [buzz(false), ...lampFrames(this.o.fieldPort, address, now)]);
  }

  /**
   * Offers tag `from` the address `to` (0x3A); the tag shows old and new until
   * its key is pressed. `to === from` withdraws an offer (0x01 clear).
   */
  async setAddress(from: number, to: number): Promise<{ needsKeyPress: boolean }> {
    if (!Number.isInteger(to) || to < 1 || to > 200)
      throw new PicklineError('UNSUPPORTED', `address ${to} is not an ABLEPick tag 1..200`);
    const port = this.o.fieldPort;
    const frame = to === from ? cmd.simple(port, from, SUB.clear) : cmd.setAddress(port, from, to);
    await this.send(from, [frame]);
    if (to !== from) this.log.info({ from, to }, 'tag offered a new address');
    return { needsKeyPress: to !== from };
  }

  /**
   * ABLEPick tags report no model, firmware or serial: this answers whether a
   * tag is connected at `address` (the technician's probe before a
   * re-address), widening the polling range for the question when `address`
   * lies beyond it. DEVICE_TIMEOUT when no tag is there.
   */
  async readIdentity(address: number): Promise<ModuleIdentity> {
    if (!Number.isInteger(address) || address < 1 || address > 200)
      throw new PicklineError('UNSUPPORTED', `address ${address} is not an ABLEPick tag 1..200`);
    const port = this.o.fieldPort;
    const range = this.highest();
    const widen = address > range;
    try {
      await this.send(address, widen ? [cmd.pollingRange(port, address)] : []);
    } finally {
      if (widen) await this.xchg.run([cmd.pollingRange(port, range)], null);
    }
    return { model: 'ABLEPick tag' };
  }

  onKey(listener: (e: KeyEvent) => void): Unsubscribe {
    return this.keys.on(listener);
  }

  onHealth(listener: (e: HealthChange) => void): Unsubscribe {
    return this.health.onHealth(listener);
  }

  capabilities(address: ModuleAddress): ModuleCapabilities | null {
    return typeof address === 'number' && this.mods.has(address) ? ABLEPICK_TAG : null;
  }

  modules(): ModuleInfo[] {
    return [...this.mods].map(([address, counters]) => {
      const h = this.health.of(address);
      return {
        bus: this.id,
        address,
        online: h.online === true,
        state: this.gate.wanted(address),
        lastSeenAt: h.lastSeenAt,
        lastError: h.lastError,
        counters: copyCounters(counters),
      };
    });
  }

  info(): BusInfo {
    const mods = this.modules();
    return {
      id: this.id,
      transport: 'ablepick',
      endpoint: this.link.description,
      open: this.state === 'started' && this.link.up && this.answering,
      queueDepth: this.xchg.depth,
      counters: copyCounters(this.counters),
      modules: mods.length,
      online: mods.filter((m) => m.online).length,
    };
  }

  /** One exchange for `tag`, retried on DEVICE_TIMEOUT; counted and settled per attempt. */
  private async send(tag: number, frames: Frame[]): Promise<void> {
    if (this.state !== 'started') throw closed();
    for (let attempt = 0; ; attempt++) {
      const t0 = performance.now();
      const r = await this.xchg.run(frames, tag);
      this.checkAnswering();
      if (r.err?.code === 'BUS_IO' || r.err?.code === 'BUS_CLOSED') throw r.err;
      this.count(tag, performance.now() - t0, r.err);
      if (this.mods.has(tag)) this.health.settled(tag, r.err);
      if (!r.err) return;
      if (r.err.code !== 'DEVICE_TIMEOUT' || attempt >= this.o.retries) throw r.err;
    }
  }

  private count(tag: number, ms: number, err: PicklineError | null): void {
    countAttempt(this.counters, ms, err);
    const c = this.mods.get(tag);
    if (c) countAttempt(c, ms, err);
  }

  private linkUp(): void {
    this.log.info({ link: this.link.description }, 'controller connected');
    void this.xchg.run([cmd.pollingRange(this.o.fieldPort, this.highest())], null);
    this.sweep();
    for (const [tag] of this.mods) {
      if ((this.gate.wanted(tag)?.mode ?? 'off') !== 'off') this.relight(tag);
    }
  }

  /**
   * Settles every configured tag from one connected-tags bitmap (or fails
   * them all while the controller is unreachable), then schedules the next.
   */
  private sweep(): void {
    if (this.sweepTimer) clearTimeout(this.sweepTimer);
    this.sweepTimer = null;
    void this.xchg.run([], null).then((r) => {
      if (this.state !== 'started') return;
      this.checkAnswering();
      let next = this.o.healthIntervalMs;
      if (r.connected) {
        for (const tag of this.mods.keys()) {
          const err = r.connected.has(tag)
            ? null
            : new PicklineError('DEVICE_TIMEOUT', `tag ${tag} is not connected`);
          this.count(tag, r.ms, err);
          this.health.settled(tag, err);
        }
      } else if (r.err?.code === 'BUS_IO') {
        // controller unreachable: its tags go offline after `offlineAfter` sweeps, as on Modbus
        for (const tag of this.mods.keys()) this.health.failed(tag, r.err);
      } else if (r.err?.code === 'DEVICE_TIMEOUT') {
        // connected but not answering (hung): the same failure for every tag, asked again soon
        for (const tag of this.mods.keys()) {
          this.count(tag, r.ms, r.err);
          this.health.failed(tag, r.err);
        }
        next = Math.min(next, this.o.timeoutMs);
      }
      this.sweepTimer = setTimeout(() => this.sweep(), next);
    });
  }

  /** the polling range: the highest configured tag */
  private highest(): number {
    return Math.max(0, ...this.mods.keys());
  }

  private relight(tag: number): void {
    const w = this.gate.wanted(tag);
    if (!w || this.state !== 'started') return;
    this.send(tag, lampFrames(this.o.fieldPort, tag, w)).catch((err) =>
      this.log.warn({ address: tag, err: (err as Error).message }, 're-light failed'),
    );
  }

  /** Logs when the controller stops or starts answering while connected. */
  private checkAnswering(): void {
    const now = this.xchg.unanswered < this.o.offlineAfter;
    if (now === this.answering) return;
    this.answering = now;
    if (now) this.log.info({ link: this.link.description }, 'controller answers again');
    else
      this.log.warn(
        { link: this.link.description, unanswered: this.xchg.unanswered },
        'controller connected but not answering',
      );
  }

  private frame(f: Frame): void {
    const e = this.xchg.offer(f);
    this.checkAnswering();
    if (e) this.event(e);
  }

  /**
   * The gate's verdict on a press; while a light() for the tag is on its way,
   * against the state the tag showed before it (a dark one takes no press).
   */
  private judge(tag: number, press: Press): KeyEvent | null {
    const p = this.pending.get(tag);
    if (!p) return this.gate.admit(tag, press);
    if (!p.before) {
      this.gate.drop(tag, 1);
      return null;
    }
    const now = this.gate.wanted(tag);
    this.gate.want(tag, p.before);
    try {
      return this.gate.admit(tag, press);
    } finally {
      if (now) this.gate.want(tag, now);
    }
  }

  /** A tag event the running exchange did not take. */
  private event(e: TagEvent): void {
    if (e.port !== this.o.fieldPort || e.kind === 'connected') return;
    const known = this.mods.has(e.tag);
    switch (e.kind) {
      case 'key': {
        if (known) this.health.answered(e.tag);
        const ev = this.judge(e.tag, { key: e.key, display: e.display, seq: null });
        if (ev) this.keys.emit(ev);
        return;
      }
      case 'timeout':
        if (!known) return;
        this.count(e.tag, 0, new PicklineError('DEVICE_TIMEOUT', `tag ${e.tag} timed out`));
        this.health.failed(e.tag, { code: 'DEVICE_TIMEOUT', message: `tag ${e.tag} timed out` });
        return;
      case 'malfunction':
      case 'illegal':
        if (!known) return;
        this.count(e.tag, 0, new PicklineError('DEVICE_EXCEPTION', `tag ${e.tag}: ${e.kind}`));
        this.health.answered(e.tag, { message: `tag ${e.tag}: ${e.kind}` });
        return;
      case 'tagReset':
        if (!known) return;
        this.log.info({ address: e.tag }, 'tag reset or reconnected');
        this.health.answered(e.tag);
        this.relight(e.tag);
        return;
      case 'special':
        this.log.info({ address: e.tag }, 'tag took a new address');
        return;
      default:
        this.log.debug({ address: e.tag, kind: e.kind }, 'tag event ignored');
    }
  }
}
