/**
 * SQL for waves, orders and lines. Callers run writes inside `store.tx()`.
 */
import { normaliseDue } from '../service-levels/due.ts';
import { type Db, stmt } from '../store/db.ts';
import type {
  LineStatus,
  LineView,
  OrderStatus,
  OrderView,
  WaveInput,
  WaveStatus,
  WaveSummary,
  WaveView,
} from './schema.ts';

interface LineRow {
  id: string;
  order_id: string;
  wave_id: string;
  sku: string;
  location: string | null;
  quantity: number;
  description: string | null;
  status: LineStatus;
  picked: number;
  picker: string | null;
  via: string | null;
  reason: string | null;
  flag?: string | null;
  updated_at: string;
}
interface OrderRow {
  id: string;
  wave_id: string;
  container: string | null;
  put_wall: string | null;
  cubby: string | null;
  status: OrderStatus;
  /** the order's own due time and priority (null: its wave's), CONTRACTS.md §7 */
  due_at: string | null;
  priority: number | null;
  risk: 'on-track' | 'at-risk' | 'late';
  on_time: number | null;
}
interface WaveRow {
  id: string;
  priority: number;
  status: WaveStatus;
  due_at: string | null;
  risk: 'on-track' | 'at-risk' | 'late';
  body_hash: string;
  created_at: string;
  updated_at: string;
}

/**
 * Rows per INSERT statement of a wave's lines and their history. Every
 * statement on `lines` runs with a statement journal (the table has triggers,
 * migration 5's KPI rollups), which copies each page the statement first
 * touches: one statement per line copied the same index pages ten thousand
 * times and made intake of 10,000 lines 2–3 times slower (bench/wave-accept.ts;
 * README "Benchmarks").
 * A batch copies them once. 9 parameters a line × 256 stays far below
 * SQLite's 32,766 parameters per statement.
 */
const BATCH = 256;

const LINE_SQL = `INSERT INTO lines (id, order_id, wave_id, idx, sku, location, quantity, description, status, updated_at) VALUES `;
const LINE_ROW = "(?, ?, ?, ?, ?, ?, ?, ?, 'open', ?)";
const ORDER_SQL =
  'INSERT INTO orders (id, wave_id, idx, container, put_wall, cubby, status, updated_at, due_at, priority) VALUES ';
const ORDER_ROW = "(?, ?, ?, ?, ?, ?, 'open', ?, ?, ?)";
const ORDER_ARGS = 9;
const HIST_SQL = 'INSERT INTO line_history (line_id, status, at) VALUES ';
const HIST_ROW = "(?, 'open', ?)";
const rowsSql = (head: string, row: string, n: number) =>
  head + Array.from({ length: n }, () => row).join(', ');

