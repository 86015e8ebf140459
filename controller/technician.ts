/**
 * Technician operations (HARDWARE.md "What technicians need"): buses and
 * modules with health and counters, identify (blink one module), walk test
 * (light every module in turn, report those that never answered), change a
 * module's address, read its identity.
 */
import { PicklineError } from '../config/errors.ts';
import type {
  BusInfo,
  ModuleIdentity,
  ModuleInfo,
  TechnicianBus,
} from '../device-drivers/types.ts';
import type { Site } from './site.ts';
import { type Store, stmt } from './store/db.ts';

export interface ModuleView extends ModuleInfo {
  location: string | null;
  zone: string | null;
  /** the module shows a pick job now (walk tests leave it alone) */
  inUse: boolean;
}

export interface WalkResult {
  tested: number;
  answered: { bus: string; address: number; location: string | null }[];
  failed: { bus: string; address: number; location: string | null; error: string }[];
  skipped: { bus: string; address: number; location: string | null; reason: string }[];
  ms: number;
}

export class Technician {
  readonly #buses: Map<string, TechnicianBus>;
  readonly #site: Site;
  readonly #store: Store;

  constructor(deps: { buses: Map<string, TechnicianBus>; site: Site; store: Store }) {
    this.#buses = deps.buses;
    this.#site = deps.site;
    this.#store = deps.store;
  }

  buses(): (BusInfo & { modules: number })[] {
    return [...this.#buses.values()].map((b) => b.info());
  }

  modules(busId: string): ModuleView[] {
    const bus = this.#bus(busId);
    const inUse = this.#inUse(busId);
    return bus.modules().map((m) => {
      const loc = this.#site.byModule.get(`${busId}/${m.address}`);
      return {
        ...m,
        location: this.#site.moduleName(busId, m.address),
        zone: loc?.zone ?? null,
        inUse: inUse.has(m.address),
      };
    });
  }

  async identify(busId: string, address: number, ms = 3000): Promise<void> {
    const bus = this.#bus(busId);
    this.#module(bus, address);
    if (!bus.identify)
      throw new PicklineError('UNSUPPORTED', `bus ${busId} cannot identify modules`);
    await bus.identify(address, ms);
  }

  async readIdentity(busId: string, address: number): Promise<ModuleIdentity> {
    const bus = this.#bus(busId);
    if (!bus.readIdentity)
      throw new PicklineError('UNSUPPORTED', `bus ${busId} cannot read identities`);
    return bus.readIdentity(address);
  }

  /** The module at `from` takes address `to`; the site config must then name `to`. */
  async setAddress(busId: string, from: number, to: number): Promise<{ needsKeyPress: boolean }> {
    const bus = this.#bus(busId);
    if (!bus.setAddress)
      throw new PicklineError('UNSUPPORTED', `bus ${busId} cannot re-address modules`);
    if (from === to)
      throw new PicklineError('INVALID_REQUEST', 'the new address equals the old one', [
        { path: '/to', message: 'must differ from the current address' },
      ]);
    if (bus.modules().some((m) => m.address === to && m.online)) {
      throw new PicklineError(
        'INVALID_REQUEST',
        `address ${to} is already answering on bus ${busId}`,
        [{ path: '/to', message: 'is in use' }],
      );
    }
    return bus.setAddress(from, to);
  }

  /**
   * Lights each module of the scope in turn (white, its address on the
   * display) for `dwellMs`, then clears it. Modules showing a pick job are
   * skipped, never disturbed.
   */
  async walkTest(scope: { bus?: string; zone?: string }, dwellMs = 200): Promise<WalkResult> {
    const t0 = Date.now();
    const targets = this.#targets(scope);
    const out: WalkResult = { tested: 0, answered: [], failed: [], skipped: [], ms: 0 };
    for (const { bus, address } of targets) {
      const location = this.#site.moduleName(bus, address);
      if (this.#inUse(bus).has(address)) {
        out.skipped.push({ bus, address, location, reason: 'shows a pick job' });
        continue;
      }
      out.tested++;
      const b = this.#bus(bus);
      try {
        await b.light(address, { mode: 'on', color: 'white', display: address, seq: 0 });
        await new Promise((r) => setTimeout(r, dwellMs));
        await b.clear(address);
        out.answered.push({ bus, address, location });
      } catch (e) {
        out.failed.push({ bus, address, location, error: (e as Error).message });
      }
    }
    out.ms = Date.now() - t0;
    return out;
  }

  #targets(scope: { bus?: string; zone?: string }): { bus: string; address: number }[] {
    if (scope.zone) {
      if (!this.#site.zones.has(scope.zone))
        throw new PicklineError('ZONE_NOT_FOUND', `no zone ${scope.zone}`);
      return this.#site.modules.filter((m) => m.zone === scope.zone);
    }
    const buses = scope.bus ? [this.#bus(scope.bus).id] : [...this.#buses.keys()];
    const byBus = this.#site.addressesByBus();
    return buses.flatMap((b) => (byBus.get(b) ?? []).map((address) => ({ bus: b, address })));
  }

  #inUse(busId: string): Set<number> {
    const rows = stmt(this.#store.db, 'SELECT address FROM lights WHERE bus = ?').all(busId) as {
      address: number;
    }[];
    return new Set(rows.map((r) => r.address));
  }

  #bus(id: string): TechnicianBus {
    const b = this.#buses.get(id);
    if (!b) throw new PicklineError('BUS_NOT_FOUND', `no bus ${id}`);
    return b;
  }

  #module(bus: TechnicianBus, address: number): void {
    if (!bus.modules().some((m) => m.address === address)) {
      throw new PicklineError(
        'MODULE_NOT_FOUND',
        `bus ${bus.id} has no module ${address} in the site config`,
      );
    }
  }
}
