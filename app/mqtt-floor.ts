/**
 * The simulated MQTT part of the demo floor: one fleet of MQTT modules per
 * bus marked `simulate: true` (and the configured scanners), each module
 * logging in with its configured plain `secret`. Started after the
 * controller, whose embedded broker it connects to. Console lines it
 * understands: `press <location> [confirm|short] [qty]`, `scan <scanner>
 * <code>`, `fault <location> silent|slow <ms>|drop|none`.
 */
import { moduleKey } from '../config/module-ref.ts';
import { wiredModules } from '../config/modules.ts';
import type { SiteConfig } from '../config/schema.ts';
import { MqttFleet, type MqttSimModule } from '../simulators/mqtt/index.ts';

export const MQTT_FLOOR_HELP = [
  'press <location> [confirm|short] [qty]     press a key on an MQTT module',
  'scan <scanner> <code>                      a scanner reads a code (MQTT)',
  'fault <location> silent|slow <ms>|drop|none   MQTT module faults',
];

/** True when the site has a simulated MQTT bus. */
export function hasSimulatedMqtt(config: SiteConfig): boolean {
  return config.buses.some((b) => b.transport === 'mqtt' && b.simulate === true);
}

export class MqttFloor {
  readonly help = MQTT_FLOOR_HELP;
  #fleet: MqttFleet | null = null;
  /** location id → module */
  readonly #byLocation = new Map<string, MqttSimModule>();
  readonly #names = new Map<string, string>();

  constructor(private readonly config: SiteConfig) {}

  /** Connects the fleet to `url`; calls `onChange` with a line each time a module is set. */
  async start(url: string, onChange: (text: string) => void): Promise<number> {
    const buses = new Set(
      this.config.buses.filter((b) => b.transport === 'mqtt' && b.simulate).map((b) => b.id),
    );
    const secrets = new Map(
      [...(this.config.mqtt?.modules ?? []), ...(this.config.mqtt?.scanners ?? [])].map((d) => [
        d.id,
        d.secret,
      ]),
    );
    const wired = wiredModules(this.config).filter(
      (w) => buses.has(w.bus) && typeof w.address === 'string',
    );
    const modules = wired
      .map((w) => ({ id: String(w.address), secret: secrets.get(String(w.address)) ?? '' }))
      .filter((d) => d.secret);
    const scanners = (this.config.scanners ?? [])
      .map((s) => ({ id: s.id, secret: secrets.get(s.id) ?? '' }))
      .filter((d) => d.secret);
    this.#fleet = new MqttFleet({ url, modules, scanners });
    await this.#fleet.start();
    for (const w of wired) {
      const id = String(w.address);
      if (!secrets.get(id)) continue;
      const m = this.#fleet.module(id);
      this.#byLocation.set(w.name, m);
      this.#names.set(id, `${w.bus} ${w.name}`);
      void this.#watch(m, onChange, moduleKey(w));
    }
    return modules.length;
  }

  async #watch(m: MqttSimModule, onChange: (text: string) => void, _key: string): Promise<void> {
    while (this.#fleet) {
      const s = await m.nextSet();
      if (!this.#fleet) return;
      const what = s.mode === 'off' ? 'off' : `${s.mode} ${s.color ?? ''} ${s.display ?? ''}`;
      onChange(`${this.#names.get(m.id)} (${m.id}) ${what}`.replace(/\s+/g, ' ').trim());
    }
  }

  /** A console line this floor handles, or null when it is not about an MQTT module or scanner. */
  async command(line: string): Promise<string[] | null> {
    const [cmd, target, ...rest] = line.trim().split(/\s+/).filter(Boolean);
    const fleet = this.#fleet;
    if (!fleet || !cmd) return null;
    try {
      if (cmd === 'scan' && target && rest[0]) {
        if (!(this.config.scanners ?? []).some((s) => s.id === target)) return null;
        await fleet.scan(target, rest[0]);
        return [`${target} scanned ${rest[0]}`];
      }
      const m = target ? this.#byLocation.get(target) : undefined;
      if (!m) return null;
      if (cmd === 'press') {
        const key = rest[0] === 'short' ? 'short' : 'confirm';
        const qty = rest[1] !== undefined ? Number(rest[1]) : undefined;
        await m.press(key, qty);
        return [`${target} ${key} pressed`];
      }
      if (cmd === 'fault') {
        if (rest[0] === 'drop') m.drop();
        else
          m.fault =
            rest[0] === 'silent'
              ? { kind: 'silent' }
              : rest[0] === 'slow'
                ? { kind: 'slow', ms: Number(rest[1] ?? 500) }
                : null;
        return [`${target} fault ${rest.join(' ') || 'none'}`];
      }
    } catch (e) {
      return [`error: ${(e as Error).message}`];
    }
    return null;
  }

  async stop(): Promise<void> {
    const f = this.#fleet;
    this.#fleet = null;
    await f?.stop();
  }
}