export function insertWave(db: Db, w: WaveInput, hash: string, now: string): void {
  stmt(
    db,
    'INSERT INTO waves (id, priority, status, body_hash, created_at, updated_at, due_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  ).run(w.waveId, w.priority ?? 0, 'accepted', hash, now, now, normaliseDue(w.dueAt));
  // orders BATCH at a time too (the last, shorter batch one row at a time)
  const orderArgs: unknown[] = [];
  const orderRows = (n: number) => stmt(db, rowsSql(ORDER_SQL, ORDER_ROW, n));
  w.orders.forEach((o, i) => {
    orderArgs.push(
      o.orderId,
      w.waveId,
      i,
      o.container ?? null,
      o.putWall ?? null,
      o.cubby ?? null,
      now,
      normaliseDue(o.dueAt),
      o.priority ?? null,
    );
    if (orderArgs.length === BATCH * ORDER_ARGS) {
      orderRows(BATCH).run(orderArgs);
      orderArgs.length = 0;
    }
  });
  for (let k = 0; k < orderArgs.length; k += ORDER_ARGS)
    orderRows(1).run(orderArgs.slice(k, k + ORDER_ARGS));
  // lines in wave order, BATCH at a time, each batch followed by its history rows
  const lineArgs: unknown[] = [];
  const histArgs: unknown[] = [];
  let n = 0;
  const flush = () => {
    if (n === 0) return;
    stmt(db, rowsSql(LINE_SQL, LINE_ROW, n)).run(lineArgs);
    stmt(db, rowsSql(HIST_SQL, HIST_ROW, n)).run(histArgs);
    lineArgs.length = 0;
    histArgs.length = 0;
    n = 0;
  };
  for (const o of w.orders) {
    o.lines.forEach((l, j) => {
      lineArgs.push(
        l.lineId,
        o.orderId,
        w.waveId,
        j,
        l.sku,
        l.location ?? null,
        l.quantity,
        l.description ?? null,
        now,
      );
      histArgs.push(l.lineId, now);
      if (++n === BATCH) flush();
    });
  }
  // the last, shorter batch one row at a time: only BATCH-sized statements are cached
  const rest = n;
  const line = stmt(db, rowsSql(LINE_SQL, LINE_ROW, 1));
  const hist = stmt(db, rowsSql(HIST_SQL, HIST_ROW, 1));
  for (let k = 0; k < rest; k++) {
    line.run(lineArgs.slice(k * 9, k * 9 + 9));
    hist.run(histArgs.slice(k * 2, k * 2 + 2));
  }
}

export function waveHash(db: Db, waveId: string): string | null {
  const r = stmt(db, 'SELECT body_hash FROM waves WHERE id = ?').get(waveId) as
    | { body_hash: string }
    | undefined;
  return r?.body_hash ?? null;
}

/** Ids among `orderIds`/`lineIds` that already exist (in any wave). */
export function existingIds(db: Db, table: 'orders' | 'lines', ids: string[]): Set<string> {
  const out = new Set<string>();
  const chunk = 500;
  for (let i = 0; i < ids.length; i += chunk) {
    const part = ids.slice(i, i + chunk);
    const rows = db
      .prepare(`SELECT id FROM ${table} WHERE id IN (${part.map(() => '?').join(',')})`)
      .all(...part) as {
      id: string;
    }[];
    for (const r of rows) out.add(r.id);
  }
  return out;
}

/** container → orderId of the open or active orders that carry one of `containers`. */
export function openContainers(db: Db, containers: string[]): Map<string, string> {
  const out = new Map<string, string>();
  const chunk = 500;
  for (let i = 0; i < containers.length; i += chunk) {
    const part = containers.slice(i, i + chunk);
    const rows = db
      .prepare(
        `SELECT container, id FROM orders WHERE status IN ('open','active')
           AND container IN (${part.map(() => '?').join(',')})`,
      )
      .all(...part) as { container: string; id: string }[];
    for (const r of rows) out.set(r.container, r.id);
  }
  return out;
}

function lineView(r: LineRow): LineView {
  return {
    lineId: r.id,
    sku: r.sku,
    location: r.location,
    quantity: r.quantity,
    description: r.description,
    status: r.status,
    picked: r.picked,
    picker: r.picker,
    via: r.via,
    reason: r.reason,
    flag: r.flag ?? null,
    updatedAt: r.updated_at,
  };
}

const isOpen = (status: string) => status === 'open' || status === 'active';

/** `w`: the order's wave (its defaults). projectedAt is filled by the service levels (WaveService). */
function orderView(o: OrderRow, w: WaveRow, lines: LineRow[]): OrderView {
  return {
    orderId: o.id,
    waveId: o.wave_id,
    container: o.container,
    putWall: o.put_wall,
    cubby: o.cubby,
    status: o.status,
    priority: o.priority ?? w.priority,
    dueAt: o.due_at ?? w.due_at,
    projectedAt: null,
    risk: isOpen(o.status) ? o.risk : null,
    onTime: o.on_time === null ? null : o.on_time === 1,
    lines: lines.map(lineView),
  };
}

export function getWave(db: Db, waveId: string): WaveView | null {
  const summary = waveSummary(db, waveId);
  if (!summary) return null;
  const orders = stmt(db, 'SELECT * FROM orders WHERE wave_id = ? ORDER BY idx').all(
    waveId,
  ) as OrderRow[];
  const lines = stmt(db, 'SELECT * FROM lines WHERE wave_id = ? ORDER BY order_id, idx').all(
    waveId,
  ) as LineRow[];
  const byOrder = new Map<string, LineRow[]>();
  for (const l of lines) {
    if (!byOrder.has(l.order_id)) byOrder.set(l.order_id, []);
    byOrder.get(l.order_id)!.push(l);
  }
  const w = stmt(db, 'SELECT * FROM waves WHERE id = ?').get(waveId) as WaveRow;
  return { ...summary, orders: orders.map((o) => orderView(o, w, byOrder.get(o.id) ?? [])) };
}

export function waveSummary(db: Db, waveId: string): WaveSummary | null {
  const w = stmt(db, 'SELECT * FROM waves WHERE id = ?').get(waveId) as WaveRow | undefined;
  if (!w) return null;
  const counts = { lines: 0, open: 0, picked: 0, short: 0, cancelled: 0 };
  for (const r of stmt(
    db,
    'SELECT status, COUNT(*) AS n FROM lines WHERE wave_id = ? GROUP BY status',
  ).all(waveId) as {
    status: LineStatus;
    n: number;
  }[]) {
    counts.lines += r.n;
    if (r.status === 'open' || r.status === 'lit') counts.open += r.n;
    else counts[r.status] += r.n;
  }
  const orders = (
    stmt(db, 'SELECT COUNT(*) AS n FROM orders WHERE wave_id = ?').get(waveId) as { n: number }
  ).n;
  return {
    waveId: w.id,
    priority: w.priority,
    status: w.status,
    dueAt: w.due_at,
    projectedAt: null,
    risk: w.status === 'accepted' || w.status === 'active' ? w.risk : null,
    createdAt: w.created_at,
    updatedAt: w.updated_at,
    counts,
    orders,
  };
}

export function getOrder(db: Db, orderId: string): OrderView | null {
  const o = stmt(db, 'SELECT * FROM orders WHERE id = ?').get(orderId) as OrderRow | undefined;
  if (!o) return null;
  const lines = stmt(db, 'SELECT * FROM lines WHERE order_id = ? ORDER BY idx').all(
    orderId,
  ) as LineRow[];
  const w = stmt(db, 'SELECT * FROM waves WHERE id = ?').get(o.wave_id) as WaveRow;
  return orderView(o, w, lines);
}

export function waveStatus(db: Db, waveId: string): WaveStatus | null {
  const r = stmt(db, 'SELECT status FROM waves WHERE id = ?').get(waveId) as
    | { status: WaveStatus }
    | undefined;
  return r?.status ?? null;
}

/** Cancels every open or lit line of the wave and ends its orders' zone sessions; returns the lines that were lit. */
export function cancelWaveRows(
  db: Db,
  waveId: string,
  now: string,
): { lit: LineRow[]; cancelled: number } {
  const lit = stmt(db, "SELECT * FROM lines WHERE wave_id = ? AND status = 'lit'").all(
    waveId,
  ) as LineRow[];
  const ids = stmt(db, "SELECT id FROM lines WHERE wave_id = ? AND status IN ('open','lit')").all(
    waveId,
  ) as { id: string }[];
  const hist = stmt(
    db,
    "INSERT INTO line_history (line_id, status, at) VALUES (?, 'cancelled', ?)",
  );
  for (const { id } of ids) hist.run(id, now);
  stmt(
    db,
    "UPDATE lines SET status = 'cancelled', updated_at = ? WHERE wave_id = ? AND status IN ('open','lit')",
  ).run(now, waveId);
  stmt(
    db,
    "UPDATE orders SET status = 'cancelled', updated_at = ? WHERE wave_id = ? AND status IN ('open','active')",
  ).run(now, waveId);
  stmt(db, "UPDATE waves SET status = 'cancelled', updated_at = ? WHERE id = ?").run(now, waveId);
  // a cancelled order is worked nowhere: its pickers' colours are free again
  stmt(
    db,
    'DELETE FROM zone_sessions WHERE order_id IN (SELECT id FROM orders WHERE wave_id = ?)',
  ).run(waveId);
  return { lit, cancelled: ids.length };
}

export type { LineRow, OrderRow, WaveRow };
