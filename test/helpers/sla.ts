/**
 * Service levels and the exceptions desk over a real store on the demo site,
 * without buses: the API by `app.inject()`, picks through the engine's commit
 * path (`engine.picking.close`), a clock the test sets.
 */
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { build } from '../../api/app.ts';
import { exceptionRoutes } from '../../api/routes/exceptions.ts';
import { serviceLevelRoutes } from '../../api/routes/service-levels.ts';
import { PickEngine } from '../../controller/engine/engine.ts';
import { Outbox, type PicklineEvent } from '../../controller/events/outbox.ts';
import { ExceptionDesk } from '../../controller/exceptions/desk.ts';
import { ExceptionWatch } from '../../controller/exceptions/watch.ts';
import { type ServiceLevelConfig, ServiceLevels } from '../../controller/service-levels/service.ts';
import { Site } from '../../controller/site.ts';
import { Store } from '../../controller/store/db.ts';
import { syncLocations } from '../../controller/store/locations.ts';
import { WaveService } from '../../controller/waves/service.ts';
import { demoConfig } from './harness.ts';

export interface SlaHarness {
  app: FastifyInstance;
  store: Store;
  outbox: Outbox;
  waves: WaveService;
  desk: ExceptionDesk;
  watch: ExceptionWatch;
  sla: ServiceLevels;
  engine: PickEngine;
  site: Site;
  clock: { now: number };
  /** lets the outbox listeners run and waits for the evaluations they asked for */
  settle(): Promise<void>;
  events(type?: string): PicklineEvent[];
  close(): Promise<void>;
}

export async function slaHarness(
  dbPath: string,
  opts: { now?: number; config?: ServiceLevelConfig } = {},
): Promise<SlaHarness> {
  const config = demoConfig(dbPath);
  const site = new Site(config);
  const store = new Store(dbPath);
  store.start();
  syncLocations(store, site);
  const outbox = new Outbox(store);
  const clock = { now: opts.now ?? Date.now() };
  const desk = new ExceptionDesk({ store, outbox });
  const watch = new ExceptionWatch({ store, outbox, site, desk, now: () => clock.now });
  const sla = new ServiceLevels({
    store,
    outbox,
    site,
    exceptions: desk,
    config: { evaluateSeconds: 3600, ...opts.config },
    now: () => clock.now,
  });
  const waves = new WaveService({
    store,
    outbox,
    site,
    projection: {
      order: (id) => sla.projection(id).projectedAt,
      wave: (id) => sla.waveProjection(id),
    },
  });
  const engine = new PickEngine({
    store,
    outbox,
    site,
    buses: new Map(),
    logger: pino({ level: 'silent' }),
  });
  const app = await build({
    waves,
    outbox,
    tokens: config.api.tokens,
    logger: false,
    plugins: [
      (a) => serviceLevelRoutes(a, { sla, waves, zones: () => new Set(site.zones.keys()) }),
      (a) => exceptionRoutes(a, { desk, onEvent: (l) => outbox.onEvent(l) }),
    ],
  });
  await engine.start(); // its holds table; no bus to light
  watch.start();
  sla.start();
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setImmediate(r));
      await sla.idle();
    }
  };
  await settle();
  return {
    app,
    store,
    outbox,
    waves,
    desk,
    watch,
    sla,
    engine,
    site,
    clock,
    settle,
    events: (type) => outbox.read(0, 100_000).filter((e) => type === undefined || e.type === type),
    close: async () => {
      await sla.stop();
      watch.stop();
      await engine.stop();
      await app.close();
      store.stop();
    },
  };
}

/** A wave of `orders` orders × `lines` lines in zone A (A-01-01 … A-01-16). */
export function zoneAWave(
  waveId: string,
  orders: number,
  lines: number,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    waveId,
    ...extra,
    orders: Array.from({ length: orders }, (_, i) => ({
      orderId: `${waveId}-O${i + 1}`,
      lines: Array.from({ length: lines }, (_, j) => ({
        lineId: `${waveId}-O${i + 1}-L${j + 1}`,
        sku: `SKU-${j + 1}`,
        location: `A-01-${String(((i * lines + j) % 16) + 1).padStart(2, '0')}`,
        quantity: 1,
      })),
    })),
  };
}
