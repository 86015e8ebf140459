/**
 * Event fan-out over MQTT (CONTRACTS.md §2 `events/{type}`): every outbox
 * event, in `seq` order, published with QoS 1; the next one only after the
 * broker's PUBACK for the previous. A durable cursor (a `webhook_cursors` row
 * named `mqtt:events`) moves after each PUBACK, so after a broker outage or a
 * restart publishing resumes at the first unacknowledged event: none is
 * skipped, and a repeat (at most the one in flight) carries the same
 * `eventId` and `seq`. A channel seen for the first time starts at the
 * beginning of the outbox, as a webhook does.
 */
import pino, { type Logger } from 'pino';
import type { Store } from '../store/db.ts';
import type { Outbox } from './outbox.ts';
import { WebhookCursors } from './webhook-cursors.ts';

/** What the fan-out needs of a broker connection (device-drivers/mqtt MqttEventPublisher). */
export interface EventPublisher {
  readonly up: boolean;
  onUp(listener: () => void): () => void;
  start(): Promise<void>;
  publish(type: string, json: string): Promise<void>;
  stop(): Promise<void>;
}

export const MQTT_EVENTS_CURSOR = 'mqtt:events';

export interface MqttEventsOptions {
  store: Store;
  outbox: Outbox;
  publisher: EventPublisher;
  logger?: Logger;
  pageSize?: number;
  retryMs?: number;
}

export class MqttEventFanout {
  readonly #o: MqttEventsOptions;
  readonly #log: Logger;
  readonly #cursors: WebhookCursors;
  #delivered = 0;
  #running = false;
  #loop: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  readonly #unsubs: (() => void)[] = [];

  constructor(o: MqttEventsOptions) {
    this.#o = o;
    this.#log = (o.logger ?? pino({ enabled: false })).child({ component: 'mqtt-events' });
    this.#cursors = new WebhookCursors(o.store);
  }

  /** Every event with seq <= this was acknowledged by the broker. */
  get deliveredSeq(): number {
    return this.#delivered;
  }

  async start(): Promise<void> {
    this.#delivered = this.#cursors.open(MQTT_EVENTS_CURSOR, 0).deliveredSeq;
    this.#running = true;
    this.#unsubs.push(this.#o.outbox.onEvent(() => this.#wake?.()));
    this.#unsubs.push(this.#o.publisher.onUp(() => this.#wake?.()));
    await this.#o.publisher.start();
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    for (const u of this.#unsubs.splice(0)) u();
    this.#wake?.();
    await this.#loop;
    await this.#o.publisher.stop();
  }

  async #run(): Promise<void> {
    while (this.#running) {
      const page = this.#o.store.isOpen
        ? this.#o.outbox.read(this.#delivered, this.#o.pageSize ?? 100)
        : [];
      if (page.length === 0) {
        await this.#sleep(5000);
        continue;
      }
      for (const e of page) {
        if (!this.#running) return;
        try {
          await this.#o.publisher.publish(e.type, JSON.stringify(e));
        } catch (err) {
          this.#log.warn(
            { seq: e.seq, err: (err as Error).message },
            'event not published; retrying',
          );
          await this.#sleep(this.#o.retryMs ?? 500);
          break;
        }
        this.#delivered = e.seq;
        this.#cursors.delivered(MQTT_EVENTS_CURSOR, e.seq);
      }
    }
  }

  /** Until woken (new event, broker back, stop) or `ms` passed. */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.#wake = () => {
        this.#wake = null;
        done();
      };
    });
  }
}
