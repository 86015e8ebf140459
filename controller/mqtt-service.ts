/**
 * The site's MQTT (CONTRACTS.md §2, the `mqtt` key of §5) as one service:
 * the embedded broker when `mqtt.embedded`, the controller's connections to
 * the broker (one client id per part, `<clientId>-<part>`, so controllers
 * sharing a broker never take over each other's), the configured scanners'
 * scans into the floor's scan command, and the event fan-out
 * (events/mqtt-events.ts). MQTT light buses get their connection from
 * `busOptions` (the MQTT driver's option).
 *
 * Order, kept by app/main.ts: `listen()` before any bus starts (MQTT buses
 * and a simulated fleet connect to the broker), `start()` once the floor is
 * restored, `stopClients()` before the buses stop, `stopBroker()` after them.
 * Constructing it opens nothing.
 */
import type { Logger } from 'pino';
import type { SiteConfig } from '../config/schema.ts';
import { EmbeddedBroker } from '../device-drivers/mqtt/broker.ts';
import { mqttLinkSource } from '../device-drivers/mqtt/connect.ts';
import type { MqttDriverOptions } from '../device-drivers/mqtt/factory.ts';
import { MqttEventPublisher, MqttScanners } from '../device-drivers/mqtt/services.ts';
import { MqttEventFanout } from './events/mqtt-events.ts';
import type { Outbox } from './events/outbox.ts';
import type { Site } from './site.ts';
import type { Store } from './store/db.ts';

/** A scan read by an MQTT scanner, for the floor's scan command. */
export interface MqttScan {
  zone: string;
  code: string;
  scanner: string;
}

export interface MqttServiceOptions {
  /** the site config; the service reads `site`, `mqtt` and `scanners` */
  config: SiteConfig;
  site: Site;
  store: Store;
  outbox: Outbox;
  logger: Logger;
  /** the floor's scan command; a refusal is logged, never thrown */
  scan: (s: MqttScan) => Promise<unknown>;
}

export class MqttService {
  /** the embedded broker, when the site runs one (`mqtt.embedded`) */
  readonly broker: EmbeddedBroker | null;
  /** scans of `scanners[]` (null when none is configured) */
  readonly scanners: MqttScanners | null;
  /** events/{type} fan-out */
  readonly events: MqttEventFanout;
  readonly #o: MqttServiceOptions;
  readonly #mqtt: NonNullable<SiteConfig['mqtt']>;

  constructor(o: MqttServiceOptions) {
    const mqtt = o.config.mqtt;
    if (!mqtt) throw new Error('MqttService needs the site config to have an `mqtt` key');
    this.#o = o;
    this.#mqtt = mqtt;
    this.broker = mqtt.embedded
      ? new EmbeddedBroker({
          ...mqtt.embedded,
          modules: mqtt.modules ?? [],
          scanners: mqtt.scanners ?? [],
          consumers: mqtt.consumers ?? [],
          maxPacketBytes: mqtt.maxPacketBytes,
          log: o.logger.child({ component: 'mqtt-broker' }),
        })
      : null;
    const scanners = o.config.scanners ?? [];
    this.scanners =
      scanners.length > 0
        ? new MqttScanners(
            scanners.map((s) => s.id),
            this.#link('scanners'),
            o.logger.child({ component: 'mqtt-scanners' }),
          )
        : null;
    this.events = new MqttEventFanout({
      store: o.store,
      outbox: o.outbox,
      publisher: new MqttEventPublisher(
        this.#link('events'),
        o.logger.child({ component: 'mqtt' }),
      ),
      logger: o.logger,
    });
  }

  /** The MQTT driver's options of one light bus: its own connection. */
  busOptions(busId: string): MqttDriverOptions {
    return { link: this.#link(busId) };
  }

  /** Starts the embedded broker (none: nothing to do); its URL, or null. */
  async listen(): Promise<string | null> {
    if (!this.broker) return null;
    await this.broker.start();
    return this.broker.url;
  }

  /** Scanners drive the scan command; events fan out to events/{type}. */
  async start(): Promise<void> {
    const log = this.#o.logger;
    const scanners = this.scanners;
    if (scanners) {
      scanners.onScan((s) => {
        const zone = s.zone ?? this.#o.site.scanners.get(s.scanner)?.zone ?? '';
        this.#o.scan({ zone, code: s.code, scanner: s.scanner }).then(
          () => log.info({ scanner: s.scanner, code: s.code, zone }, 'mqtt scan'),
          (e) =>
            log.warn(
              { scanner: s.scanner, code: s.code, err: (e as Error).message },
              'mqtt scan refused',
            ),
        );
      });
      await scanners.start();
    }
    await this.events.start();
  }

  /** Stops the fan-out and the scanners (before the buses stop). Idempotent. */
  async stopClients(): Promise<void> {
    await this.events.stop();
    await this.scanners?.stop();
  }

  /** Stops the embedded broker (after the buses: modules and buses leave first). Idempotent. */
  async stopBroker(): Promise<void> {
    await this.broker?.stop();
  }

  /** The client id of one of this controller's connections: unique per controller on a shared broker. */
  #link(part: string) {
    const clientId = `${this.#mqtt.clientId ?? `pickline-${this.#o.config.site}`}-${part}`;
    return mqttLinkSource(this.#mqtt, this.broker, clientId);
  }
}
