/**
 * KPI queries over a month of a 50-picker site (issue 11: ~2 million picks,
 * each KPI under a second). Seeds a store in a temp folder (lines, orders,
 * waves, zone visits, device.offline events; the triggers of store migration 5
 * keep the hourly rollups as the engine's writes would), then times every KPI
 * query of controller/kpi over the whole month and over one day. Prints one JSON line
 * and a one-line summary:
 *   node bin/run-ts.js bench/kpi.ts [--picks 2000000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computeKpis, KPI_SQL, type KpiName, runKpi } from '../controller/kpi/kpis.ts';
import { Store } from '../controller/store/db.ts';

const arg = process.argv.indexOf('--picks');
const PICKS = arg > 0 ? Number(process.argv[arg + 1]) : 2_000_000;
const PICKERS = 50;
const ZONES = 10;
const LOCATIONS = 2000;
const LINES_PER_ORDER = 5;
const ORDERS_PER_WAVE = 100;
const START = Date.parse('2026-01-01T00:00:00.000Z');
const MONTH_MS = 30 * 24 * 3_600_000;
const TARGET_MS = 1000;

const dir = mkdtempSync(join(tmpdir(), 'pickline-bench-kpi-'));
const store = new Store(join(dir, 'bench.db'));
try {
  store.start();
  const db = store.db;
  const t0 = performance.now();
  store.tx(() => {
    const loc = db.prepare(
      "INSERT INTO locations (id, zone, zone_mode, bus, address) VALUES (?, ?, 'pick', ?, ?)",
    );
    for (let i = 0; i < LOCATIONS; i++)
      loc.run(`L-${i}`, `Z${i % ZONES}`, `bus-${i % ZONES}`, Math.floor(i / ZONES) + 1);
    const wave = db.prepare(
      "INSERT INTO waves (id, status, body_hash, created_at, updated_at) VALUES (?, 'completed', 'h', ?, ?)",
    );
    const order = db.prepare(
      "INSERT INTO orders (id, wave_id, idx, status, updated_at) VALUES (?, ?, ?, 'active', ?)",
    );
    const complete = db.prepare(
      "UPDATE orders SET status = 'completed', updated_at = ? WHERE id = ?",
    );
    const line = db.prepare(
      `INSERT INTO lines (id, order_id, wave_id, idx, sku, location, quantity, status, picked, picker, via, reason, updated_at)
       VALUES (?, ?, ?, ?, 'SKU', ?, ?, ?, ?, ?, 'light', ?, ?)`,
    );
    const visit = db.prepare(
      'INSERT INTO zone_visits (zone, order_id, picker, started_at, done_at) VALUES (?, ?, ?, ?, ?)',
    );
    const orders = Math.ceil(PICKS / LINES_PER_ORDER);
    const step = (MONTH_MS - 3_600_000) / orders; // the last order closes inside the month
    let n = 0;
    for (let o = 0; o < orders; o++) {
      const w = Math.floor(o / ORDERS_PER_WAVE);
      const base = START + o * step;
      const waveId = `W-${w}`;
      if (o % ORDERS_PER_WAVE === 0) {
        const at = new Date(base - 600_000).toISOString();
        wave.run(waveId, at, at);
      }
      const orderId = `O-${o}`;
      const picker = `p${o % PICKERS}`;
      const zoneStart = new Map<string, string>();
      const done = new Date(base + LINES_PER_ORDER * 20_000).toISOString();
      order.run(orderId, waveId, o % ORDERS_PER_WAVE, done);
      for (let i = 0; i < LINES_PER_ORDER && n < PICKS; i++, n++) {
        const at = new Date(base + i * 20_000).toISOString();
        const location = (o * 7 + i * 13) % LOCATIONS;
        const quantity = 1 + (n % 4);
        const short = n % 97 === 0;
        const over = !short && n % 211 === 0;
        const picked = short ? quantity - 1 : over ? quantity + 1 : quantity;
        line.run(
          `${orderId}-${i}`,
          orderId,
          waveId,
          i,
          `L-${location}`,
          quantity,
          short ? 'short' : 'picked',
          picked,
          picker,
          short ? 'quantity' : null,
          at,
        );
        const zone = `Z${location % ZONES}`;
        if (!zoneStart.has(zone)) zoneStart.set(zone, new Date(base - 5_000).toISOString());
      }
      complete.run(done, orderId);
      for (const [zone, started] of zoneStart) visit.run(zone, orderId, picker, started, done);
    }
    const ev = db.prepare(
      "INSERT INTO events (event_id, type, occurred_at, data) VALUES (?, 'device.offline', ?, ?)",
    );
    for (let i = 0; i < 5000; i++)
      ev.run(
        `e-${i}`,
        new Date(START + (i * MONTH_MS) / 5000).toISOString(),
        JSON.stringify({ bus: `bus-${i % ZONES}`, address: (i % 200) + 1 }),
      );
  });
  db.exec('ANALYZE');
  const seedMs = performance.now() - t0;

  const month = {
    from: new Date(START).toISOString(),
    to: new Date(START + MONTH_MS).toISOString(),
  };
  const day = {
    from: new Date(START + 10 * 86_400_000).toISOString(),
    to: new Date(START + 11 * 86_400_000).toISOString(),
  };
  const time = (fn: () => unknown) => {
    const s = performance.now();
    fn();
    return Math.round(performance.now() - s);
  };
  const queries: Record<string, { monthMs: number; dayMs: number }> = {};
  for (const name of Object.keys(KPI_SQL) as KpiName[]) {
    runKpi(db, name, day); // compile
    queries[name] = {
      monthMs: time(() => runKpi(db, name, month)),
      dayMs: time(() => runKpi(db, name, day)),
    };
  }
  const allMonthMs = time(() => computeKpis(db, month));
  const picks = computeKpis(db, month).picks.picks;
  const slowest = Math.max(...Object.values(queries).map((q) => q.monthMs));
  console.log(
    JSON.stringify({
      bench: 'kpi.queries',
      picks,
      seedMs: Math.round(seedMs),
      queries,
      allMonthMs,
      slowestMs: slowest,
      targetMs: TARGET_MS,
    }),
  );
  console.log(
    `kpi: ${picks} picks, slowest KPI query over the month ${slowest} ms (target < ${TARGET_MS} ms each), all KPIs ${allMonthMs} ms: ${slowest < TARGET_MS ? 'OK' : 'SLOW'}`,
  );
  if (slowest >= TARGET_MS) process.exitCode = 1;
} finally {
  store.stop();
  rmSync(dir, { recursive: true, force: true });
}
