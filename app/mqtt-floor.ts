/**
 * The MQTT family of the simulated floor (app/sim-family.ts): one fleet of
 * MQTT modules for the buses marked `simulate: true` (and the configured
 * scanners), each module logging in with its configured plain `secret`.
 * Attached once the controller's embedded broker listens (or to `mqtt.url`).
 * Faults: silence (connected, ignores `set`), slow <ms> (late acks), drop
 * (the connection breaks, the broker sends the will), none. A module without
 * a plain secret in `mqtt.modules` cannot log in and is not simulated.
 */
import type { SiteConfig } from '../config/schema.ts';
import { MqttFleet, type MqttSimModule, type Shown } from '../simulators/mqtt/index.ts';
import { count, type SimFamily, type SimTarget, unsupported } from './sim-family.ts';

const LABEL = 'MQTT';
const FAULTS = 'silence, slow <ms>, drop, none';

/** `on green 3 seq=7`, as the Modbus family describes its modules. */
export function describeShown(id: string, s: Shown): string {
  const parts = [`[${id}]`, s.mode];
  if (s.mode !== 'off') {
    if (s.color) parts.push(s.color);
    if (s.display !== null) parts.push(String(s.display));
  }
  parts.push(`seq=${s.seq}`);
  return parts.join(' ');
}

export class MqttFamily implements SimFamily {
  readonly label = LABEL;
  readonly faults = FAULTS;
  readonly buses: readonly string[];
  #fleet: MqttFleet | null = null;
  /** `bus|moduleId` → module */
  readonly #modules = new Map<string, MqttSimModule>();
  readonly #secrets: Map<string, string>;
  readonly #listeners = new Set<(text: string) => void>();
  readonly #unsubs: (() => void)[] = [];

  constructor(
    private readonly config: SiteConfig,
    private readonly addresses: Map<string, (number | string)[]>,
    private readonly name: (bus: string, address: number | string) => string | null,
  ) {
    this.buses = config.buses.filter((b) => b.transport === 'mqtt' && b.simulate).map((b) => b.id);
    this.#secrets = new Map(
      [...(config.mqtt?.modules ?? []), ...(config.mqtt?.scanners ?? [])]
        .filter((d) => d.secret)
        .map((d) => [d.id, d.secret as string]),
    );
  }

  async listen(): Promise<Map<string, { host: string; port: number }>> {
    return new Map();
  }

  /** Connects the fleet to the broker; a second call is ignored. */
  async attach(brokerUrl: string | null): Promise<void> {
    if (this.#fleet || this.buses.length === 0 || !brokerUrl) return;
    const wired = this.buses.flatMap((bus) =>
      (this.addresses.get(bus) ?? [])
        .map(String)
        .filter((id) => this.#secrets.has(id))
        .map((id) => ({ bus, id })),
    );
    const scanners = (this.config.scanners ?? [])
      .filter((s) => this.#secrets.has(s.id))
      .map((s) => ({ id: s.id, secret: this.#secrets.get(s.id)! }));
    const fleet = new MqttFleet({
      url: brokerUrl,
      modules: [...new Set(wired.map((w) => w.id))].map((id) => ({
        id,
        secret: this.#secrets.get(id)!,
      })),
      scanners,
    });
    this.#fleet = fleet;
    await fleet.start();
    for (const { bus, id } of wired) {
      const m = fleet.module(id);
      this.#modules.set(`${bus}|${id}`, m);
      // state changes only: re-sent identical states (health probes) print nothing
      this.#unsubs.push(
        m.onShown(() => {
          const text = this.#line(bus, m);
          for (const l of this.#listeners) l(text);
        }),
      );
    }
  }

  /** Modules connected (0 before attach). */
  get size(): number {
    return this.#modules.size;
  }

  attached(): number {
    return this.#modules.size;
  }

  /** The fleet leaves the broker (stop). */
  detach(): Promise<void> {
    return this.stop();
  }

  has(bus: string, address: number | string): boolean {
    return this.#modules.has(`${bus}|${address}`);
  }

  /** The simulated module behind a target (tests drive it directly). */
  module(t: { bus: string; address: number | string }): MqttSimModule {
    const m = this.#modules.get(`${t.bus}|${t.address}`);
    if (!m) throw unsupported(LABEL, `have no module ${t.address} on ${t.bus}`);
    return m;
  }

  async press(t: SimTarget, key: 'confirm' | 'short'): Promise<string> {
    const m = this.module(t);
    await m.press(key);
    return `pressed ${key} on ${this.#line(t.bus, m)}`;
  }

  async adjust(t: SimTarget, by: number): Promise<string> {
    const m = this.module(t);
    m.adjust(by);
    return `${by >= 0 ? 'plus' : 'minus'} ${Math.abs(by)} on ${this.#line(t.bus, m)}`;
  }

  async fault(t: SimTarget, words: string[]): Promise<string> {
    const m = this.module(t);
    const [kind, arg] = words;
    if (kind === 'drop') m.drop();
    else if (kind === 'silence' || kind === 'silent') m.fault = { kind: 'silent' };
    else if (kind === 'slow') m.fault = { kind: 'slow', ms: count(arg, 'slow <ms>', 500) };
    else if (kind === 'none') m.fault = null;
    else throw unsupported(LABEL, `have no fault "${kind ?? ''}"`, `faults: ${FAULTS}`);
    return `fault on ${this.#line(t.bus, m)}: ${kind}`;
  }

  look(t: SimTarget): string {
    const m = this.module(t);
    return describeShown(m.id, m.shown) + (m.fault ? ` fault=${m.fault.kind}` : '');
  }

  lit(): string[] {
    const out: string[] = [];
    for (const [key, m] of this.#modules)
      if (m.shown.mode !== 'off' || m.fault) out.push(this.#line(key.split('|')[0], m));
    return out;
  }

  scanners(): string[] {
    return this.#fleet ? (this.config.scanners ?? []).map((s) => s.id) : [];
  }

  async scan(scanner: string, code: string): Promise<string> {
    if (!this.#fleet) throw unsupported(LABEL, 'are not connected yet');
    await this.#fleet.scan(scanner, code);
    return `${scanner} scanned ${code}`;
  }

  onChange(listener: (text: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async stop(): Promise<void> {
    for (const u of this.#unsubs.splice(0)) u();
    const f = this.#fleet;
    this.#fleet = null;
    this.#modules.clear();
    await f?.stop();
  }

  #line(bus: string, m: MqttSimModule): string {
    const fault = m.fault ? ` fault=${m.fault.kind}` : '';
    return `${bus} ${this.name(bus, m.id) ?? ''} ${describeShown(m.id, m.shown)}${fault}`.replace(
      /\s+/g,
      ' ',
    );
  }
}
