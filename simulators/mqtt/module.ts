/**
 * One simulated MQTT light module (CONTRACTS.md §2), speaking the topics on
 * its own connection with its own credentials: it shows what `set` says and
 * acks it, publishes presses on `button` with the job token it shows, and a
 * retained `status` with `{"online": false}` as its last will. Faults: go
 * silent (connected, ignores `set`), slow acks, drop the connection (the
 * broker sends the will), disconnect cleanly without will, malformed
 * payloads, duplicate and stale presses. Written against the contract, not
 * the driver (simulators know only config).
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { Color } from '../../config/schema.ts';

export const ROOT = 'pickline/v1';
export type SimMode = 'off' | 'on' | 'blink' | 'fast';
export type SimPressKey = 'confirm' | 'short' | 'plus' | 'minus' | 'fn';

export interface Shown {
  mode: SimMode;
  color: Color | null;
  display: number | null;
  seq: number;
}

export type MqttSimFault = { kind: 'silent' } | { kind: 'slow'; ms: number } | null;

export interface MqttSimModuleOptions {
  url: string;
  id: string;
  secret: string;
  /** client id; default the module id (the embedded broker accepts nothing else) */
  clientId?: string;
  model?: string;
  fw?: string;
}

export class MqttSimModule {
  readonly id: string;
  shown: Shown = { mode: 'off', color: null, display: null, seq: 0 };
  fault: MqttSimFault = null;
  /** what it received: set messages shown, acks sent, sets ignored while silent */
  readonly counters = { sets: 0, acks: 0, presses: 0, ignored: 0 };
  #client: MqttClient | null = null;
  #pressId = 0;
  #setListeners = new Set<(s: Shown) => void>();
  #shownListeners = new Set<(s: Shown, cause: 'set' | 'local') => void>();

  constructor(private readonly o: MqttSimModuleOptions) {
    this.id = o.id;
  }

  get connected(): boolean {
    return this.#client?.connected === true;
  }

  topic(kind: 'set' | 'ack' | 'button' | 'status'): string {
    return `${ROOT}/modules/${this.id}/${kind}`;
  }

