/**
 * The composition root: builds the store, the site, the buses, the engine,
 * the services and the API from a loaded config, and owns start()/stop().
 * Constructors assign; start() opens ports and files; stop() is idempotent
 * and releases everything.
 *
 * Longer than 350 lines: the composition root builds and orders every part's
 * start and stop; the MQTT wiring and the transports' details already live in
 * their own services.
 */

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { build } from '../api/app.ts';
import { backupRoutes } from '../api/routes/backups.ts';
import { exceptionRoutes } from '../api/routes/exceptions.ts';
import { floorRoutes } from '../api/routes/floor.ts';
import { floorViewRoutes, type SimKey } from '../api/routes/floor-view.ts';
import { kpiRoutes } from '../api/routes/kpis.ts';
import { locationRoutes } from '../api/routes/locations.ts';
import { serviceLevelRoutes } from '../api/routes/service-levels.ts';
import { technicianRoutes } from '../api/routes/technician.ts';
import { Sessions } from '../api/session.ts';
import { voiceGateway } from '../api/voice/gateway.ts';
import type { LoadedConfig } from '../config/load.ts';
import { FloorCommands } from '../controller/engine/commands.ts';
import { PickEngine } from '../controller/engine/engine.ts';
import { KeyInput } from '../controller/engine/keys.ts';
import type { MqttEventFanout } from '../controller/events/mqtt-events.ts';
import { Outbox } from '../controller/events/outbox.ts';
import { WebhookDispatcher } from '../controller/events/webhooks.ts';
import { ExceptionDesk } from '../controller/exceptions/desk.ts';
import { ExceptionWatch } from '../controller/exceptions/watch.ts';
import { floorView } from '../controller/floor-view.ts';
import { computeKpis } from '../controller/kpi/kpis.ts';
import { importLocations, locationsCsv } from '../controller/locations-import.ts';
import { createLogger } from '../controller/log.ts';
import { MessageBus } from '../controller/message-bus/message-bus.ts';
import { amqpMetrics } from '../controller/message-bus/metrics.ts';
import { ControllerMetrics } from '../controller/metrics.ts';
import { MqttService } from '../controller/mqtt-service.ts';
import { serviceLevelMetrics } from '../controller/service-levels/metrics.ts';
import { ServiceLevels } from '../controller/service-levels/service.ts';
import { Site } from '../controller/site.ts';
import { RecogniserPool } from '../controller/speech/recogniser.ts';
import { Speech, startSpeech } from '../controller/speech/speech.ts';
import { Backups } from '../controller/store/backup-schedule.ts';
import { Store } from '../controller/store/db.ts';
import { syncLocations } from '../controller/store/locations.ts';
import { InstanceLock } from '../controller/store/lock.ts';
import { Technician } from '../controller/technician.ts';
import { VoiceDesk } from '../controller/voice/desk.ts';
import { SignOn } from '../controller/voice/signon.ts';
import { WaveService } from '../controller/waves/service.ts';
import { createBus } from '../device-drivers/index.ts';
import type { EmbeddedBroker } from '../device-drivers/mqtt/broker.ts';
import type { MqttScanners } from '../device-drivers/mqtt/services.ts';
import type { ModuleAddress, TechnicianBus } from '../device-drivers/types.ts';
import pkg from '../package.json' with { type: 'json' };

export const VERSION: string = pkg.version;

/** `api.tls` read at start (paths resolved against the config file by config/load.ts). */
function tlsFiles(tls: { cert: string; key: string } | undefined) {
  return tls ? { cert: readFileSync(tls.cert), key: readFileSync(tls.key) } : undefined;
}

export interface ControllerOptions {
  logger?: Logger;
  /** a simulated floor beside the controller: the floor view's clicks press its keys */
  simulator?: { pressKey(location: string, key: SimKey): Promise<void> | void };
  /** Called once the API listens, before any bus is opened (readiness is false until start resolves). */
  onListening?: (port: number) => Promise<void> | void;
  /** Called once the embedded MQTT broker listens, before any bus is opened (a simulated fleet connects here). */
  onBrokerListening?: (url: string) => Promise<void> | void;
}

