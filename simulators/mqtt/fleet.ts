/**
 * A fleet of simulated MQTT modules and scanners in one process (thousands
 * of connections), each with its own credentials and its id as client id
 * (as the embedded broker requires). Start it against the
 * embedded broker or any MQTT 3.1.1 broker; press keys and inject faults
 * through `module(id)` (docs/simulators.md).
 */
import mqtt, { type MqttClient } from 'mqtt';
import { MqttSimModule, ROOT } from './module.ts';

export interface FleetDevice {
  id: string;
  secret: string;
}

export interface MqttFleetOptions {
  url: string;
  modules: FleetDevice[];
  scanners?: FleetDevice[];
  /** connections opened at once while starting */
  concurrency?: number;
  /** CONNACK wait of each module (default 5000; raise it for thousands on a busy host) */
  connectTimeoutMs?: number;
}

export class MqttFleet {
  readonly #modules = new Map<string, MqttSimModule>();
  readonly #scanners = new Map<string, MqttClient>();

  constructor(private readonly o: MqttFleetOptions) {
    for (const d of o.modules)
      this.#modules.set(d.id, new MqttSimModule({ url: o.url, id: d.id, secret: d.secret }));
  }

  get size(): number {
    return this.#modules.size;
  }

  module(id: string): MqttSimModule {
    const m = this.#modules.get(id);
    if (!m) throw new Error(`no simulated module ${id}`);
    return m;
  }

  modules(): MqttSimModule[] {
    return [...this.#modules.values()];
  }

  async start(): Promise<void> {
    const queue = [...this.#modules.values()];
    const workers = Array.from({ length: this.o.concurrency ?? 50 }, async () => {
      for (let m = queue.shift(); m; m = queue.shift())
        await m.connect({ connectTimeoutMs: this.o.connectTimeoutMs });
    });
    await Promise.all(workers);
    for (const s of this.o.scanners ?? []) {
      const c = mqtt.connect(this.o.url, {
        // the embedded broker takes a device's own id only
        clientId: s.id,
        username: s.id,
        password: s.secret,
        protocolVersion: 4,
        reconnectPeriod: 500,
      });
      this.#scanners.set(s.id, c);
      await new Promise<void>((resolve, reject) => {
        c.once('connect', () => resolve());
        c.on('error', (e: Error & { code?: number }) => {
          if (!c.connected && (e.code === 4 || e.code === 5)) reject(e);
        });
      });
    }
  }

  /** Scanner `id` reads `code` (CONTRACTS.md §2 `scanners/{id}/scan`). */
  async scan(id: string, code: string, zone?: string): Promise<void> {
    const c = this.#scanners.get(id);
    if (!c) throw new Error(`no simulated scanner ${id}`);
    await c.publishAsync(`${ROOT}/scanners/${id}/scan`, JSON.stringify({ code, zone }), { qos: 1 });
  }

  /** Idempotent. */
  async stop(): Promise<void> {
    const all = [...this.#modules.values()].map((m) => m.close());
    const scanners = [...this.#scanners.values()].map((c) => c.endAsync(true));
    this.#scanners.clear();
    await Promise.all([...all, ...scanners]);
  }
}
