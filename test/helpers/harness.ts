/**
 * Builds the API over a real store on a temp file, from the demo config,
 * without listening: tests use `app.inject()`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { build } from '../../api/app.ts';
import { loadConfig } from '../../config/load.ts';
import type { SiteConfig } from '../../config/schema.ts';
import { Outbox } from '../../controller/events/outbox.ts';
import { DEFAULT_CONFIG } from '../../controller/paths.ts';
import { Site } from '../../controller/site.ts';
import { Store } from '../../controller/store/db.ts';
import { syncLocations } from '../../controller/store/locations.ts';
import { WaveService } from '../../controller/waves/service.ts';

export const TOKENS = {
  wms: 'demo-wms-token',
  operator: 'demo-operator-token',
  technician: 'demo-technician-token',
  viewer: 'demo-viewer-token',
} as const;

export function tempDir(prefix = 'pickline-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function demoConfig(dbPath: string): SiteConfig {
  const { config } = loadConfig(DEFAULT_CONFIG, { PICKLINE_DB: dbPath });
  return config;
}

export interface Harness {
  app: FastifyInstance;
  store: Store;
  outbox: Outbox;
  waves: WaveService;
  dbPath: string;
  close(): Promise<void>;
}

export async function harness(dbPath: string, opts: { bodyLimit?: number } = {}): Promise<Harness> {
  const config = demoConfig(dbPath);
  const site = new Site(config);
  const store = new Store(dbPath);
  store.start();
  syncLocations(store, site);
  const outbox = new Outbox(store);
  const waves = new WaveService({ store, outbox, site });
  const app = await build({
    waves,
    outbox,
    tokens: config.api.tokens,
    bodyLimit: opts.bodyLimit,
    logger: false,
    readiness: () => [{ name: 'store', ok: store.isOpen }],
  });
  return {
    app,
    store,
    outbox,
    waves,
    dbPath,
    close: async () => {
      await app.close();
      store.stop();
    },
  };
}

export const auth = (role: keyof typeof TOKENS) => ({ authorization: `Bearer ${TOKENS[role]}` });

/** Row counts of every table: a rejected request must leave them unchanged. */
export function tableCounts(store: Store): Record<string, number> {
  const tables = store.db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .all() as {
    name: string;
  }[];
  return Object.fromEntries(
    tables.map(({ name }) => [
      name,
      (store.db.prepare(`SELECT COUNT(*) AS n FROM "${name}"`).get() as { n: number }).n,
    ]),
  );
}

/** A valid wave on the demo site's zone A locations. */
export function demoWave(waveId = 'W-1', orders = 2, linesPerOrder = 3): Record<string, unknown> {
  return {
    waveId,
    priority: 0,
    orders: Array.from({ length: orders }, (_, i) => ({
      orderId: `${waveId}-O${i + 1}`,
      container: `${waveId}-TOTE-${i + 1}`,
      lines: Array.from({ length: linesPerOrder }, (_, j) => ({
        lineId: `${waveId}-O${i + 1}-L${j + 1}`,
        sku: `SKU-${j + 1}`,
        location: `A-01-${String(((i * linesPerOrder + j) % 16) + 1).padStart(2, '0')}`,
        quantity: j + 1,
      })),
    })),
  };
}