export class Controller {
  readonly config: LoadedConfig['config'];
  readonly log: Logger;
  readonly site: Site;
  readonly store: Store;
  readonly outbox: Outbox;
  readonly buses = new Map<string, TechnicianBus>();
  /** the site's MQTT: broker, scanners, event fan-out (CONTRACTS.md §2), when it has an `mqtt` key */
  readonly mqtt: MqttService | null;
  readonly engine: PickEngine;
  /** the one way into the floor: every input channel drives these (controller/engine/commands.ts) */
  readonly commands: FloorCommands;
  readonly waves: WaveService;
  readonly webhooks: WebhookDispatcher;
  readonly technician: Technician;
  readonly voice: VoiceDesk;
  readonly signOn: SignOn;
  /** voice audio mode, when the config has a `speech` section (null after start when `speech.optional` and pocketsphinx is missing) */
  speech: Speech | null;
  readonly metrics: ControllerMetrics;
  /** the site's message bus (CONTRACTS.md §6), when the config has an `amqp` section */
  readonly messageBus: MessageBus | null;
  /** online backups: the technician route and the `storage.backups` schedule */
  readonly backups: Backups;
  /** the exceptions desk and what raises/clears exceptions on its own (CONTRACTS.md §7) */
  readonly exceptions: ExceptionDesk;
  readonly exceptionWatch: ExceptionWatch;
  /** due times, projections, risk (CONTRACTS.md §7) */
  readonly serviceLevels: ServiceLevels;
  readonly #configFile: string;
  readonly #busErrors = new Map<string, string>();
  readonly #lock: InstanceLock;
  readonly #onListening: ControllerOptions['onListening'];
  readonly #onBrokerListening: ControllerOptions['onBrokerListening'];
  readonly #simulator: ControllerOptions['simulator'];
  readonly #sessions: Sessions;
  /** module keys → commands.press */
  readonly #keys: KeyInput;
  /** true once buses are started and the engine restored the floor */
  #ready = false;
  #app: FastifyInstance | null = null;
  #address: { host: string; port: number } | null = null;
  #stopping: Promise<void> | null = null;

