/**
 * One MQTT connection of the controller (mqtt.js, MQTT 3.1.1): a bus, the
 * scanner source and the event fan-out each hold one. It reconnects with a
 * fixed period when the broker goes away and tells its owner on every
 * (re)connect, so the owner subscribes and re-sends what the broker lost.
 */
import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { PicklineError } from '../../kernel/errors.ts';
import type { DriverLogger } from '../common/logger.ts';

/** Where and as whom the controller connects (resolved at start: an embedded broker's port is ephemeral in tests). */
export interface MqttLinkOptions {
  url: string;
  username?: string;
  password?: string;
  /** PEM file paths (mqtts, wss) */
  ca?: string;
  cert?: string;
  key?: string;
  clientId: string;
  reconnectMs?: number;
}

export type LinkOptionsSource = () => MqttLinkOptions;

export class MqttLink {
  #client: MqttClient | null = null;

  constructor(
    private readonly source: LinkOptionsSource,
    private readonly log: DriverLogger,
    /** `retained`: a retained message replayed at subscribe (MQTT 3.1.1 clears the flag on live ones) */
    private readonly onMessage: (topic: string, payload: Buffer, retained: boolean) => void,
    private readonly onUp: () => void,
  ) {}

  get up(): boolean {
    return this.#client?.connected === true;
  }

  /** the broker URL, for people (no credentials) */
  get description(): string {
    const url = this.source().url;
    try {
      const u = new URL(url);
      u.username = '';
      u.password = '';
      return u.href;
    } catch {
      return url;
    }
  }

  /** Connects; resolves on the first connection or after `waitMs` (reconnecting goes on). */
  start(waitMs = 3000): Promise<void> {
    const o = this.source();
    const opts: IClientOptions = {
      clientId: o.clientId,
      username: o.username,
      password: o.password,
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: o.reconnectMs ?? 1000,
      connectTimeout: 5000,
      // the owner re-subscribes in onUp
      resubscribe: false,
      queueQoSZero: false,
      ...(o.ca ? { ca: readFileSync(o.ca) } : {}),
      ...(o.cert ? { cert: readFileSync(o.cert) } : {}),
      ...(o.key ? { key: readFileSync(o.key) } : {}),
    };
    const client = mqtt.connect(o.url, opts);
    this.#client = client;
    client.on('message', (topic, payload, packet) =>
      this.onMessage(topic, payload, packet.retain === true),
    );
    client.on('error', (err) => this.log.warn({ err: err.message }, 'mqtt connection error'));
    client.on('offline', () => this.log.warn({ url: o.url }, 'mqtt broker unreachable'));
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, waitMs);
      timer.unref?.();
      client.on('connect', () => {
        noDelay(client);
        this.log.info({ url: o.url, clientId: o.clientId }, 'mqtt connected');
        this.onUp();
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async subscribe(topics: string[]): Promise<void> {
    const c = this.#client;
    if (!c) return;
    await c.subscribeAsync(topics, { qos: 1 });
  }

  /** Publishes; QoS 1 resolves on PUBACK. Rejects BUS_IO while the broker is unreachable. */
  async publish(topic: string, payload: string, qos: 0 | 1 = 1, retain = false): Promise<void> {
    const c = this.#client;
    if (!c) throw new PicklineError('BUS_CLOSED', 'mqtt link not started');
    if (!c.connected) throw new PicklineError('BUS_IO', 'mqtt broker unreachable');
    try {
      await c.publishAsync(topic, payload, { qos, retain });
    } catch (e) {
      throw new PicklineError('BUS_IO', `mqtt publish failed: ${(e as Error).message}`);
    }
  }

  /** Idempotent. */
  async stop(): Promise<void> {
    const c = this.#client;
    this.#client = null;
    if (c) await c.endAsync(true);
  }
}

/** Light commands and acks are small and latency-bound: no Nagle delay on a TCP stream. */
function noDelay(client: MqttClient): void {
  const stream = client.stream as { setNoDelay?: (on: boolean) => void } | undefined;
  stream?.setNoDelay?.(true);
}
