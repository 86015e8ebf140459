/**
 * The simulated floor: every simulated device family of the site (buses
 * marked `simulate: true`) behind one console and one press route
 * (docs/simulators.md "The simulated floor"). `npm start` runs it beside the
 * controller so a newcomer sees bins light; the demo, the soak benchmark and
 * tests use it with ephemeral ports. It knows the site config (bottom layer)
 * and the simulators, never the controller.
 *
 * Two phases: `start()` starts what listens (Modbus banks) before the
 * controller is built; `attach(brokerUrl)` connects what dials in (MQTT
 * modules and scanners) once the controller's broker listens.
 */

import { addressesByBus, wiredModules } from '../config/modules.ts';
import type { Profile } from '../config/profile-schema.ts';
import type { SiteConfig } from '../config/schema.ts';
import { PicklineError } from '../kernel/errors.ts';
import { moduleKey } from '../kernel/module-ref.ts';
import type { SimModule } from '../simulators/modbus/index.ts';
import { ModbusFamily } from './floor-modbus.ts';
import { MqttFamily } from './mqtt-floor.ts';
import { SIM_FAMILIES } from './sim-families.ts';
import { count, type FamilyContext, type SimFamily, type SimTarget } from './sim-family.ts';

export type { SimFamily } from './sim-family.ts';

export interface CommandResult {
  lines: string[];
  quit?: boolean;
}

export const FLOOR_HELP = [
  'press <location|bus:addr> [confirm|short]   press a key on a module',
  'short <location|bus:addr>                   press its short key',
  'plus|minus <location|bus:addr> [n]          change its displayed quantity',
  'fault <location|bus:addr> <kind> [arg]      set or clear a fault (kinds below)',
  'show [location|bus:addr]                    every lit module, or one',
  'scan <scanner> <code>                       a scanner reads a code (MQTT scanners)',
  'help, quit',
];

/** The keys the floor view may press (POST /simulator/locations/{location}/press). */
export type FloorKey = 'confirm' | 'short' | 'plus' | 'minus';

/** True when the site has a bus marked `simulate: true`. */
export function hasSimulatedBus(config: SiteConfig): boolean {
  return config.buses.some((b) => 'simulate' in b && b.simulate === true);
}

export class SimulatedFloor {
  readonly #config: SiteConfig;
  readonly #ephemeral: boolean;
  readonly families: SimFamily[];
  readonly modbus: ModbusFamily;
  readonly mqtt: MqttFamily;
  /** moduleKey → location id or `<zone>-DONE` */
  readonly #names = new Map<string, string>();
  /** location id → its module */
  readonly #locations = new Map<string, { bus: string; address: number | string }>();
  /** every location id of the site, with or without a module (voice locations have none) */
  readonly #allLocations = new Set<string>();

  /** `ephemeral`: Modbus banks listen on free ports instead of the configured ones. */
  constructor(
    config: SiteConfig,
    profiles: Map<string, Profile>,
    opts: { ephemeral?: boolean } = {},
  ) {
    this.#config = config;
    this.#ephemeral = opts.ephemeral ?? false;
    for (const z of config.zones) for (const l of z.locations) this.#allLocations.add(l.id);
    const wired = wiredModules(config);
    for (const m of wired) {
      this.#names.set(moduleKey(m), m.name);
      this.#locations.set(m.name, { bus: m.bus, address: m.address });
    }
    const ctx: FamilyContext = {
      config,
      profiles,
      addresses: addressesByBus(wired),
      name: (bus, address) => this.#names.get(moduleKey({ bus, address })) ?? null,
    };
    // every family of the record joins the console and the press route
    this.families = Object.values(SIM_FAMILIES).map((make) => make(ctx));
    this.modbus = this.families.find((f) => f instanceof ModbusFamily) as ModbusFamily;
    this.mqtt = this.families.find((f) => f instanceof MqttFamily) as MqttFamily;
  }

  /** Modbus banks per bus (tests read registers). */
  get banks() {
    return this.modbus.banks;
  }