  constructor(loaded: LoadedConfig, opts: ControllerOptions = {}) {
    this.config = loaded.config;
    this.#configFile = loaded.file === '(inline)' ? loaded.file : resolve(loaded.file);
    this.log =
      opts.logger ?? createLogger({ level: this.config.log?.level, site: this.config.site });
    this.site = new Site(this.config);
    this.#onListening = opts.onListening;
    this.#onBrokerListening = opts.onBrokerListening;
    this.#simulator = opts.simulator;
    this.#sessions = new Sessions(this.config.api.sessionTtlMs);
    this.#lock = new InstanceLock(this.config.storage.path);
    this.store = new Store(this.config.storage.path);
    this.outbox = new Outbox(this.store);
    this.backups = new Backups({
      storePath: this.config.storage.path,
      site: this.config.site,
      schedule: this.config.storage.backups,
      logger: this.log.child({ component: 'backups' }),
    });
    const addresses = this.site.addressesByBus();
    this.mqtt = this.config.mqtt
      ? new MqttService({
          config: this.config,
          site: this.site,
          store: this.store,
          outbox: this.outbox,
          logger: this.log,
          scan: (s) => this.commands.scan(s),
        })
      : null;
    for (const b of this.config.buses) {
      const ctx = {
        profiles: loaded.profiles,
        addresses: addresses.get(b.id) ?? [],
        logger: this.log.child({ bus: b.id }),
        colorsFor: (a: ModuleAddress) => this.site.colorsFor(b.id, a),
      };
      this.buses.set(b.id, createBus(b, ctx, { mqtt: this.mqtt?.busOptions(b.id) }));
    }
    this.engine = new PickEngine({
      store: this.store,
      outbox: this.outbox,
      site: this.site,
      buses: this.buses,
      logger: this.log.child({ component: 'engine' }),
    });
    this.commands = new FloorCommands({
      store: this.store,
      site: this.site,
      picking: this.engine.picking,
      holds: this.engine.holds,
    });
    this.#keys = new KeyInput(this.buses, this.commands, this.log.child({ component: 'keys' }));
    this.technician = new Technician({
      buses: this.buses,
      site: this.site,
      store: this.store,
      holder: this.commands,
      readdressMs: this.config.technician?.readdressTimeoutMs,
      logger: this.log.child({ component: 'technician' }),
    });
    this.metrics = new ControllerMetrics({
      outbox: this.outbox,
      engine: () => this.engine.stats(),
      buses: () => [...this.buses.values()].map((b) => b.info()),
      webhooks: () => this.webhooks.status(),
      litModules: () => this.engine.litCount(),
      voiceSessions: () => this.voice.sessions,
    });
    this.webhooks = new WebhookDispatcher({
      store: this.store,
      outbox: this.outbox,
      webhooks: this.config.webhooks ?? [],
      logger: this.log,
      version: VERSION,
      onDelivered: (url, ms) => this.metrics.webhookLatency.observe({ url }, ms / 1000),
    });
    this.voice = new VoiceDesk(this.commands, this.site);
    this.signOn = new SignOn(this.config.operators ?? []);
    const sp = this.config.speech;
    this.speech = sp
      ? new Speech(
          new RecogniserPool({
            size: sp.recognisers,
            timeoutMs: sp.timeoutMs,
            maxBytes: sp.maxUtteranceMs !== undefined ? sp.maxUtteranceMs * 32 : undefined,
          }),
        )
      : null;
    // voice + light: a voice-led worker's dialog follows the key presses
    this.outbox.onEvent((e) => {
      if (e.type === 'line.picked' || e.type === 'line.shorted')
        this.voice.lineRecorded({
          lineId: String(e.data.lineId),
          location: (e.data.location as string | null) ?? null,
        });
    });
    this.exceptions = new ExceptionDesk({ store: this.store, outbox: this.outbox });
    this.exceptionWatch = new ExceptionWatch({
      store: this.store,
      outbox: this.outbox,
      site: this.site,
      desk: this.exceptions,
      idleSessionSeconds: this.config.exceptions?.idleSessionSeconds,
      logger: this.log.child({ component: 'exceptions' }),
    });
    this.serviceLevels = new ServiceLevels({
      store: this.store,
      outbox: this.outbox,
      site: this.site,
      exceptions: this.exceptions,
      config: this.config.serviceLevels,
      logger: this.log.child({ component: 'service-levels' }),
    });
    serviceLevelMetrics(this.metrics.registry, {
      risk: () => this.serviceLevels.counts(),
      openExceptions: () => this.exceptions.openCounts(),
    });
    this.waves = new WaveService({
      store: this.store,
      outbox: this.outbox,
      site: this.site,
      maxLines: this.config.api.maxWaveLines,
      onCancelled: (w, lines) => this.commands.waveCancelled(w, lines),
      projection: {
        order: (id) => this.serviceLevels.projection(id).projectedAt,
        wave: (id) => this.serviceLevels.waveProjection(id),
      },
    });
    this.messageBus = this.config.amqp
      ? new MessageBus({
          config: this.config.amqp,
          site: this.config.site,
          store: this.store,
          outbox: this.outbox,
          waves: this.waves,
          updates: this.serviceLevels,
          logger: this.log,
          resolvePath: (p) => resolve(dirname(resolve(loaded.file)), p),
        })
      : null;
    if (this.messageBus) {
      const bus = this.messageBus;
      const m = amqpMetrics(this.metrics.registry, () => bus.status());
      bus.onOutcome = (outcome, kind) => m.command(outcome, kind);
    }
  }

  /** the embedded MQTT broker, when the site runs one (`mqtt.embedded`) */
  get broker(): EmbeddedBroker | null {
    return this.mqtt?.broker ?? null;
  }

