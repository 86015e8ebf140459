/**
 * Technician operations (HARDWARE.md "What technicians need"): buses and
 * modules with health and counters, identify (blink one module), walk test
 * (light every module in turn, report those that never answered), change a
 * module's address, read its identity. The engine stays the one writer to the
 * floor: identify, walk test and re-address hold the module through the floor
 * commands (engine/commands.ts, engine/holds.ts) and give it back; an armed re-address is disarmed on expiry or cancel.
 */
import type { Logger } from 'pino';
import {
  type BusInfo,
  type LightState,
  type ModuleAddress,
  type ModuleIdentity,
  type ModuleInfo,
  moduleKey,
  type TechnicianBus,
} from '../device-drivers/types.ts';
import { isPicklineError, PicklineError } from '../kernel/errors.ts';
import type { Hold, ModuleHolder } from './engine/holds.ts';
import { allLights } from './engine/repo.ts';
import type { Site } from './site.ts';
import type { Store } from './store/db.ts';

export interface ModuleView extends Omit<ModuleInfo, 'lastSeenAt'> {
  /** ISO-8601 */
  lastSeenAt: string | null;
  location: string | null;
  zone: string | null;
  /** the module shows a pick job now (technician tasks leave it alone) */
  inUse: boolean;
  /** the technician task holding the module, if any */
  heldFor: string | null;
}

export interface WalkResult {
  tested: number;
  answered: { bus: string; address: ModuleAddress; location: string | null }[];
  failed: { bus: string; address: ModuleAddress; location: string | null; error: string }[];
  skipped: { bus: string; address: ModuleAddress; location: string | null; reason: string }[];
  ms: number;
}

/** One module of a walk test done (live progress for the console and the CLI). */
export interface WalkStep {
  /** modules done so far, this one included */
  done: number;
  total: number;
  bus: string;
  address: ModuleAddress;
  location: string | null;
  outcome: 'answered' | 'failed' | 'skipped';
  error?: string;
}

interface Armed {
  bus: TechnicianBus;
  from: number;
  to: number;
  hold: Hold;
  timer: NodeJS.Timeout;
}

export class Technician {
  readonly #buses: Map<string, TechnicianBus>;
  readonly #site: Site;
  readonly #store: Store;
  readonly #holder: ModuleHolder;
  readonly #readdressMs: number;
  readonly #log: Logger | undefined;
  readonly #armed = new Map<string, Armed>();

  constructor(deps: {
    buses: Map<string, TechnicianBus>;
    site: Site;
    store: Store;
    holder: ModuleHolder;
    /** how long an armed re-address waits for the confirm press (config technician.readdressTimeoutMs) */
    readdressMs?: number;
    logger?: Logger;
  }) {
    this.#buses = deps.buses;
    this.#site = deps.site;
    this.#store = deps.store;
    this.#holder = deps.holder;
    this.#readdressMs = deps.readdressMs ?? 60_000;
    this.#log = deps.logger;
  }

