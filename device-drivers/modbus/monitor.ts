/**
 * What a bus learns from its transactions: key events (after the job-token
 * rule) and module health (online/offline). See modbus-bus.ts for the rules.
 */
import type { PicklineError } from '../../config/errors.ts';
import type { Profile } from '../../config/profile-schema.ts';
import type { DriverLogger } from '../common/logger.ts';
import type { HealthChange, KeyEvent, ModuleCounters, Unsubscribe } from '../types.ts';
import { decodeEvents } from './codec.ts';
import type { ModuleRecord } from './module-record.ts';

export interface MonitorOptions {
  bus: string;
  profile: Profile;
  offlineAfter: number;
  /** bus-wide counters (each module has its own too) */
  counters: ModuleCounters;
  log: DriverLogger;
  /** a module that was offline answers again */
  onReturn(m: ModuleRecord): void;
}

export class BusMonitor {
  private readonly keyListeners = new Set<(e: KeyEvent) => void>();
  private readonly healthListeners = new Set<(e: HealthChange) => void>();

  constructor(private readonly o: MonitorOptions) {}

  onKey(listener: (e: KeyEvent) => void): Unsubscribe {
    this.keyListeners.add(listener);
    return () => this.keyListeners.delete(listener);
  }

  onHealth(listener: (e: HealthChange) => void): Unsubscribe {
    this.healthListeners.add(listener);
    return () => this.healthListeners.delete(listener);
  }

  /**
   * Event words read from `m`: a press is delivered only when the module is
   * wanted lit and the press carries its current job token (profiles without a
   * token: the driver stamps the current one); else it is counted stale.
   */
  events(m: ModuleRecord, words: number[]): void {
    const { profile, bus, log } = this.o;
    const d = decodeEvents(profile, words, m.baseline);
    // a held event is judged against the job the controller shows; until it said, read again later
    if (d.held && m.wanted === null) return;
    m.baseline = d.baseline;
    if (d.held) d.presses.push(d.held);
    const lost = d.missed + d.malformed;
    if (lost > 0) {
      this.stale(m, lost);
      log.warn({ address: m.address, missed: d.missed, malformed: d.malformed }, 'key events lost');
    }
    for (const press of d.presses) {
      const w = m.wanted;
      const seq = profile.capabilities.jobToken ? press.seq : (w?.seq ?? null);
      if (!w || w.mode === 'off' || seq === null || seq !== w.seq) {
        this.stale(m, 1);
        log.info(
          { address: m.address, key: press.key, seq, current: w?.seq },
          'stale key event dropped',
        );
        continue;
      }
      m.counters.keyEvents++;
      this.o.counters.keyEvents++;
      const e: KeyEvent = {
        bus,
        address: m.address,
        key: press.key,
        display: press.display,
        seq,
        at: Date.now(),
      };
      for (const l of this.keyListeners) this.emit(l, e);
    }
  }

  /**
   * Outcome of one transaction with `m` (after its retries). An answer, even an
   * exception, means the module is there; `offlineAfter` failures in a row
   * (timeout, CRC, link) mean it is not.
   */
  settled(m: ModuleRecord, err: PicklineError | null): void {
    if (err?.code === 'BUS_CLOSED') return;
    if (!err || err.code === 'DEVICE_EXCEPTION') {
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

  private stale(m: ModuleRecord, n: number): void {
    m.counters.staleEvents += n;
    this.o.counters.staleEvents += n;
  }

  private setOnline(m: ModuleRecord, online: boolean, reason?: string): void {
    const returning = m.online === false;
    m.online = online;
    // the baseline is kept: presses made while the module was away are news when it returns
    const { bus, log } = this.o;
    if (online && returning) log.info({ address: m.address }, 'module online again');
    else if (online) log.debug({ address: m.address }, 'module online');
    else log.warn({ address: m.address, reason }, 'module offline');
    if (online && returning) this.o.onReturn(m);
    const e: HealthChange = { bus, address: m.address, online, ...(reason ? { reason } : {}) };
    for (const l of this.healthListeners) this.emit(l, e);
  }

  private emit<T>(listener: (e: T) => void, e: T): void {
    try {
      listener(e);
    } catch (err) {
      this.o.log.error({ err }, 'listener threw');
    }
  }
}
