/**
 * The floor as the controller sees it: zones and locations from the validated
 * site config (CSV imports already merged), indexed for lookups.
 */

import { addressesByBus, type WiredModule, wiredModules } from '../config/modules.ts';
import { DEFAULT_PALETTE } from '../config/palette.ts';
import type { Color, SiteConfig, ZoneConfig } from '../config/schema.ts';
import { transportSpec } from '../config/transports/index.ts';
import { type ModuleAddress, moduleKey } from '../device-drivers/types.ts';

export interface Location {
  id: string;
  zone: string;
  mode: ZoneConfig['mode'];
  bus: string | null;
  address: ModuleAddress | null;
  checkDigits: string | null;
  aisle: string | null;
  slot: string | null;
}

export interface Zone {
  id: string;
  name: string;
  mode: ZoneConfig['mode'];
  colors: Color[];
  doneIndicator: { bus: string; address: ModuleAddress } | null;
  /** record quantities above the request (default false) */
  allowOverPick: boolean;
  locations: Location[];
}

/** A scanner (config `scanners[]`): its scans record this operator, in this colour when free. */
export interface Scanner {
  id: string;
  zone: string;
  /** config key `picker` */
  operator: string;
  color: Color | null;
}

export class Site {
  readonly name: string;
  readonly zones = new Map<string, Zone>();
  readonly locations = new Map<string, Location>();
  /** moduleKey → location (done indicators are not locations) */
  readonly byModule = new Map<string, Location>();
  /** every wired module: locations and done indicators */
  readonly modules: WiredModule[];
  /** configured operator ids; empty when the site configures none (any operator id is taken) */
  readonly operators: ReadonlySet<string>;
  /** buses whose modules are named by module id, not unit number (MQTT) */
  readonly idBuses: ReadonlySet<string>;
  readonly scanners = new Map<string, Scanner>();
  readonly #names = new Map<string, string>();

  constructor(cfg: SiteConfig) {
    this.name = cfg.site;
    this.modules = wiredModules(cfg);
    this.operators = new Set((cfg.operators ?? []).map((o) => o.id));
    this.idBuses = new Set(
      cfg.buses.filter((b) => transportSpec(b.transport)?.addressing === 'id').map((b) => b.id),
    );
    for (const s of cfg.scanners ?? [])
      this.scanners.set(s.id, {
        id: s.id,
        zone: s.zone,
        operator: s.picker,
        color: s.color ?? null,
      });
    for (const m of this.modules) this.#names.set(moduleKey(m), m.name);
    for (const z of cfg.zones) {
      const zone: Zone = {
        id: z.id,
        name: z.name ?? z.id,
        mode: z.mode,
        // config/load.ts already left out the default colours its modules cannot show
        colors: z.colors ?? [...DEFAULT_PALETTE],
        doneIndicator: z.doneIndicator ?? null,
        allowOverPick: z.allowOverPick ?? false,
        locations: [],
      };
      for (const l of z.locations) {
        const loc = toLocation(zone, l);
        zone.locations.push(loc);
        this.locations.set(loc.id, loc);
        if (loc.bus && loc.address !== null)
          this.byModule.set(moduleKey({ bus: loc.bus, address: loc.address }), loc);
      }
      this.zones.set(zone.id, zone);
    }
  }

  /** Addresses in use on each bus (locations and done indicators). */
  addressesByBus(): Map<string, ModuleAddress[]> {
    return addressesByBus(this.modules);
  }

  /**
   * Puts imported locations in place (controller/locations-import.ts checked
   * them: known zones, modules already wired, one location per module): each
   * replaces the location of the same id or is added to its zone.
   */
  setLocations(rows: Location[]): void {
    for (const r of rows) {
      const old = this.locations.get(r.id);
      if (old) {
        const z = this.zones.get(old.zone)!;
        z.locations = z.locations.filter((l) => l.id !== r.id);
        if (old.bus && old.address !== null) {
          const key = moduleKey({ bus: old.bus, address: old.address });
          if (this.byModule.get(key)?.id === r.id) this.byModule.delete(key);
          if (this.#names.get(key) === r.id) this.#names.delete(key);
        }
      }
    }
    for (const r of rows) {
      this.locations.set(r.id, r);
      this.zones.get(r.zone)!.locations.push(r);
      if (r.bus && r.address !== null) {
        const key = moduleKey({ bus: r.bus, address: r.address });
        this.byModule.set(key, r);
        this.#names.set(key, r.id);
        const m = this.modules.find((x) => x.kind === 'location' && moduleKey(x) === key);
        if (m) Object.assign(m, { zone: r.zone, name: r.id });
      }
    }
  }

  /**
   * The colours the site asks of the module at a bus address: its zone's
   * (a location's or a done indicator's); none for a module of no zone. A
   * module announcing at run time that it cannot show one is flagged by its
   * driver (device-drivers/common/capabilities.ts).
   */
  colorsFor(bus: string, address: ModuleAddress): readonly Color[] {
    const key = moduleKey({ bus, address });
    const loc = this.byModule.get(key);
    const zone = loc
      ? this.zones.get(loc.zone)
      : [...this.zones.values()].find((z) => z.doneIndicator && moduleKey(z.doneIndicator) === key);
    return zone && zone.mode !== 'voice' ? zone.colors : [];
  }

  /** The location id or `<zone>-DONE` wired at a bus address, else null. */
  moduleName(bus: string, address: ModuleAddress): string | null {
    return this.#names.get(moduleKey({ bus, address })) ?? null;
  }
}

/** A location of `zone` from its config (or CSV) row; absent fields are null. */
export function toLocation(
  zone: { id: string; mode: ZoneConfig['mode'] },
  l: {
    id: string;
    bus?: string;
    address?: ModuleAddress;
    checkDigits?: string;
    aisle?: string;
    slot?: string;
  },
): Location {
  return {
    id: l.id,
    zone: zone.id,
    mode: zone.mode,
    bus: l.bus ?? null,
    address: l.address ?? null,
    checkDigits: l.checkDigits ?? null,
    aisle: l.aisle ?? null,
    slot: l.slot ?? null,
  };
}
