/**
 * The Modbus TCP family of the simulated floor (app/sim-family.ts): one
 * module bank per `modbus-tcp` bus marked `simulate: true`, served over Modbus
 * TCP where the bus points (or on a free port, `ephemeral`). Faults: silence,
 * bad-crc, exception [code], slow <ms>, none (docs/simulators.md).
 */

import type { Profile } from '../config/profile-schema.ts';
import type { SiteConfig } from '../config/schema.ts';
import type { ModbusTcpBusConfig } from '../config/transports/modbus.ts';
import { PicklineError } from '../kernel/errors.ts';
import {
  describe,
  ModbusTcpSimulator,
  ModuleBank,
  type SimFault,
  type SimModule,
} from '../simulators/modbus/index.ts';
import { count, type SimFamily, type SimTarget, unsupported } from './sim-family.ts';

const LABEL = 'Modbus TCP';
const FAULTS = 'silence, bad-crc, exception [code], slow <ms>, none';

export class ModbusFamily implements SimFamily {
  readonly label = LABEL;
  readonly faults = FAULTS;
  readonly buses: readonly string[];
  readonly banks = new Map<string, ModuleBank>();
  readonly #configs: ModbusTcpBusConfig[];
  readonly #servers = new Map<string, ModbusTcpSimulator>();
  readonly #listeners = new Set<(text: string) => void>();

  /** `addresses`: the module addresses of each bus; `name`: a module's location */
  constructor(
    config: SiteConfig,
    private readonly profiles: Map<string, Profile>,
    private readonly addresses: Map<string, (number | string)[]>,
    private readonly name: (bus: string, address: number | string) => string | null,
  ) {
    this.#configs = config.buses.filter(
      (b): b is ModbusTcpBusConfig => b.transport === 'modbus-tcp' && b.simulate === true,
    );
    this.buses = this.#configs.map((b) => b.id);
  }

  async listen(ephemeral: boolean): Promise<Map<string, { host: string; port: number }>> {
    const out = new Map<string, { host: string; port: number }>();
    for (const b of this.#configs) {
      const profile = this.profiles.get(b.profile ?? 'pickline-ptl-v1');
      if (!profile)
        throw new PicklineError('CONFIG_INVALID', `bus ${b.id}: unknown profile ${b.profile}`);
      const bank = new ModuleBank({
        profile,
        addresses: (this.addresses.get(b.id) ?? []).filter(
          (a): a is number => typeof a === 'number',
        ),
      });
      for (const m of bank.modules()) {
        m.on('change', () => {
          const text = this.#line(b.id, m);
          for (const l of this.#listeners) l(text);
        });
      }
      const server = new ModbusTcpSimulator(bank, {
        host: b.host ?? '127.0.0.1',
        port: ephemeral ? 0 : b.port,
      });
      this.banks.set(b.id, bank);
      this.#servers.set(b.id, server);
      out.set(b.id, await server.start());
    }
    return out;
  }

  async attach(): Promise<void> {}

  attached(): number {
    return 0;
  }

  async detach(): Promise<void> {}

  has(bus: string, address: number | string): boolean {
    const bank = this.banks.get(bus);
    return (
      bank !== undefined &&
      typeof address === 'number' &&
      bank.modules().some((m) => m.address === address)
    );
  }

  /** The simulated module behind a target (tests and the demo drive it directly). */
  module(t: { bus: string; address: number | string }): SimModule {
    return this.banks.get(t.bus)!.module(Number(t.address));
  }

  async press(t: SimTarget, key: 'confirm' | 'short'): Promise<string> {
    const m = this.module(t);
    const before = m.address;
    m.press(key);
    return m.address !== before
      ? `module ${before} took address ${m.address}`
      : `pressed ${key} on ${this.#line(t.bus, m)}`;
  }

  async adjust(t: SimTarget, by: number): Promise<string> {
    const m = this.module(t);
    if (!m.profile.capabilities.localAdjust)
      throw unsupported(LABEL, `of profile ${m.profile.name} have no +/- keys`);
    if (by >= 0) m.plus(by);
    else m.minus(-by);
    return `${by >= 0 ? 'plus' : 'minus'} ${Math.abs(by)} on ${this.#line(t.bus, m)}`;
  }

  async fault(t: SimTarget, words: string[]): Promise<string> {
    const m = this.module(t);
    m.setFault(parseFault(words));
    return `fault on ${this.#line(t.bus, m)}: ${m.fault ? m.fault.kind : 'none'}`;
  }

  look(t: SimTarget): string {
    const m = this.module(t);
    return describe(m.address, m.state(), m);
  }

  lit(): string[] {
    const out: string[] = [];
    for (const [bus, bank] of this.banks)
      for (const m of bank.modules()) if (m.state().lamp || m.fault) out.push(this.#line(bus, m));
    return out;
  }

  scanners(): string[] {
    return [];
  }

  async scan(): Promise<string> {
    throw unsupported(LABEL, 'have no scanners', 'scanners are MQTT devices');
  }

  onChange(listener: (text: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.#servers.values()].map((s) => s.stop()));
    this.#servers.clear();
  }

  #line(bus: string, m: SimModule): string {
    return `${bus} ${this.name(bus, m.address) ?? ''} ${describe(m.address, m.state(), m)}`.replace(
      /\s+/g,
      ' ',
    );
  }
}

function parseFault(words: string[]): SimFault | null {
  const [kind, arg] = words;
  switch (kind) {
    case 'none':
      return null;
    case 'silence':
    case 'silent':
    case 'bad-crc':
      return { kind: kind === 'silent' ? 'silence' : kind };
    case 'exception':
      return arg === undefined ? { kind } : { kind, code: count(arg, 'exception code', 4) };
    case 'slow':
      return { kind, ms: count(arg, 'slow <ms>', 500) };
    case 'drop':
      throw unsupported(LABEL, 'cannot drop a connection', `faults: ${FAULTS}`);
    default:
      throw new PicklineError('BAD_REQUEST', `fault kind for ${LABEL}: ${FAULTS}`);
  }
}