  /** Disarms every armed re-address (best effort) and gives the modules back. Idempotent. */
  async stop(): Promise<void> {
    await Promise.all([...this.#armed.keys()].map((k) => this.#disarm(k, 'stopping')));
  }

  buses(): (BusInfo & { modules: number })[] {
    return [...this.#buses.values()].map((b) => b.info());
  }

  modules(busId: string): ModuleView[] {
    const bus = this.#bus(busId);
    const inUse = this.#inUse(busId);
    return bus.modules().map((m) => {
      const loc = this.#site.byModule.get(moduleKey({ bus: busId, address: m.address }));
      return {
        ...m,
        lastSeenAt: m.lastSeenAt === null ? null : new Date(m.lastSeenAt).toISOString(),
        location: this.#site.moduleName(busId, m.address),
        zone: loc?.zone ?? null,
        inUse: inUse.has(moduleKey({ bus: busId, address: m.address })),
        heldFor: this.#holder.heldFor(busId, m.address),
      };
    });
  }

  async identify(busId: string, address: ModuleAddress, ms = 3000): Promise<void> {
    const bus = this.#bus(busId);
    this.#configured(bus, address);
    if (!bus.identify)
      throw new PicklineError('UNSUPPORTED', `bus ${busId} cannot identify modules`);
    const hold = await this.#holder.hold(busId, address, 'identify');
    try {
      await bus.identify(address, ms);
    } finally {
      await hold.release();
    }
  }

  async readIdentity(busId: string, address: ModuleAddress): Promise<ModuleIdentity> {
    const bus = this.#bus(busId);
    this.#configured(bus, address);
    if (!bus.readIdentity)
      throw new PicklineError('UNSUPPORTED', `bus ${busId} cannot read identities`);
    return bus.readIdentity(address);
  }

  /**
   * The module at `from` takes address `to`; the site config must then name
   * `to`. The target is probed first. A key-accepted address (pickline-ptl-v1)
   * stays armed, the module held and dark, until the confirm press, the
   * expiry or cancelAddress().
   */
  async setAddress(
    busId: string,
    from: ModuleAddress,
    to: number,
  ): Promise<{ needsKeyPress: boolean; expiresAt?: string }> {
    const bus = this.#bus(busId);
    const { setAddress } = bus;
    if (!setAddress)
      throw new PicklineError('UNSUPPORTED', `bus ${busId} cannot re-address modules`);
    if (typeof from !== 'number')
      throw new PicklineError('UNSUPPORTED', `module ${from} on bus ${busId} has no unit number`);
    if (from === to)
      throw new PicklineError('INVALID_REQUEST', 'the new address equals the old one', [
        { path: '/to', message: 'must differ from the current address' },
      ]);
    await this.#probeFree(bus, to);
    const hold = await this.#holder.hold(busId, from, `re-address to ${to}`);
    let r: { needsKeyPress: boolean };
    try {
      r = await setAddress.call(bus, from, to);
    } catch (e) {
      await hold.release();
      throw e;
    }
    if (!r.needsKeyPress) {
      await hold.release();
      return r;
    }
    const key = moduleKey({ bus: busId, address: from });
    const timer = setTimeout(() => void this.#disarm(key, 'expired'), this.#readdressMs);
    this.#armed.set(key, { bus, from, to, hold, timer });
    return {
      needsKeyPress: true,
      expiresAt: new Date(Date.now() + this.#readdressMs).toISOString(),
    };
  }

  /**
   * Disarms the re-address armed on `from` (writes its own address back) and
   * gives the module back. `disarmed: false`: the module no longer answers at
   * `from`, most likely because the confirm press moved it already.
   */
  async cancelAddress(busId: string, from: ModuleAddress): Promise<{ disarmed: boolean }> {
    this.#bus(busId);
    const key = moduleKey({ bus: busId, address: from });
    if (!this.#armed.has(key))
      throw new PicklineError('READDRESS_NOT_ARMED', `no re-address is armed on ${key}`);
    return this.#disarm(key, 'cancelled');
  }

  /**
   * Lights each module of the scope in turn (white, its address on the
   * display) for `dwellMs`, then clears it. Each module is held meanwhile;
   * modules that show a pick job or a done indicator are skipped, never disturbed.
   */
  async walkTest(
    scope: { bus?: string; zone?: string },
    dwellMs = 200,
    onStep?: (s: WalkStep) => void,
  ): Promise<WalkResult> {
    const t0 = Date.now();
    const targets = this.#targets(scope);
    const out: WalkResult = { tested: 0, answered: [], failed: [], skipped: [], ms: 0 };
    let done = 0;
    const step = (
      bus: string,
      address: ModuleAddress,
      location: string | null,
      outcome: WalkStep['outcome'],
      error?: string,
    ) =>
      onStep?.({
        done: ++done,
        total: targets.length,
        bus,
        address,
        location,
        outcome,
        ...(error === undefined ? {} : { error }),
      });
    for (const { bus, address } of targets) {
      const location = this.#site.moduleName(bus, address);
      let hold: Hold;
      try {
        hold = await this.#holder.hold(bus, address, 'walk test');
      } catch (e) {
        if ((e as PicklineError).code !== 'MODULE_BUSY') throw e;
        out.skipped.push({ bus, address, location, reason: (e as Error).message });
        step(bus, address, location, 'skipped', (e as Error).message);
        continue;
      }
      out.tested++;
      const b = this.#bus(bus);
      try {
        // white, or the module's own colour when it has none (ABLEPick tags, HARDWARE.md):
        // the capability query says so; a refusal is the answer for modules that said nothing
        const colors = b.capabilities(address)?.colors;
        const show: LightState = {
          mode: 'on',
          color: !colors?.length || colors.includes('white') ? 'white' : undefined,
          display: typeof address === 'number' ? address : null,
          seq: 0,
        };
        await b.light(address, show).catch((e: unknown) => {
          if (!isPicklineError(e, 'UNSUPPORTED')) throw e;
          return b.light(address, { ...show, color: undefined });
        });
        await new Promise((r) => setTimeout(r, dwellMs));
        await b.clear(address);
        out.answered.push({ bus, address, location });
        step(bus, address, location, 'answered');
      } catch (e) {
        out.failed.push({ bus, address, location, error: (e as Error).message });
        step(bus, address, location, 'failed', (e as Error).message);
      } finally {
        await hold.release();
      }
    }
    out.ms = Date.now() - t0;
    return out;
  }

  async #disarm(key: string, why: string): Promise<{ disarmed: boolean }> {
    const a = this.#armed.get(key);
    if (!a) return { disarmed: false };
    this.#armed.delete(key);
    clearTimeout(a.timer);
    let disarmed = false;
    try {
      // writing its own address back clears the pending one (CONTRACTS.md §4 UNIT_ID)
      await a.bus.setAddress?.(a.from, a.from);
      disarmed = true;
    } catch (e) {
      this.#log?.warn(
        { bus: a.bus.id, from: a.from, to: a.to, err: (e as Error).message },
        're-address not disarmed: the module does not answer at its old address',
      );
    } finally {
      await a.hold.release();
    }
    this.#log?.info({ bus: a.bus.id, from: a.from, to: a.to, why, disarmed }, 're-address ended');
    return { disarmed };
  }

  /** ADDRESS_IN_USE when a module answers at `to` (an identity read, when the profile has one). */
  async #probeFree(bus: TechnicianBus, to: number): Promise<void> {
    const inUse = () =>
      new PicklineError('ADDRESS_IN_USE', `address ${to} is already answering on bus ${bus.id}`, [
        { path: '/to', message: 'is in use' },
      ]);
    if (bus.modules().some((m) => m.address === to && m.online)) throw inUse();
    if ([...this.#armed.values()].some((a) => a.bus === bus && a.to === to)) throw inUse();
    if (!bus.readIdentity) return;
    try {
      await bus.readIdentity(to);
    } catch (e) {
      const code = (e as PicklineError).code;
      if (code === 'DEVICE_TIMEOUT' || code === 'DEVICE_OFFLINE' || code === 'UNSUPPORTED') return;
      if (code !== 'DEVICE_EXCEPTION') throw e; // an exception reply: something answers there
    }
    throw inUse();
  }

  #targets(scope: { bus?: string; zone?: string }): { bus: string; address: ModuleAddress }[] {
    if (scope.zone && scope.bus)
      throw new PicklineError('INVALID_REQUEST', 'give a bus or a zone, not both', [
        { path: '/zone', message: 'must not be given with bus' },
      ]);
    if (scope.zone) {
      if (!this.#site.zones.has(scope.zone))
        throw new PicklineError('ZONE_NOT_FOUND', `no zone ${scope.zone}`);
      return this.#site.modules.filter((m) => m.zone === scope.zone);
    }
    const buses = scope.bus ? [this.#bus(scope.bus).id] : [...this.#buses.keys()];
    const byBus = this.#site.addressesByBus();
    return buses.flatMap((b) => (byBus.get(b) ?? []).map((address) => ({ bus: b, address })));
  }

  /** moduleKey of every lit module of the bus */
  #inUse(busId: string): Set<string> {
    return new Set(
      allLights(this.#store.db)
        .filter((r) => r.bus === busId)
        .map(moduleKey),
    );
  }

  #bus(id: string): TechnicianBus {
    const b = this.#buses.get(id);
    if (!b) throw new PicklineError('BUS_NOT_FOUND', `no bus ${id}`);
    return b;
  }

  #configured(bus: TechnicianBus, address: ModuleAddress): void {
    if (this.#site.moduleName(bus.id, address) === null) {
      throw new PicklineError(
        'MODULE_NOT_FOUND',
        `bus ${bus.id} has no module ${address} in the site config`,
      );
    }
  }
}