  /** scans of `scanners[]` over MQTT (CONTRACTS.md §2) */
  get mqttScanners(): MqttScanners | null {
    return this.mqtt?.scanners ?? null;
  }

  /** events/{type} fan-out (CONTRACTS.md §2) */
  get mqttEvents(): MqttEventFanout | null {
    return this.mqtt?.events ?? null;
  }

  /** The API address once started (port resolved when configured as 0). */
  get address(): { host: string; port: number } {
    if (!this.#address) throw new Error('controller not started');
    return this.#address;
  }

  get app(): FastifyInstance {
    if (!this.#app) throw new Error('controller not started');
    return this.#app;
  }

  /**
   * Order matters (one controller per floor): take the database lock, open
   * the store, bind the API port, and only then open the buses and restore
   * the floor. A second controller on the same database, or one whose port is
   * taken, fails before it touches a bus. Until the floor is restored,
   * `/readyz` is 503 and `/api/v1` answers 503 NOT_READY.
   */
  async start(): Promise<void> {
    this.log.info(
      { version: VERSION, config: this.#configFile, store: this.config.storage.path },
      `Pickline ${VERSION} starting: config ${this.#configFile}, store ${this.config.storage.path}`,
    );
    // fails first, naming the Debian package, when pocketsphinx is missing (unless `speech.optional`)
    const noSpeech = this.speech && startSpeech(this.speech, this.config.speech?.optional === true);
    if (noSpeech) {
      this.log.warn(
        `speech: ${noSpeech}; starting without recognisers (voice audio mode refused, terminals use text mode or the keypad)`,
      );
      this.speech = null;
    }
    this.#lock.acquire();
    this.store.start();
    syncLocations(this.store, this.site);
    this.#app = await build({
      waves: this.waves,
      outbox: this.outbox,
      tokens: this.config.api.tokens,
      bodyLimit: this.config.api.bodyLimit,
      trustProxy: this.config.api.trustProxy,
      logger: this.log.child({ component: 'api' }),
      version: VERSION,
      accepting: () => this.#ready,
      readiness: () => this.#readiness(),
      status: () => this.status(),
      metrics: this.metrics,
      ui: { sessions: this.#sessions, signOn: this.signOn },
      allowedOrigins: this.config.api.allowedOrigins,
      tls: tlsFiles(this.config.api.tls),
      plugins: [
        (app) =>
          floorViewRoutes(app, {
            floor: () =>
              floorView(
                { db: this.store.db, site: this.site, buses: this.buses },
                this.#simulator !== undefined,
              ),
            onChange: (listener) => this.outbox.onEvent(listener),
            press: this.#simulator
              ? (location, key) => this.#simulator?.pressKey(location, key)
              : undefined,
          }),
        (app) => floorRoutes(app, { commands: this.commands, waves: this.waves, site: this.site }),
        (app) => technicianRoutes(app, { technician: this.technician }),
        (app) => backupRoutes(app, { backups: this.backups }),
        (app) =>
          voiceGateway(app, {
            desk: this.voice,
            signOn: this.signOn,
            speech: this.speech ?? undefined,
            accepting: () => this.#ready,
            maxTerminals: this.config.voice?.maxTerminals,
          }),
        (app) => kpiRoutes(app, { kpis: (w) => computeKpis(this.store.db, w) }),
        (app) =>
          serviceLevelRoutes(app, {
            sla: this.serviceLevels,
            waves: this.waves,
            zones: () => new Set(this.site.zones.keys()),
          }),
        (app) =>
          exceptionRoutes(app, {
            desk: this.exceptions,
            onEvent: (listener) => this.outbox.onEvent(listener),
          }),
        (app) =>
          locationRoutes(app, {
            list: () => [...this.site.zones.values()].flatMap((z) => z.locations),
            csv: () => locationsCsv(this.site),
            import: (text) => importLocations(this.store, this.site, text),
          }),
      ],
    });
    await this.#app.listen({ host: this.config.api.host, port: this.config.api.port });
    const addr = this.#app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : this.config.api.port;
    this.#address = { host: this.config.api.host, port };
    await this.#onListening?.(port);
    this.metrics.start();
    this.webhooks.start();
    this.exceptionWatch.start(); // before the buses: a module offline at start is an exception too
    await this.#startBuses();
    this.#keys.start(); // before the floor is restored: a press a module holds is recorded
    await this.engine.start();
    this.serviceLevels.start();
    await this.mqtt?.start();
    this.backups.start();
    this.#ready = true;
    this.messageBus?.start(); // commands are consumed only once the floor is restored
    this.log.info(
      {
        url: `${this.config.api.tls ? 'https' : 'http'}://${this.config.api.host}:${port}`,
        db: this.store.path,
      },
      'Pickline controller started',
    );
    for (const line of this.busSummary()) this.log.info(line);
  }

  async #startBuses(): Promise<void> {
    const brokerUrl = await this.mqtt?.listen();
    if (brokerUrl) await this.#onBrokerListening?.(brokerUrl);
    await Promise.all(
      [...this.buses].map(async ([id, bus]) => {
        try {
          await bus.start();
        } catch (e) {
          // a bus that cannot open is reported by /readyz; the rest of the floor runs
          this.#busErrors.set(id, (e as Error).message);
          this.log.error({ bus: id, err: (e as Error).message }, 'bus failed to start');
        }
      }),
    );
  }

  /** One line per bus for the start-up log: transport, where, modules online/configured. */
  busSummary(): string[] {
    return [...this.buses].map(([id, bus]) => {
      const info = bus.info();
      const offline = bus
        .modules()
        .filter((m) => m.online !== true)
        .map((m) => m.address);
      const state = this.#busErrors.has(id)
        ? `NOT OPEN: ${this.#busErrors.get(id)}`
        : `${info.online}/${info.modules} modules online` +
          (offline.length ? ` (not answering: ${offline.join(', ')})` : '');
      return `bus ${id}: ${info.transport} ${info.endpoint ?? ''}, ${state}`;
    });
  }

  async stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#ready = false;
      await this.backups.stop(); // before the API closes: it waits for a backup request
      await this.#app?.close();
      this.#app = null;
      await this.messageBus?.stop();
      await this.technician.stop();
      this.#keys.stop();
      await this.serviceLevels.stop();
      this.exceptionWatch.stop();
      await this.engine.stop();
      await this.webhooks.stop();
      this.metrics.stop();
      await this.mqtt?.stopClients();
      await Promise.all([...this.buses.values()].map((b) => b.stop().catch(() => {})));
      await this.mqtt?.stopBroker();
      this.speech?.stop();
      this.store.stop();
      this.#lock.release();
      this.log.info('Pickline controller stopped');
    })();
    return this.#stopping;
  }

  /** What `GET /api/v1/status` shows. */
  status(): Record<string, unknown> {
    return {
      site: this.config.site,
      version: VERSION,
      uptimeS: Math.round(process.uptime()),
      lastEventSeq: this.outbox.lastSeq(),
      engine: this.engine.stats(),
      webhooks: this.webhooks.status(),
      ...(this.messageBus ? { amqp: this.messageBus.status() } : {}),
      buses: [...this.buses.values()].map((b) => {
        const { counters: _c, ...info } = b.info();
        return info;
      }),
    };
  }

  #readiness() {
    return [
      { name: 'store', ok: this.store.isOpen, detail: this.store.isOpen ? 'open' : 'closed' },
      { name: 'floor', ok: this.#ready, detail: this.#ready ? 'restored' : 'starting' },
      ...(this.messageBus ? [this.messageBus.readiness()] : []),
      ...[...this.buses].map(([id, b]) => {
        const info = b.info();
        const err = this.#busErrors.get(id);
        return {
          name: `bus:${id}`,
          ok: !err && info.open,
          detail:
            err ??
            `${info.open ? 'open' : 'closed'}, ${info.online}/${info.modules} modules online`,
        };
      }),
    ];
  }
}
