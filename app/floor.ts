/**
 * The simulated floor: one Modbus module bank per bus marked `simulate: true`
 * in the site config, served over Modbus TCP where the bus points. `npm start`
 * runs it beside the controller so a newcomer sees bins light; tests use it
 * with ephemeral ports. It knows the site config (bottom layer), never the
 * controller.
 */

import { PicklineError } from '../config/errors.ts';
import { moduleKey } from '../config/module-ref.ts';
import { addressesByBus, wiredModules } from '../config/modules.ts';
import type { Profile } from '../config/profile-schema.ts';
import type { ModbusTcpBusConfig, SiteConfig } from '../config/schema.ts';
import {
  type CommandResult,
  describe,
  ModbusTcpSimulator,
  ModuleBank,
  runCommand,
  type SimModuleState,
} from '../simulators/modbus/index.ts';

export interface FloorChange {
  bus: string;
  address: number;
  location: string | null;
  state: SimModuleState;
  text: string;
}

export const FLOOR_HELP = [
  'press <location|bus:addr> [confirm|short]   press a key on a module',
  'plus|minus <location|bus:addr> [n]          change its displayed quantity',
  'fault <location|bus:addr> silence|bad-crc|exception|slow <ms>|none',
  'show                                        every lit module',
  'help, quit',
];

export class SimulatedFloor {
  readonly #config: SiteConfig;
  readonly #profiles: Map<string, Profile>;
  readonly #ephemeral: boolean;
  readonly banks = new Map<string, ModuleBank>();
  readonly #servers = new Map<string, ModbusTcpSimulator>();
  /** moduleKey → location id or `<zone>-DONE` */
  readonly #names = new Map<string, string>();
  readonly #listeners = new Set<(c: FloorChange) => void>();

  /** `ephemeral`: ignore the configured ports and listen on free ones (tests). */
  constructor(
    config: SiteConfig,
    profiles: Map<string, Profile>,
    opts: { ephemeral?: boolean } = {},
  ) {
    this.#config = config;
    this.#profiles = profiles;
    this.#ephemeral = opts.ephemeral ?? false;
  }

  /** Starts a bank per simulated bus; returns where each listens. */
  async start(): Promise<Map<string, { host: string; port: number }>> {
    const out = new Map<string, { host: string; port: number }>();
    const wired = wiredModules(this.#config);
    for (const m of wired) this.#names.set(moduleKey(m), m.name);
    const addresses = addressesByBus(wired);
    // the schema allows `simulate` on modbus-tcp buses only
    const simulated = this.#config.buses.filter(
      (x): x is ModbusTcpBusConfig => x.transport === 'modbus-tcp' && x.simulate === true,
    );
    for (const b of simulated) {
      const profile = this.#profiles.get(b.profile ?? 'pickline-ptl-v1');
      if (!profile)
        throw new PicklineError('CONFIG_INVALID', `bus ${b.id}: unknown profile ${b.profile}`);
      const bank = new ModuleBank({
        profile,
        // Modbus units; module ids belong to MQTT buses, which are not simulated here
        addresses: (addresses.get(b.id) ?? []).filter((a): a is number => typeof a === 'number'),
      });
      for (const m of bank.modules()) {
        const address = m.address;
        m.on('change', (state: SimModuleState) => {
          const c: FloorChange = {
            bus: b.id,
            address,
            location: this.#names.get(moduleKey({ bus: b.id, address })) ?? null,
            state,
            text: `${b.id} ${this.#names.get(moduleKey({ bus: b.id, address })) ?? ''} ${describe(address, state, m)}`.replace(
              /\s+/g,
              ' ',
            ),
          };
          for (const l of this.#listeners) l(c);
        });
      }
      const server = new ModbusTcpSimulator(bank, {
        host: b.host ?? '127.0.0.1',
        port: this.#ephemeral ? 0 : b.port,
      });
      this.banks.set(b.id, bank);
      this.#servers.set(b.id, server);
      out.set(b.id, await server.start());
    }
    return out;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.#servers.values()].map((s) => s.stop()));
    this.#servers.clear();
  }

  onChange(l: (c: FloorChange) => void): () => void {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }

  /** A key of the module at a location, as a picker would press it (the floor view's clicks). */
  pressKey(location: string, key: 'confirm' | 'short' | 'plus' | 'minus'): void {
    const m = this.module(location);
    if (key === 'plus') m.plus();
    else if (key === 'minus') m.minus();
    else m.press(key);
  }

  /** The simulated module behind a location id or `bus:address`. */
  module(target: string) {
    const { bus, address } = this.#resolve(target);
    return this.banks.get(bus)!.module(address);
  }

  /** One console line (see FLOOR_HELP). Pure text in, text out. */
  command(line: string): CommandResult {
    const [cmd, target, ...rest] = line.trim().split(/\s+/).filter(Boolean);
    if (!cmd) return { lines: [] };
    if (cmd === 'help') return { lines: FLOOR_HELP };
    if (cmd === 'quit' || cmd === 'exit') return { lines: ['bye'], quit: true };
    if (cmd === 'show') {
      const lines: string[] = [];
      for (const [bus, bank] of this.banks) {
        for (const m of bank.modules()) {
          const s = m.state();
          if (s.mode !== 'off')
            lines.push(
              `${bus} ${this.#names.get(moduleKey({ bus, address: m.address })) ?? ''} ${describe(m.address, s, m)}`,
            );
        }
      }
      return { lines: lines.length > 0 ? lines : ['nothing is lit'] };
    }
    if (!target) return { lines: [`error: ${cmd} needs a location or bus:address`] };
    try {
      const { bus, address } = this.#resolve(target);
      return runCommand({ bank: this.banks.get(bus)! }, [cmd, String(address), ...rest].join(' '));
    } catch (e) {
      return { lines: [`error: ${(e as Error).message}`] };
    }
  }

  #resolve(target: string): { bus: string; address: number } {
    const m = /^([^:]+):(\d+)$/.exec(target);
    if (m && this.banks.has(m[1])) return { bus: m[1], address: Number(m[2]) };
    for (const w of wiredModules(this.#config)) {
      if (w.name === target && this.banks.has(w.bus) && typeof w.address === 'number')
        return { bus: w.bus, address: w.address };
    }
    throw new PicklineError(
      'MODULE_NOT_FOUND',
      `no simulated module "${target}" (use a location id or bus:address)`,
    );
  }
}
