/**
 * Applies light decisions to the buses. Decisions are made in SQLite (the
 * `lights` table); this class only executes them, one operation at a time per
 * module, in the order they were decided, so a late `clear` can never switch
 * off a light that a later decision turned on. A bus that is last-writer-wins
 * (MQTT) gets each decision at once, in that order, and drops older ones. Commands for a module a
 * technician holds are skipped (holds.ts).
 */
import type { Logger } from 'pino';
import type { Color } from '../../config/schema.ts';
import {
  type LightBus,
  type LightState,
  type ModuleAddress,
  moduleKey,
} from '../../device-drivers/types.ts';
import type { LightRow } from './repo.ts';

export interface LightOutcome {
  bus: string;
  address: ModuleAddress;
  ok: boolean;
  error?: string;
  /** skipped: a technician holds the module (holds.ts) */
  held?: boolean;
}

export class Lighting {
  readonly #buses: Map<string, LightBus>;
  readonly #log: Logger;
  readonly #chains = new Map<string, Promise<unknown>>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #flashing = new Map<string, number>();
  readonly #held: (bus: string, address: ModuleAddress) => boolean;
  failures = 0;

  constructor(
    buses: Map<string, LightBus>,
    log: Logger,
    held: (bus: string, address: ModuleAddress) => boolean = () => false,
  ) {
    this.#buses = buses;
    this.#log = log;
    this.#held = held;
  }

  apply(row: LightRow): Promise<LightOutcome> {
    const state: LightState = {
      mode: row.mode as LightState['mode'],
      color: (row.color ?? undefined) as Color | undefined,
      display: row.display,
      seq: row.seq,
    };
    return this.#run(row.bus, row.address, (b) => b.light(row.address, state));
  }

  clear(bus: string, address: ModuleAddress): Promise<LightOutcome> {
    return this.#run(bus, address, (b) => b.clear(address));
  }

  /** Lights a module for `ms`, then clears it (done indicators). */
  flash(bus: string, address: ModuleAddress, state: LightState, ms: number): Promise<LightOutcome> {
    if (this.#held(bus, address)) return Promise.resolve({ bus, address, ok: true, held: true });
    const key = moduleKey({ bus, address });
    const p = this.#run(bus, address, (b) => b.light(address, state));
    this.#flashing.set(key, (this.#flashing.get(key) ?? 0) + 1);
    const t = setTimeout(() => {
      this.#timers.delete(t);
      const n = (this.#flashing.get(key) ?? 1) - 1;
      if (n > 0) this.#flashing.set(key, n);
      else this.#flashing.delete(key);
      void this.clear(bus, address);
    }, ms);
    this.#timers.add(t);
    return p;
  }

  /** A flash (done indicator) shows on the module now. */
  flashing(bus: string, address: ModuleAddress): boolean {
    return this.#flashing.has(moduleKey({ bus, address }));
  }

  /** Resolves when the operations queued for one module so far finished. */
  async settled(bus: string, address: ModuleAddress): Promise<void> {
    await this.#chains.get(moduleKey({ bus, address }))?.catch(() => {});
  }

  /** Resolves when every queued operation finished. */
  async idle(): Promise<void> {
    while (this.#chains.size > 0) await Promise.allSettled([...this.#chains.values()]);
  }

  stop(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.#flashing.clear();
  }

  #run(
    bus: string,
    address: ModuleAddress,
    op: (b: LightBus) => Promise<void>,
  ): Promise<LightOutcome> {
    const key = moduleKey({ bus, address });
    const prev = this.#chains.get(key) ?? Promise.resolve();
    const run = async (): Promise<LightOutcome> => {
      const b = this.#buses.get(bus);
      if (!b) return { bus, address, ok: false, error: `no bus ${bus}` };
      // held for a technician: the release re-applies the `lights` table
      if (this.#held(bus, address)) return { bus, address, ok: true, held: true };
      try {
        await op(b);
        return { bus, address, ok: true };
      } catch (e) {
        this.failures++;
        this.#log.warn({ bus, address, err: (e as Error).message }, 'light command failed');
        return { bus, address, ok: false, error: (e as Error).message };
      }
    };
    // a last-writer-wins bus keeps the order itself: a new decision must not
    // wait behind an older command a module has not acked (issue 16 item 7)
    const now = this.#buses.get(bus)?.lastWriterWins === true;
    const next = now ? run() : prev.then(run);
    const chained = now ? prev.then(() => next) : next;
    this.#chains.set(key, chained);
    void chained.then(() => {
      if (this.#chains.get(key) === chained) this.#chains.delete(key);
    });
    return next;
  }
}
