/**
 * Module health as every driver judges it (HARDWARE.md): an answer, even a
 * device exception, means the module is there (online); `offlineAfter`
 * consecutive failures (timeout, CRC, link; each after its retries) mean it
 * is not. BUS_CLOSED (the bus stopping) says nothing about the module and is
 * ignored. A module that was offline and answers again is "returning": the
 * `onReturn` listeners run (a driver re-sends the wanted state, as the module
 * may have lost power) before the `onHealth` listeners.
 *
 * Modules are keyed by address value; no arithmetic on addresses.
 */
import type { PicklineError } from '../../kernel/errors.ts';
import type { HealthChange, Unsubscribe } from '../types.ts';
import { Emitter } from './emitter.ts';
import type { ModuleAddress } from './job-gate.ts';
import type { DriverLogger } from './logger.ts';

export interface ModuleHealth {
  /** null = not heard from since start */
  online: boolean | null;
  /** consecutive failures since the last answer */
  failures: number;
  lastSeenAt: number | null;
  lastError: string | null;
}

export interface HealthOptions {
  bus: string;
  offlineAfter: number;
  log: DriverLogger;
}

/** The failure shape the tracker reads: a PicklineError's code and message. */
type Failure = Pick<PicklineError, 'message'> & { code?: string };

export class HealthTracker {
  readonly #modules = new Map<ModuleAddress, ModuleHealth>();
  readonly #health: Emitter<HealthChange>;
  readonly #returns: Emitter<ModuleAddress>;

  constructor(private readonly o: HealthOptions) {
    this.#health = new Emitter(o.log);
    this.#returns = new Emitter(o.log);
  }

  /** The health of `address` (not heard from until it answers or fails). */
  of(address: ModuleAddress): Readonly<ModuleHealth> {
    return this.#entry(address);
  }

  onHealth(listener: (e: HealthChange) => void): Unsubscribe {
    return this.#health.on(listener);
  }

  /** A module that was offline answers again. */
  onReturn(listener: (address: ModuleAddress) => void): Unsubscribe {
    return this.#returns.on(listener);
  }

  /** The module answered; `exception`: it answered with a device error (still online). */
  answered(address: ModuleAddress, exception?: Failure): void {
    const h = this.#entry(address);
    h.failures = 0;
    h.lastSeenAt = Date.now();
    if (exception) h.lastError = exception.message;
    if (h.online !== true) this.#set(address, h, true);
  }

  /** One failed exchange (after its retries); BUS_CLOSED is ignored. */
  failed(address: ModuleAddress, err: Failure): void {
    if (err.code === 'BUS_CLOSED') return;
    const h = this.#entry(address);
    h.failures++;
    h.lastError = err.message;
    if (h.failures >= this.o.offlineAfter && h.online !== false)
      this.#set(address, h, false, err.message);
  }

  /**
   * The module said it is gone (MQTT `status` `{"online": false}` or its last
   * will): offline at once, without waiting for `offlineAfter` failures.
   */
  down(address: ModuleAddress, reason: string): void {
    const h = this.#entry(address);
    h.failures = Math.max(h.failures, this.o.offlineAfter);
    h.lastError = reason;
    if (h.online !== false) this.#set(address, h, false, reason);
  }

  /** The outcome of one exchange: null or DEVICE_EXCEPTION answered, anything else failed. */
  settled(address: ModuleAddress, err: Failure | null): void {
    if (!err || err.code === 'DEVICE_EXCEPTION') this.answered(address, err ?? undefined);
    else this.failed(address, err);
  }

  #entry(address: ModuleAddress): ModuleHealth {
    let h = this.#modules.get(address);
    if (!h) {
      h = { online: null, failures: 0, lastSeenAt: null, lastError: null };
      this.#modules.set(address, h);
    }
    return h;
  }

  #set(address: ModuleAddress, h: ModuleHealth, online: boolean, reason?: string): void {
    const returning = h.online === false;
    h.online = online;
    const { bus, log } = this.o;
    if (online && returning) log.info({ address }, 'module online again');
    else if (online) log.debug({ address }, 'module online');
    else log.warn({ address, reason }, 'module offline');
    if (online && returning) this.#returns.emit(address);
    this.#health.emit({ bus, address, online, ...(reason ? { reason } : {}) });
  }
}