  /** Phase 1: starts the listening families; returns where each bus listens. */
  async start(): Promise<Map<string, { host: string; port: number }>> {
    const out = new Map<string, { host: string; port: number }>();
    for (const f of this.families)
      for (const [bus, at] of await f.listen(this.#ephemeral)) out.set(bus, at);
    return out;
  }

  /** Phase 2: connects the dialling families (MQTT) to the controller's broker. */
  async attach(brokerUrl: string | null = this.#config.mqtt?.url ?? null): Promise<void> {
    for (const f of this.families) await f.attach(brokerUrl);
  }

  /** Modules the dialling families connected (0 before attach). */
  get attached(): number {
    return this.families.reduce((n, f) => n + f.attached(), 0);
  }

  /** What dialled in leaves, before the controller's broker stops. */
  async detach(): Promise<void> {
    for (const f of this.families) await f.detach();
  }

  async stop(): Promise<void> {
    for (const f of [...this.families].reverse()) await f.stop();
  }

  /** One line per change of what a simulated module shows (all families). */
  onChange(listener: (text: string) => void): () => void {
    const offs = this.families.map((f) => f.onChange(listener));
    return () => {
      for (const off of offs) off();
    };
  }

  /**
   * A key of the module at a location, as a picker would press it (the floor
   * view's clicks). LOCATION_NOT_FOUND for an unknown location or one
   * without a simulated module; UNSUPPORTED for a key its family lacks.
   */
  async pressKey(location: string, key: FloorKey): Promise<void> {
    const at = this.#locations.get(location);
    const t = at ? this.#target(`${at.bus}:${at.address}`, false) : null;
    if (!t) {
      throw new PicklineError(
        'LOCATION_NOT_FOUND',
        at
          ? `location ${location} (${at.bus}:${at.address}) is not on a simulated bus`
          : this.#allLocations.has(location)
            ? `location ${location} has no light module (a voice location)`
            : `no location ${location}`,
      );
    }
    const { family, target } = t;
    if (key === 'plus' || key === 'minus') await family.adjust(target, key === 'plus' ? 1 : -1);
    else await family.press(target, key);
  }

  /** The simulated Modbus module behind a location id or `bus:address` (tests, the demo). */
  module(target: string): SimModule {
    const t = this.#target(target, true);
    if (t?.family !== this.modbus)
      throw new PicklineError('MODULE_NOT_FOUND', `no simulated Modbus module "${target}"`);
    return this.modbus.module(t.target);
  }

  /** One console line (see FLOOR_HELP). */
  async command(line: string): Promise<CommandResult> {
    const [raw, target, ...rest] = line.trim().split(/\s+/).filter(Boolean);
    const cmd = raw?.toLowerCase();
    if (!cmd) return { lines: [] };
    if (cmd === 'quit' || cmd === 'exit') return { lines: ['bye'], quit: true };
    try {
      return { lines: await this.#run(cmd, target, rest) };
    } catch (e) {
      if (e instanceof PicklineError) return { lines: [`error: ${e.message}`] };
      throw e;
    }
  }

  async #run(cmd: string, target: string | undefined, rest: string[]): Promise<string[]> {
    if (cmd === 'help' || cmd === '?') return this.help();
    if (cmd === 'show' && !target) {
      const lines = this.families.flatMap((f) => f.lit());
      return lines.length > 0 ? lines : ['nothing is lit'];
    }
    if (cmd === 'scan') {
      const family = this.families.find((f) => target && f.scanners().includes(target));
      if (!target || !rest[0]) throw new PicklineError('BAD_REQUEST', 'scan <scanner> <code>');
      if (!family) throw new PicklineError('NOT_FOUND', `no simulated scanner "${target}"`);
      return [await family.scan(target, rest[0])];
    }
    if (!['press', 'short', 'plus', 'minus', 'fault', 'show'].includes(cmd))
      throw new PicklineError('BAD_REQUEST', `unknown command "${cmd}"; type help`);
    if (!target) throw new PicklineError('BAD_REQUEST', `${cmd} needs a location or bus:address`);
    const t = this.#target(target, true);
    if (!t) throw new PicklineError('MODULE_NOT_FOUND', this.#notFound(target));
    const { family, target: m } = t;
    switch (cmd) {
      case 'press': {
        const key = rest[0] ?? 'confirm';
        if (key !== 'confirm' && key !== 'short')
          throw new PicklineError('BAD_REQUEST', 'key must be confirm or short');
        return [await family.press(m, key)];
      }
      case 'short':
        return [await family.press(m, 'short')];
      case 'plus':
      case 'minus': {
        const n = count(rest[0], 'n', 1);
        return [await family.adjust(m, cmd === 'plus' ? n : -n)];
      }
      case 'fault':
        return [await family.fault(m, rest)];
      default:
        return [`${m.bus} ${m.name ?? ''} ${family.look(m)}`.replace(/\s+/g, ' ')];
    }
  }

  help(): string[] {
    return [
      ...FLOOR_HELP,
      ...this.families
        .filter((f) => f.buses.length > 0)
        .map((f) => `${f.label} (${f.buses.join(', ')}): faults ${f.faults}`),
    ];
  }

  /** A location id or `bus:address` → its family and module; null when none simulates it. */
  #target(text: string, byName: boolean): { family: SimFamily; target: SimTarget } | null {
    const m = /^([^:]+):(.+)$/.exec(text);
    let at = byName ? this.#locations.get(text) : undefined;
    if (!at && m) at = { bus: m[1], address: /^\d+$/.test(m[2]) ? Number(m[2]) : m[2] };
    if (!at) return null;
    const family = this.families.find((f) => f.has(at.bus, at.address));
    if (!family) return null;
    const name = this.#names.get(moduleKey(at)) ?? null;
    return { family, target: { bus: at.bus, address: at.address, name } };
  }

  #notFound(target: string): string {
    const at = this.#locations.get(target);
    return at
      ? `${target} (${at.bus}:${at.address}) is not on a simulated bus`
      : `no simulated module "${target}" (use a location id or bus:address)`;
  }
}
