/**
 * The site's message bus (docs/CONTRACTS.md §6): one kept-up connection
 * (link.ts), and on each connection a session that declares the topology,
 * starts the outbox relay on a confirm channel and consumes the site's
 * commands queue with prefetch 1. Any channel error ends the session (the
 * connection is closed and the link reconnects with backoff, re-declares,
 * re-consumes and resumes the relay from its cursor). The floor never waits
 * for the bus: commands are applied by the same services as REST, events
 * wait in the outbox.
 *
 * Started only once the controller is ready (the floor restored), so commands
 * are consumed only while the controller can apply them.
 */
import { readFileSync } from 'node:fs';
import type { Channel, ChannelModel, ConfirmChannel } from 'amqplib';
import type { Logger } from 'pino';
import { AMQP_DEFAULTS, type AmqpConfig, amqpUrls } from '../../config/amqp.ts';
import type { Outbox } from '../events/outbox.ts';
import type { Store } from '../store/db.ts';
import type { WaveService } from '../waves/service.ts';
import { WaveCommands, type WaveUpdates } from './commands.ts';
import { CommandConsumer, type ConsumerOutcome } from './consumer.ts';
import { AmqpLink } from './link.ts';
import { EventRelay } from './relay.ts';
import { declare, type Topology, topology } from './topology.ts';

export interface MessageBusOptions {
  config: AmqpConfig;
  site: string;
  store: Store;
  outbox: Outbox;
  waves: WaveService;
  /** due-time and priority updates (CONTRACTS.md §7); absent: wave.update / order.update are UNSUPPORTED */
  updates?: WaveUpdates;
  logger: Logger;
  /** resolves the config's ca/cert/key files (relative to the config file) */
  resolvePath?: (p: string) => string;
}

export interface MessageBusStatus {
  connected: boolean;
  consuming: boolean;
  node: string | null;
  lastError: string | null;
  connects: number;
  relay: { deliveredSeq: number; pending: number | null; published: number; confirmed: number };
  commands: Record<string, number>;
}

export class MessageBus {
  readonly #o: MessageBusOptions;
  readonly #log: Logger;
  readonly #topology: Topology;
  readonly #link: AmqpLink;
  readonly relay: EventRelay;
  readonly #commands: WaveCommands;
  readonly #counts: Record<string, number> = {};
  /** told each command's outcome (metrics) */
  onOutcome: ((outcome: ConsumerOutcome, kind: string) => void) | null = null;
  #consuming = false;
  #stopped = true;
  #unsubscribe: (() => void) | null = null;

  constructor(o: MessageBusOptions) {
    this.#o = o;
    this.#log = o.logger.child({ component: 'amqp' });
    const c = o.config;
    this.#topology = topology(o.site, c.deliveryLimit ?? AMQP_DEFAULTS.deliveryLimit);
    this.relay = new EventRelay({
      name: 'amqp',
      site: o.site,
      store: o.store,
      outbox: o.outbox,
      logger: this.#log,
      window: c.publishWindow ?? AMQP_DEFAULTS.publishWindow,
    });
    this.#commands = new WaveCommands({
      waves: o.waves,
      store: o.store,
      outbox: o.outbox,
      updates: o.updates,
    });
    this.#link = new AmqpLink({
      urls: amqpUrls(c),
      socketOptions: () => this.#tls(),
      heartbeatS: c.heartbeatS ?? AMQP_DEFAULTS.heartbeatS,
      connectionName: `pickline-${o.site}`,
      logger: this.#log,
      session: (conn) => this.#session(conn),
    });
  }

  get topology(): Topology {
    return this.#topology;
  }

  /** Opens the relay cursor and starts connecting (in the background). */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.relay.open();
    this.#unsubscribe = this.#o.outbox.onEvent(() => this.relay.wake());
    this.#link.start();
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.relay.wake();
    await this.#link.stop();
    this.relay.save();
  }

  status(): MessageBusStatus {
    return {
      connected: this.#link.connected,
      consuming: this.#consuming,
      node: this.#link.node,
      lastError: this.#link.lastError,
      connects: this.#link.connects,
      relay: {
        deliveredSeq: this.relay.delivered,
        pending: this.relay.pending(),
        published: this.relay.published,
        confirmed: this.relay.confirmed,
      },
      commands: { ...this.#counts },
    };
  }

  /** The `/readyz` check: ok while connected and consuming. */
  readiness(): { name: string; ok: boolean; detail: string } {
    const s = this.status();
    const ok = s.connected && s.consuming;
    return {
      name: 'amqp',
      ok,
      detail: ok
        ? `connected to ${s.node}, consuming ${this.#topology.commandsQueue}`
        : `not connected${s.lastError ? `: ${s.lastError}` : ''}`,
    };
  }

  /** One session on one connection; resolves when it is over (the connection closed). */
  async #session(conn: ChannelModel): Promise<void> {
    const closed = new Promise<void>((resolve) => conn.once('close', () => resolve()));
    const endSession = (why: string) => (err?: Error) => {
      this.#log.warn({ err: err?.message ?? why }, `amqp ${why}; reconnecting`);
      conn.close().catch(() => {});
    };
    const setup: Channel = await conn.createChannel();
    setup.on('error', () => {});
    try {
      await declare(setup, this.#topology);
    } catch (e) {
      throw new Error(
        `declaring the message-bus topology failed (another controller or an admin declared it differently?): ${(e as Error).message}`,
      );
    }
    await setup.close().catch(() => {});
    const pub: ConfirmChannel = await conn.createConfirmChannel();
    pub.on('error', endSession('publish channel closed by the broker'));
    pub.on('close', () => conn.close().catch(() => {}));
    const sub: Channel = await conn.createChannel();
    sub.on('error', endSession('commands channel closed by the broker'));
    sub.on('close', () => conn.close().catch(() => {}));
    const consumer = new CommandConsumer({
      site: this.#o.site,
      queue: this.#topology.commandsQueue,
      commands: this.#commands,
      logger: this.#log,
      stopped: () => this.#stopped || !this.#link.connected,
      onOutcome: (outcome, kind) => {
        this.#counts[outcome] = (this.#counts[outcome] ?? 0) + 1;
        this.onOutcome?.(outcome, kind);
      },
    });
    await consumer.start(sub);
    this.#consuming = true;
    this.#log.info(
      { queue: this.#topology.commandsQueue, relayFrom: this.relay.delivered },
      'amqp consuming commands and relaying events',
    );
    const relayed = this.relay.run(pub, () => this.#stopped);
    await closed;
    this.#consuming = false;
    await relayed;
    await consumer.idle();
  }

  #tls(): Record<string, unknown> {
    const c = this.#o.config;
    const at = this.#o.resolvePath ?? ((p: string) => p);
    const out: Record<string, unknown> = {};
    if (c.ca) out.ca = [readFileSync(at(c.ca))];
    if (c.cert) out.cert = readFileSync(at(c.cert));
    if (c.key) out.key = readFileSync(at(c.key));
    return out;
  }
}
