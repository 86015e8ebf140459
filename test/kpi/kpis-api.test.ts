/** `GET /api/v1/kpis` (issue 11): JSON and CSV, the window checked, the roles. */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../api/app.ts';
import { kpiRoutes } from '../../api/routes/kpis.ts';
import { Outbox } from '../../controller/events/outbox.ts';
import { computeKpis } from '../../controller/kpi/kpis.ts';
import { Store } from '../../controller/store/db.ts';
import type { WaveService } from '../../controller/waves/service.ts';
import { auth, TOKENS } from '../helpers/harness.ts';

let store: Store;
let app: FastifyInstance;

beforeAll(async () => {
  store = new Store(':memory:');
  store.start();
  store.db.exec(`
    INSERT INTO locations (id, zone, zone_mode, bus, address) VALUES ('A-01', 'A', 'pick', 'bus-a', 1);
    INSERT INTO waves (id, status, body_hash, created_at, updated_at)
      VALUES ('W1', 'completed', 'h', '2026-01-01T08:00:00.000Z', '2026-01-01T08:10:00.000Z');
    INSERT INTO orders (id, wave_id, idx, status, updated_at)
      VALUES ('O1', 'W1', 0, 'active', '2026-01-01T08:00:00.000Z');
    INSERT INTO lines (id, order_id, wave_id, idx, sku, location, quantity, status, picked, picker, updated_at)
      VALUES ('L1', 'O1', 'W1', 0, 'S', 'A-01', 2, 'picked', 2, 'ann', '2026-01-01T08:10:00.000Z');
    UPDATE orders SET status = 'completed', updated_at = '2026-01-01T08:10:00.000Z' WHERE id = 'O1';
  `);
  app = await build({
    waves: {} as WaveService,
    outbox: new Outbox(store),
    tokens: Object.fromEntries(Object.entries(TOKENS).map(([k, v]) => [k, [v]])),
    logger: false,
    plugins: [(a) => kpiRoutes(a, { kpis: (w) => computeKpis(store.db, w) })],
  });
});
afterAll(async () => {
  await app?.close();
  store?.stop();
});

const get = (query: string, role: Parameters<typeof auth>[0] | null = 'viewer') =>
  app.inject({ method: 'GET', url: `/api/v1/kpis${query}`, headers: role ? auth(role) : {} });
const WINDOW = '?from=2026-01-01T08:00:00Z&to=2026-01-01T09:00:00Z';

describe('GET /api/v1/kpis', () => {
  it('answers the KPIs of the window as JSON', async () => {
    const r = await get(WINDOW);
    expect(r.statusCode).toBe(200);
    const k = r.json();
    expect(k.window).toEqual({
      from: '2026-01-01T08:00:00.000Z',
      to: '2026-01-01T09:00:00.000Z',
      hours: 1,
    });
    expect(k.picks).toMatchObject({ picks: 1, units: 2, perHour: 1 });
    expect(k.orders).toMatchObject({ completed: 1, perfect: 1, perfectRate: 1 });
    expect(k.orders.cycle.avgSeconds).toBe(600);
  });

  it('answers CSV for a spreadsheet with format=csv', async () => {
    const r = await get(`${WINDOW}&format=csv`, 'wms');
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/csv/);
    expect(r.body.split('\r\n')).toContain('picks,,picks,1');
  });

  it('refuses an empty or reversed window, a bad date and an unknown format', async () => {
    for (const q of [
      '?from=2026-01-01T09:00:00Z&to=2026-01-01T08:00:00Z',
      '?from=2026-01-01T08:00:00Z&to=2026-01-01T08:00:00Z',
      '?from=yesterday',
      `${WINDOW}&format=xlsx`,
      '?from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z',
    ]) {
      const r = await get(q);
      expect(r.statusCode, q).toBe(400);
      expect(r.json().error.code, q).toBe('INVALID_REQUEST');
    }
  });

  it('is for wms, technician and viewer tokens', async () => {
    expect((await get(WINDOW, null)).statusCode).toBe(401);
    expect((await get(WINDOW, 'operator')).statusCode).toBe(403);
    expect((await get(WINDOW, 'technician')).statusCode).toBe(200);
  });
});
