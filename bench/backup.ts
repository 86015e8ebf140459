/**
 * Online backup of a big store (issue 22): a store with 2 million picks
 * (lines picked, one line.picked event each, KPI rollups kept by the
 * triggers), generated with bulk SQL; then the controller's backup
 * (controller/store/backup.ts, a worker thread on a WAL snapshot) runs while
 * the floor keeps committing presses on the main thread. Measured: the backup's
 * time and size, and the longest pause of the floor loop while it runs (a
 * 1 ms timer's lateness: everything that blocks the event loop, the presses'
 * own commits included), against the same loop without a backup.
 * Target: longest pause < 20 ms.
 *   node bin/run-ts.js bench/backup.ts [--picks 2000000] [--compare]
 * --compare also times better-sqlite3's step-wise backup on the floor's own
 * connection (100 pages a step on the main thread), the alternative not taken.
 */
import { rmSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { backupStore } from '../controller/store/backup.ts';
import { Store } from '../controller/store/db.ts';
import { tempDir } from '../test/kit/harness.ts';
import { percentile, round } from '../test/kit/stats.ts';

const { values } = parseArgs({
  options: {
    picks: { type: 'string', default: '2000000' },
    compare: { type: 'boolean', default: false },
  },
});
const PICKS = Number(values.picks);
const LINES_PER_ORDER = 10;
const TARGET_MS = 20;
const PRESS_EVERY_MS = 20;

const tmp = tempDir('pickline-bench-backup-');
const path = join(tmp.dir, 'pickline.db');
const store = new Store(path);
store.start();
const db = store.db;

const t0 = performance.now();
const orders = Math.ceil(PICKS / LINES_PER_ORDER);
store.tx(() => {
  db.exec(`INSERT INTO locations (id, zone, zone_mode, bus, address)
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
    SELECT printf('A-%03d', i), 'A', 'pick', 'bus-a', i FROM n`);
  db.exec(`INSERT INTO waves (id, priority, status, body_hash, created_at, updated_at)
    WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${Math.ceil(orders / 100) - 1})
    SELECT 'W-' || i, 0, 'completed', 'h', '2026-01-01T00:00:00.000Z', '2026-01-01T01:00:00.000Z' FROM n`);
  db.exec(`INSERT INTO orders (id, wave_id, idx, container, status, updated_at)
    WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${orders - 1})
    SELECT 'O-' || i, 'W-' || (i / 100), i % 100, 'T-' || i, 'completed',
      strftime('%Y-%m-%dT%H:%M:%fZ', '2026-01-01', '+' || (i * 10) || ' seconds') FROM n`);
  db.exec(`INSERT INTO lines (id, order_id, wave_id, idx, sku, location, quantity, status, picked, picker, via, updated_at)
    WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${PICKS - 1})
    SELECT 'L-' || i, 'O-' || (i / ${LINES_PER_ORDER}), 'W-' || (i / ${LINES_PER_ORDER * 100}),
      i % ${LINES_PER_ORDER}, 'SKU-' || (i % 5000), printf('A-%03d', 1 + i % 200), 1 + i % 4,
      'picked', 1 + i % 4, 'p' || (i % 20), 'light',
      strftime('%Y-%m-%dT%H:%M:%fZ', '2026-01-01', '+' || i || ' seconds') FROM n`);
  db.exec(`INSERT INTO events (seq, event_id, type, occurred_at, data)
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${PICKS})
    SELECT i, printf('e-bench0-%06d', i), 'line.picked',
      strftime('%Y-%m-%dT%H:%M:%fZ', '2026-01-01', '+' || i || ' seconds'),
      json_object('waveId', 'W-' || ((i - 1) / ${LINES_PER_ORDER * 100}), 'orderId', 'O-' || ((i - 1) / ${LINES_PER_ORDER}),
        'lineId', 'L-' || (i - 1), 'sku', 'SKU-' || (i % 5000), 'location', printf('A-%03d', 1 + (i - 1) % 200),
        'quantity', 1 + (i - 1) % 4, 'picked', 1 + (i - 1) % 4, 'picker', 'p' || (i % 20), 'via', 'light') FROM n`);
  // the floor's open work: one wave of open lines the presses below pick
  db.exec(
    `INSERT INTO waves VALUES ('W-OPEN', 0, 'active', 'h', '2026-02-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z')`,
  );
  db.exec(`INSERT INTO orders (id, wave_id, idx, container, status, updated_at)
    VALUES ('O-OPEN', 'W-OPEN', 0, 'T-OPEN', 'active', '2026-02-01T00:00:00.000Z')`);
  db.exec(`INSERT INTO lines (id, order_id, wave_id, idx, sku, location, quantity, status, updated_at)
    WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 99999)
    SELECT 'LO-' || i, 'O-OPEN', 'W-OPEN', i, 'SKU-OPEN', printf('A-%03d', 1 + i % 200), 2, 'lit',
      '2026-02-01T00:00:00.000Z' FROM n`);
});
db.pragma('wal_checkpoint(TRUNCATE)');
const seedMs = performance.now() - t0;
const storeBytes = statSync(path).size;

/** A press: the line picked and its event appended, one IMMEDIATE transaction (as engine/picks.ts). */
let next = 0;
const pick = db.prepare(
  "UPDATE lines SET status = 'picked', picked = 2, picker = 'p1', via = 'light', updated_at = ? WHERE id = ?",
);
const append = db.prepare(
  "INSERT INTO events (seq, event_id, type, occurred_at, data) VALUES ((SELECT MAX(seq) + 1 FROM events), ?, 'line.picked', ?, ?)",
);
/** Time spent in the presses' own commits (an fsync each) since the probe last ran. */
let inPresses = 0;
function press(): void {
  const s = performance.now();
  const id = `LO-${next++}`;
  const at = new Date().toISOString();
  store.tx(() => {
    pick.run(at, id);
    append.run(`e-press-${id}`, at, JSON.stringify({ lineId: id }));
  });
  inPresses += performance.now() - s;
}

/** Runs the floor (presses + a 1 ms lateness probe) while `work` runs; the longest pause seen. */
async function floorWhile(work: () => Promise<unknown>) {
  let maxPause = 0;
  let maxOther = 0;
  const pauses: number[] = [];
  let last = performance.now();
  inPresses = 0;
  const probe = setInterval(() => {
    const now = performance.now();
    const late = now - last - 1;
    last = now;
    pauses.push(late);
    if (late > maxPause) maxPause = late;
    // what blocked the loop besides the floor's own commits (the backup's share)
    if (late - inPresses > maxOther) maxOther = late - inPresses;
    inPresses = 0;
  }, 1);
  const presses = setInterval(press, PRESS_EVERY_MS);
  const before = next;
  const s = performance.now();
  try {
    await work();
  } finally {
    clearInterval(probe);
    clearInterval(presses);
  }
  return {
    ms: Math.round(performance.now() - s),
    presses: next - before,
    maxPauseMs: Math.round(maxPause * 10) / 10,
    maxPauseBesidesCommitsMs: Math.round(maxOther * 10) / 10,
    p99PauseMs: pauses.length === 0 ? 0 : round(percentile(pauses, 99), 1),
  };
}

try {
  const baseline = await floorWhile(() => new Promise((r) => setTimeout(r, 3000)));
  const target = join(tmp.dir, 'backup.db');
  let result: Awaited<ReturnType<typeof backupStore>> | undefined;
  const during = await floorWhile(async () => {
    result = await backupStore(path, target);
  });
  const copy = new Database(target, { readonly: true });
  const copied = (
    copy.prepare("SELECT COUNT(*) AS n FROM lines WHERE status = 'picked'").get() as {
      n: number;
    }
  ).n;
  copy.close();
  let stepwise: Awaited<ReturnType<typeof floorWhile>> | undefined;
  if (values.compare) {
    const other = join(tmp.dir, 'stepwise.db');
    stepwise = await floorWhile(() => db.backup(other));
  }
  const ok = during.maxPauseMs < TARGET_MS && copied >= PICKS;
  const load = loadavg()[0].toFixed(1);
  console.log(
    JSON.stringify({
      bench: 'backup.online',
      picks: PICKS,
      storeBytes,
      seedMs: Math.round(seedMs),
      backup: { ms: result?.ms, bytes: result?.bytes, picksInCopy: copied },
      floorDuringBackup: during,
      floorBaseline: baseline,
      ...(stepwise ? { stepwiseOnMainThread: stepwise } : {}),
      targetMaxPauseMs: TARGET_MS,
      loadAverage: Number(load),
    }),
  );
  console.log(
    `backup: ${PICKS} picks, ${(storeBytes / 2 ** 20).toFixed(0)} MiB store backed up in ${result?.ms} ms; ` +
      `longest floor pause during it ${during.maxPauseMs} ms, ${during.maxPauseBesidesCommitsMs} ms besides the presses' own commits ` +
      `(p99 ${during.p99PauseMs} ms, ${during.presses} presses committed; without a backup ${baseline.maxPauseMs} / ${baseline.maxPauseBesidesCommitsMs} ms) ` +
      `— target < ${TARGET_MS} ms: ${ok ? 'OK' : 'SLOW'} at load average ${load}` +
      (stepwise
        ? `; step-wise on the main thread: ${stepwise.ms} ms, longest pause ${stepwise.maxPauseMs} ms`
        : ''),
  );
  if (!ok) process.exitCode = 1;
} finally {
  store.stop();
  rmSync(tmp.dir, { recursive: true, force: true });
}
