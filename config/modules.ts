/**
 * Every light module a site config wires: location modules and zones' done
 * indicators, each with the name technicians and the simulator console use
 * (the location id, or `<zone>-DONE`). One walk over the config, shared by the
 * controller's site model and the simulated floor.
 */
import { compareAddress, type ModuleAddress } from '../kernel/module-ref.ts';
import type { SiteConfig } from './schema.ts';

export interface WiredModule {
  bus: string;
  address: ModuleAddress;
  zone: string;
  name: string;
  kind: 'location' | 'done-indicator';
}

export function wiredModules(cfg: SiteConfig): WiredModule[] {
  const out: WiredModule[] = [];
  for (const z of cfg.zones) {
    if (z.doneIndicator)
      out.push({ ...z.doneIndicator, zone: z.id, name: `${z.id}-DONE`, kind: 'done-indicator' });
    for (const l of z.locations) {
      if (l.bus && l.address !== undefined) {
        out.push({ bus: l.bus, address: l.address, zone: z.id, name: l.id, kind: 'location' });
      }
    }
  }
  return out;
}

/** Addresses in use on each bus, ascending (numbers, then module ids). */
export function addressesByBus(modules: WiredModule[]): Map<string, ModuleAddress[]> {
  const out = new Map<string, Set<ModuleAddress>>();
  for (const m of modules) {
    if (!out.has(m.bus)) out.set(m.bus, new Set());
    out.get(m.bus)!.add(m.address);
  }
  return new Map([...out].map(([k, v]) => [k, [...v].sort(compareAddress)]));
}
