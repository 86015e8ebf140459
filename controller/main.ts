/**
 * The composition root: builds the store, the site, the services and the
 * API from a loaded config, and owns start()/stop(). Constructors assign;
 * start() opens ports and files; stop() is idempotent and releases all.
 */
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { build } from '../api/app.ts';
import type { LoadedConfig } from '../config/load.ts';
import { Outbox } from './events/outbox.ts';
import { Site } from './site.ts';
import { Store } from './store/db.ts';
import { syncLocations } from './store/locations.ts';
import { WaveService } from './waves/service.ts';

export const VERSION = '0.1.0';

export interface ControllerOptions {
  logger?: Logger;
}

export class Controller {
  readonly config: LoadedConfig['config'];
  readonly loaded: LoadedConfig;
  readonly log: Logger;
  readonly site: Site;
  readonly store: Store;
  readonly outbox: Outbox;
  readonly waves: WaveService;
  #app: FastifyInstance | null = null;
  #address: { host: string; port: number } | null = null;
  #stopping: Promise<void> | null = null;

  constructor(loaded: LoadedConfig, opts: ControllerOptions = {}) {
    this.loaded = loaded;
    this.config = loaded.config;
    this.log = opts.logger ?? pino({ level: this.config.log?.level ?? 'info', base: { site: this.config.site } });
    this.site = new Site(this.config);
    this.store = new Store(this.config.storage.path);
    this.outbox = new Outbox(this.store);
    this.waves = new WaveService({
      store: this.store,
      outbox: this.outbox,
      site: this.site,
      maxLines: this.config.api.maxWaveLines,
    });
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

  async start(): Promise<void> {
    this.store.start();
    syncLocations(this.store, this.site);
    this.#app = await build({
      waves: this.waves,
      outbox: this.outbox,
      tokens: this.config.api.tokens,
      bodyLimit: this.config.api.bodyLimit,
      logger: this.log.child({ component: 'api' }),
      version: VERSION,
      readiness: () => [{ name: 'store', ok: this.store.isOpen }],
    });
    await this.#app.listen({ host: this.config.api.host, port: this.config.api.port });
    const addr = this.#app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : this.config.api.port;
    this.#address = { host: this.config.api.host, port };
    this.log.info({ url: `http://${this.config.api.host}:${port}`, db: this.store.path }, 'Pickline controller started');
  }

  async stop(): Promise<void> {
    this.#stopping ??= (async () => {
      await this.#app?.close();
      this.#app = null;
      this.store.stop();
      this.log.info('Pickline controller stopped');
    })();
    return this.#stopping;
  }
}
