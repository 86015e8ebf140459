/**
 * The two MQTT services beside the light buses (CONTRACTS.md §2), each on its
 * own controller connection:
 * - `MqttScanners`: `scanners/{id}/scan` of configured scanners → scan
 *   listeners; other scanners' topics are ignored (a shared broker),
 *   malformed payloads counted and dropped.
 * - `MqttEventPublisher`: publishes one event JSON on `events/{type}` (QoS 1,
 *   resolves on PUBACK); the controller's fan-out decides what and when.
 */
import { Emitter } from '../common/emitter.ts';
import type { DriverLogger } from '../common/logger.ts';
import type { Unsubscribe } from '../types.ts';
import { type LinkOptionsSource, MqttLink } from './link.ts';
import { decodeScan, ROOT, topic } from './topics.ts';

export interface ScanMessage {
  scanner: string;
  code: string;
  /** the zone the scanner named, when it did */
  zone?: string;
}

export class MqttScanners {
  readonly #link: MqttLink;
  readonly #scans: Emitter<ScanMessage>;
  readonly #ids: Set<string>;
  readonly counters = { scans: 0, malformed: 0 };

  constructor(
    ids: string[],
    link: LinkOptionsSource,
    private readonly log: DriverLogger,
  ) {
    this.#ids = new Set(ids);
    this.#scans = new Emitter(log);
    this.#link = new MqttLink(
      link,
      log,
      (t, p) => this.#message(t, p),
      () => {
        this.#link.subscribe([`${ROOT}/scanners/+/scan`]).catch(() => {});
      },
    );
  }

  onScan(listener: (s: ScanMessage) => void): Unsubscribe {
    return this.#scans.on(listener);
  }

  start(): Promise<void> {
    return this.#link.start();
  }

  stop(): Promise<void> {
    return this.#link.stop();
  }

  #message(t: string, payload: Buffer): void {
    const p = t.split('/');
    const id = p[3];
    if (p.length !== 5 || p[4] !== 'scan' || !this.#ids.has(id)) return;
    const s = decodeScan(payload);
    if (!s) {
      this.counters.malformed++;
      this.log.warn({ scanner: id }, 'malformed scan payload dropped');
      return;
    }
    this.counters.scans++;
    this.#scans.emit({ scanner: id, ...s });
  }
}

export class MqttEventPublisher {
  readonly #link: MqttLink;
  readonly #ups: Emitter<void>;

  constructor(link: LinkOptionsSource, log: DriverLogger) {
    this.#ups = new Emitter(log);
    this.#link = new MqttLink(
      link,
      log,
      () => {},
      () => this.#ups.emit(),
    );
  }

  get up(): boolean {
    return this.#link.up;
  }

  /** Each (re)connect to the broker. */
  onUp(listener: () => void): Unsubscribe {
    return this.#ups.on(listener);
  }

  start(): Promise<void> {
    return this.#link.start();
  }

  /** Resolves on PUBACK; rejects BUS_IO while the broker is unreachable. */
  publish(type: string, json: string): Promise<void> {
    return this.#link.publish(topic.event(type), json, 1);
  }

  stop(): Promise<void> {
    return this.#link.stop();
  }
}
