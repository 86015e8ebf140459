/**
 * The job-token rule every light driver applies to key presses (CONTRACTS.md
 * §2/§4): the gate remembers the state the controller last asked each module
 * to show; its `seq` is the module's current job token. A press is delivered
 * only when that state is lit and the press carries that token; a driver whose
 * modules report no token has the gate stamp the current one. Anything else is
 * stale: counted in `staleEvents` (module and bus) and dropped.
 *
 * Modules are keyed by address value (a Modbus unit id, an MQTT topic id…);
 * the gate does no arithmetic on addresses.
 */
import type { Key, KeyEvent, LightState, ModuleAddress } from '../types.ts';
import type { DriverLogger } from './logger.ts';

export type { ModuleAddress };

/** A key press as a module reported it. */
export interface Press {
  key: Key;
  /** quantity shown when the key was pressed; null when blank or no display */
  display: number | null;
  /** job token the module reported; null when its protocol carries none */
  seq: number | null;
}

/** The two counts the gate keeps (a driver's `Tally`, common/counters.ts). */
export interface KeyCounts {
  keyEvents: number;
  staleEvents: number;
}

export interface JobGateOptions {
  bus: string;
  /** presses carry the job token; false: the gate stamps the current one */
  jobToken: boolean;
  /** bus-wide counters */
  counters: KeyCounts;
  /** a module's own counters; undefined for a module the bus does not know */
  countersOf(address: ModuleAddress): KeyCounts | undefined;
  log: DriverLogger;
}

export class JobGate {
  readonly #wanted = new Map<ModuleAddress, LightState>();

  constructor(private readonly o: JobGateOptions) {}

  /** The controller asked `address` to show `state` (a copy is kept). */
  want(address: ModuleAddress, state: LightState): void {
    this.#wanted.set(address, { ...state });
  }

  /** The state last asked for; null before the first. */
  wanted(address: ModuleAddress): LightState | null {
    return this.#wanted.get(address) ?? null;
  }

  /** The press as a delivered key event, counted in `keyEvents`; null when stale (counted, logged). */
  admit(address: ModuleAddress, press: Press): KeyEvent | null {
    const w = this.wanted(address);
    const seq = this.o.jobToken ? press.seq : (w?.seq ?? null);
    if (!w || w.mode === 'off' || seq === null || seq !== w.seq) {
      this.drop(address, 1);
      this.o.log.info({ address, key: press.key, seq, current: w?.seq }, 'stale key event dropped');
      return null;
    }
    this.count(address, 'keyEvents', 1);
    return {
      bus: this.o.bus,
      address,
      key: press.key,
      display: press.display,
      seq,
      at: Date.now(),
    };
  }

  /** `n` presses lost before they could be judged (overwritten, malformed): counted stale. */
  drop(address: ModuleAddress, n: number): void {
    this.count(address, 'staleEvents', n);
  }

  private count(address: ModuleAddress, field: 'keyEvents' | 'staleEvents', n: number): void {
    this.o.counters[field] += n;
    const c = this.o.countersOf(address);
    if (c) c[field] += n;
  }
}