  /** Connects (rejects when the broker refuses it); reconnects by itself after a broker restart. */
  connect(opts: { reconnectMs?: number; connectTimeoutMs?: number } = {}): Promise<void> {
    const client = mqtt.connect(this.o.url, {
      clientId: this.o.clientId ?? this.id,
      username: this.id,
      password: this.o.secret,
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: opts.reconnectMs ?? 500,
      connectTimeout: opts.connectTimeoutMs ?? 5000,
      will: {
        topic: this.topic('status'),
        payload: Buffer.from('{"online":false}'),
        qos: 1,
        retain: true,
      },
    });
    this.#client = client;
    client.on('message', (_t, payload) => this.#onSet(payload));
    client.on('connect', () => {
      (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
      client.subscribe(this.topic('set'), { qos: 1 });
      const status = {
        online: true,
        model: this.o.model ?? 'sim-mqtt-ptl',
        fw: this.o.fw ?? '1.0',
      };
      client.publish(this.topic('status'), JSON.stringify(status), { qos: 1, retain: true });
    });
    return new Promise((resolve, reject) => {
      client.once('connect', () => resolve());
      // a refused login ends it; anything else (timeouts under load) is retried by mqtt.js
      client.on('error', (e: Error & { code?: number }) => {
        if (!client.connected && (e.code === 4 || e.code === 5)) {
          client.end(true);
          reject(e);
        }
      });
    });
  }

  /** The connection breaks (power loss, Wi-Fi): the broker publishes the will. */
  drop(): void {
    this.#client?.stream.destroy();
  }

  /** A clean DISCONNECT: no will, so no one hears it left. Stays away until connect(). */
  async disconnectWithoutWill(): Promise<void> {
    const c = this.#client;
    this.#client = null;
    if (c) await c.endAsync(false);
  }

  async close(): Promise<void> {
    const c = this.#client;
    this.#client = null;
    if (c) await c.endAsync(true);
  }

  /** The next `set` shown (for tests). */
  nextSet(): Promise<Shown> {
    return new Promise((resolve) => {
      const l = (s: Shown) => {
        this.#setListeners.delete(l);
        resolve(s);
      };
      this.#setListeners.add(l);
    });
  }

  /**
   * Calls `listener` with what the module shows each time that changes (a
   * `set` that differs, or a local +/-): repeated identical sets (re-sends,
   * health probes) are not reported. Returns the unsubscribe function.
   */
  onShown(listener: (s: Shown, cause: 'set' | 'local') => void): () => void {
    this.#shownListeners.add(listener);
    return () => this.#shownListeners.delete(listener);
  }

  /**
   * The +/- keys: the module changes its displayed quantity locally (clamped to
   * 0…999999), as a Modbus module does; nothing is published, the confirm
   * press then carries the quantity. No effect on a dark or blank module.
   */
  adjust(delta: number): void {
    if (this.shown.mode === 'off' || this.shown.display === null) return;
    const display = Math.max(0, Math.min(999_999, this.shown.display + delta));
    if (display === this.shown.display) return;
    this.shown = { ...this.shown, display };
    for (const l of [...this.#shownListeners]) l(this.shown, 'local');
  }

  /** A picker presses `key`, first setting the display to `quantity` when given. */
  press(key: SimPressKey, quantity?: number): Promise<void> {
    if (quantity !== undefined) this.shown.display = quantity;
    return this.publishPress({ seq: this.shown.seq, key, display: this.shown.display });
  }

  /** The same press delivered twice (same press id), as a module retrying without PUBACK would. */
  async pressTwice(key: SimPressKey): Promise<void> {
    const p = { seq: this.shown.seq, key, display: this.shown.display, id: ++this.#pressId };
    await this.#publish('button', JSON.stringify(p));
    await this.#publish('button', JSON.stringify(p));
  }

  /** A press carrying an older job token. */
  pressStale(key: SimPressKey): Promise<void> {
    return this.publishPress({
      seq: (this.shown.seq + 65535) % 65536,
      key,
      display: this.shown.display,
    });
  }

  /** Raw bytes on one of its own topics. */
  publishRaw(kind: 'ack' | 'button' | 'status', payload: string): Promise<void> {
    return this.#publish(kind, payload);
  }

  publishPress(p: { seq: number; key: SimPressKey; display: number | null }): Promise<void> {
    this.counters.presses++;
    const body = {
      ...p,
      display: p.display === null ? undefined : String(p.display),
      id: ++this.#pressId,
    };
    return this.#publish('button', JSON.stringify(body));
  }

  async #publish(kind: 'ack' | 'button' | 'status', payload: string): Promise<void> {
    const c = this.#client;
    if (!c) throw new Error(`module ${this.id} is not connected`);
    await c.publishAsync(this.topic(kind), payload, { qos: 1 });
  }

  #onSet(payload: Buffer): void {
    if (this.fault?.kind === 'silent') {
      this.counters.ignored++;
      return;
    }
    let v: { seq?: unknown; mode?: unknown; color?: unknown; display?: unknown };
    try {
      v = JSON.parse(payload.toString());
    } catch {
      return;
    }
    if (typeof v.seq !== 'number' || !['off', 'on', 'blink', 'fast'].includes(v.mode as string))
      return;
    this.counters.sets++;
    const mode = v.mode as SimMode;
    const before = this.shown;
    this.shown = {
      mode,
      color: mode === 'off' ? null : ((v.color as Color | undefined) ?? null),
      display: mode === 'off' || v.display === undefined ? null : Number(v.display),
      seq: v.seq,
    };
    for (const l of [...this.#setListeners]) l(this.shown);
    const now = this.shown;
    if (
      now.mode !== before.mode ||
      now.color !== before.color ||
      now.display !== before.display ||
      now.seq !== before.seq
    )
      for (const l of [...this.#shownListeners]) l(now, 'set');
    const ack = () => {
      this.counters.acks++;
      this.#client?.publish(this.topic('ack'), JSON.stringify({ seq: v.seq }), { qos: 1 });
    };
    if (this.fault?.kind === 'slow') setTimeout(ack, this.fault.ms).unref?.();
    else ack();
  }
}
