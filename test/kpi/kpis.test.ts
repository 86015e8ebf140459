/**
 * KPIs against hand-computed values (controller/kpi/kpis.ts definitions):
 * a window of two hours with five picks, one short, one correction, three
 * completed orders of which two perfect, zone visits and offline events, and
 * rows just outside the window on both sides.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { computeKpis, kpisToCsv } from '../../controller/kpi/kpis.ts';
import { Store } from '../../controller/store/db.ts';
import { MIGRATIONS } from '../../controller/store/migrations.ts';

const W = { from: '2026-01-01T08:00:00.000Z', to: '2026-01-01T10:00:00.000Z' };
const t = (hhmm: string) => `2026-01-01T${hhmm}:00.000Z`;

let store: Store;

function seed(): void {
  const db = store.db;
  const loc = db.prepare(
    "INSERT INTO locations (id, zone, zone_mode, bus, address) VALUES (?, ?, 'pick', 'bus-a', ?)",
  );
  loc.run('A-01', 'A', 1);
  loc.run('A-02', 'A', 2);
  loc.run('B-01', 'B', 3);
  loc.run('P-01', 'P', 4);
  db.prepare(
    "INSERT INTO waves (id, status, body_hash, created_at, updated_at) VALUES ('W1', 'active', 'h', ?, ?)",
  ).run(t('07:50'), t('07:50'));
  const order = db.prepare(
    "INSERT INTO orders (id, wave_id, idx, cubby, status, updated_at) VALUES (?, 'W1', ?, ?, ?, ?)",
  );
  order.run('O1', 0, null, 'active', t('08:00'));
  order.run('O2', 1, null, 'active', t('08:00'));
  order.run('O3', 2, 'P-01', 'active', t('08:00'));
  order.run('O4', 3, null, 'active', t('10:00'));
  order.run('O5', 4, null, 'active', t('08:00'));
  const line = db.prepare(
    `INSERT INTO lines (id, order_id, wave_id, idx, sku, location, quantity, status, picked, picker, reason, updated_at)
     VALUES (?, ?, 'W1', ?, 'SKU', ?, ?, ?, ?, ?, ?, ?)`,
  );
  line.run('L1', 'O1', 0, 'A-01', 2, 'picked', 2, 'ann', null, t('08:10'));
  line.run('L2', 'O1', 1, 'B-01', 1, 'picked', 1, 'bob', null, t('08:20'));
  line.run('L3', 'O2', 0, 'A-02', 3, 'short', 1, 'ann', 'quantity', t('09:05'));
  line.run('L4', 'O2', 1, 'A-01', 1, 'picked', 2, 'ann', null, t('09:10'));
  line.run('L5', 'O3', 0, null, 4, 'open', 0, null, null, t('08:00'));
  db.prepare(
    "UPDATE lines SET status = 'picked', picked = 4, picker = 'cat', updated_at = ? WHERE id = 'L5'",
  ).run(t('09:30'));
  line.run('L6', 'O4', 0, 'A-01', 1, 'open', 0, null, null, t('09:00'));
  line.run('L7', 'O4', 1, 'B-01', 1, 'picked', 1, 'bob', null, t('07:55'));
  line.run('L8', 'O4', 2, 'B-01', 1, 'picked', 1, 'bob', null, t('10:00'));
  line.run('L9', 'O4', 3, 'B-01', 1, 'cancelled', 0, null, null, t('09:00'));
  line.run('L10', 'O5', 0, 'A-02', 5, 'short', 0, 'ann', 'short-key', t('10:30'));
  // completed after their lines closed, as the engine does (picks.ts)
  const complete = db.prepare(
    "UPDATE orders SET status = 'completed', updated_at = ? WHERE id = ?",
  );
  complete.run(t('08:30'), 'O1');
  complete.run(t('09:10'), 'O2');
  complete.run(t('09:30'), 'O3');
  complete.run(t('10:30'), 'O5');
  const visit = db.prepare(
    'INSERT INTO zone_visits (zone, order_id, picker, started_at, done_at) VALUES (?, ?, ?, ?, ?)',
  );
  visit.run('A', 'O1', 'ann', t('08:05'), t('08:10'));
  visit.run('A', 'O2', 'ann', t('09:00'), t('09:10'));
  visit.run('B', 'O1', 'bob', t('08:15'), t('08:20'));
  visit.run('B', 'O0', 'bob', t('06:00'), t('07:00'));
  const ev = db.prepare(
    'INSERT INTO events (event_id, type, occurred_at, data) VALUES (?, ?, ?, ?)',
  );
  const dev = (bus: string, address: number) => JSON.stringify({ bus, address });
  ev.run('e1', 'device.offline', t('08:40'), dev('bus-a', 3));
  ev.run('e2', 'device.online', t('08:45'), dev('bus-a', 3));
  ev.run('e3', 'device.offline', t('09:40'), dev('bus-a', 3));
  ev.run('e4', 'device.offline', t('09:41'), dev('bus-a', 5));
  ev.run('e5', 'device.offline', t('11:00'), dev('bus-b', 7));
}

beforeEach(() => {
  store = new Store(':memory:');
  store.start();
  seed();
});
afterEach(() => store.stop());

describe('KPIs over a window', () => {
  it('counts picks, units, shorts and corrections closed in [from, to)', () => {
    const k = computeKpis(store.db, W);
    expect(k.window.hours).toBe(2);
    expect(k.picks).toEqual({
      picks: 5,
      units: 10,
      shorts: 1,
      corrections: 1,
      activeHours: 2,
      perHour: 2.5,
      perActiveHour: 2.5,
      shortRate: 0.2,
      errorsPer1000: 400,
    });
    expect(k.hourly).toEqual([
      { hour: '2026-01-01T08:00:00Z', picks: 2, shorts: 0 },
      { hour: '2026-01-01T09:00:00Z', picks: 3, shorts: 1 },
    ]);
  });

  it('gives picks per picker and per zone (a put line counts in its cubby zone)', () => {
    const k = computeKpis(store.db, W);
    expect(
      k.pickers.map((p) => [p.picker, p.picks, p.units, p.shorts, p.corrections, p.perActiveHour]),
    ).toEqual([
      ['ann', 3, 5, 1, 1, 1.5],
      ['bob', 1, 1, 0, 0, 1],
      ['cat', 1, 4, 0, 0, 1],
    ]);
    expect(k.zones.map((z) => [z.zone, z.picks, z.units])).toEqual([
      ['A', 3, 5],
      ['B', 1, 1],
      ['P', 1, 4],
    ]);
  });

  it('gives perfect orders and the order cycle time from wave acceptance', () => {
    const k = computeKpis(store.db, W);
    expect(k.orders).toEqual({
      completed: 3,
      perfect: 2,
      perfectRate: 0.666667,
      cycle: { count: 3, avgSeconds: 4400, minSeconds: 2400, maxSeconds: 6000 },
    });
  });

  it('gives scan → zone done per zone and device errors per bus', () => {
    const k = computeKpis(store.db, W);
    expect(k.zoneVisits).toEqual([
      { zone: 'A', count: 2, avgSeconds: 450, minSeconds: 300, maxSeconds: 600 },
      { zone: 'B', count: 1, avgSeconds: 300, minSeconds: 300, maxSeconds: 300 },
    ]);
    expect(k.devices).toEqual([{ bus: 'bus-a', offline: 3, modules: 2, perHour: 1.5 }]);
  });

  it('answers zeros and nulls, not NaN, for an empty window', () => {
    const k = computeKpis(store.db, { from: t('00:00'), to: t('01:00') });
    expect(k.picks).toMatchObject({
      picks: 0,
      units: 0,
      perHour: 0,
      shortRate: 0,
      errorsPer1000: 0,
    });
    expect(k.orders).toEqual({
      completed: 0,
      perfect: 0,
      perfectRate: null,
      cycle: { count: 0, avgSeconds: null, minSeconds: null, maxSeconds: null },
    });
    expect(k.pickers).toEqual([]);
  });

  it('widens a window to whole UTC hours', () => {
    const k = computeKpis(store.db, { from: t('08:20'), to: t('09:01') });
    expect(k.window).toEqual({ ...W, hours: 2 });
    expect(k.picks.picks).toBe(5);
  });

  it('rebuilds the hourly rollups from history when the store is upgraded', () => {
    const db = store.db;
    const before = computeKpis(db, W);
    const dump = (table: string) => db.prepare(`SELECT * FROM ${table} ORDER BY 1, 2`).all();
    const tables = ['kpi_picker_hours', 'kpi_zone_hours', 'kpi_order_hours'];
    const kept = tables.map(dump);
    for (const table of tables) db.exec(`DELETE FROM ${table}`);
    const sql = MIGRATIONS.find((m) => m.version === 5)!.sql;
    db.exec(sql.slice(sql.indexOf('-- history closed before this migration')));
    expect(tables.map(dump)).toEqual(kept);
    expect(computeKpis(db, W)).toEqual(before);
  });

  it('exports one figure a row as CSV', () => {
    const csv = kpisToCsv(computeKpis(store.db, W));
    const rows = csv.trimEnd().split('\r\n');
    expect(rows[0]).toBe('section,key,metric,value');
    expect(rows).toContain('picks,,errorsPer1000,400');
    expect(rows).toContain('picker,ann,picks,3');
    expect(rows).toContain('order-cycle,,avgSeconds,4400');
    expect(rows).toContain('scan-to-zone-done,A,avgSeconds,450');
    expect(rows).toContain('device-errors,bus-a,offline,3');
  });
});
