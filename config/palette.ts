/**
 * Zone colours against what their modules can show (CONTRACTS.md §5
 * `zones[].colors`; the bus capability query, config/colors.ts). Where the
 * config already knows a module's capabilities (its transport spec says so:
 * a Modbus profile, ABLEPick tags), a colour a zone names that one of its
 * modules cannot show is refused at load, naming the zone, the colour, a
 * module and its profile; a zone without `colors` gets the default palette
 * less the colours its modules cannot show. Modules with one fixed colour
 * show any colour asked as theirs and restrict nothing; modules known only
 * at run time (MQTT) are checked when they announce their capabilities
 * (device-drivers/common/capabilities.ts).
 */
import type { ErrorDetail } from '../kernel/errors.ts';
import { type Color, isColor, type ModuleCapabilities } from './colors.ts';
import type { Profile } from './profile-schema.ts';
import type { SiteConfig, ZoneConfig } from './schema.ts';
import { transportSpec } from './transports/index.ts';

/** A zone's colours when it names none: green first (what pickers expect for "pick here"); red is kept for faults. */
export const DEFAULT_PALETTE: readonly Color[] = [
  'green',
  'blue',
  'yellow',
  'magenta',
  'cyan',
  'white',
];

type Caps = Map<string, ModuleCapabilities | null>;

/** What the config knows of each bus's modules (null: only they can say, at run time). */
export function busCapabilities(c: SiteConfig, profiles: ReadonlyMap<string, Profile>): Caps {
  const out: Caps = new Map();
  for (const b of Array.isArray(c.buses) ? c.buses : []) {
    if (!b || typeof b.id !== 'string') continue;
    const spec = transportSpec(b.transport);
    out.set(b.id, spec ? spec.capabilities(b, profiles) : null);
  }
  return out;
}

interface Wired {
  bus: string;
  address: unknown;
  name: string;
}

/** The modules of a zone: its locations' and its done indicator. */
function zoneModules(z: ZoneConfig): Wired[] {
  const out: Wired[] = [];
  const d = z.doneIndicator;
  if (d && typeof d.bus === 'string')
    out.push({ bus: d.bus, address: d.address, name: `${z.id}-DONE` });
  for (const l of Array.isArray(z.locations) ? z.locations : [])
    if (l && typeof l.bus === 'string' && l.address !== undefined)
      out.push({ bus: l.bus, address: l.address, name: `location ${l.id}` });
  return out;
}

/** The first module of each bus of the zone whose modules show colours (not one fixed colour). */
function restricting(z: ZoneConfig, caps: Caps): { m: Wired; caps: ModuleCapabilities }[] {
  const seen = new Map<string, { m: Wired; caps: ModuleCapabilities }>();
  for (const m of zoneModules(z)) {
    const k = caps.get(m.bus);
    if (k && k.colors.length > 0 && !seen.has(m.bus)) seen.set(m.bus, { m, caps: k });
  }
  return [...seen.values()];
}

/** The colours a zone lights in: its own `colors`, or the default palette its modules can show. */
export function zonePalette(z: ZoneConfig, caps: Caps): Color[] {
  if (z.colors) return [...z.colors];
  const limits = restricting(z, caps);
  return DEFAULT_PALETTE.filter((c) => limits.every((r) => r.caps.colors.includes(c)));
}

/** Every zone colour a known module cannot show; every zone left without a default colour. */
export function paletteProblems(c: SiteConfig, caps: Caps): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  (Array.isArray(c.zones) ? c.zones : []).forEach((z, i) => {
    if (!z || typeof z !== 'object' || z.mode === 'voice') return;
    const limits = restricting(z, caps);
    if (Array.isArray(z.colors)) {
      z.colors.forEach((color, j) => {
        if (!isColor(color)) return; // the schema said so
        for (const { m, caps: k } of limits)
          if (!k.colors.includes(color))
            out.push({
              path: `/zones/${i}/colors/${j}`,
              message: `zone ${z.id}: ${m.name} (bus ${m.bus}, address ${m.address}) cannot show ${color} (${k.source}: ${k.colors.join(', ')})`,
            });
      });
    } else if (limits.length > 0 && zonePalette(z, caps).length === 0) {
      out.push({
        path: `/zones/${i}`,
        message: `zone ${z.id}: its modules show none of the default colours (${DEFAULT_PALETTE.join(', ')}); name the zone's colors`,
      });
    }
  });
  return out;
}
