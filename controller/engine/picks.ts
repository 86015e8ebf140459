/**
 * Committing a pick (or a put, or a short): one transaction that closes the
 * line, drops its light, appends the events, and completes the order and the
 * wave when nothing is left open (CONTRACTS.md §1 event types). The caller
 * switches the light off only after this returned (ARCHITECTURE.md step 4).
 */
import { PicklineError } from '../../kernel/errors.ts';
import type { Outbox } from '../events/outbox.ts';
import { orderCompletion, waveCompletion } from '../service-levels/completion.ts';
import { type Db, stmt } from '../store/db.ts';
import type { LineRow } from '../waves/repo.ts';
import {
  deleteLightOfLine,
  deleteSession,
  line as getLine,
  order as getOrder,
  type LightRow,
} from './repo.ts';

export type Via = 'light' | 'voice' | 'api';

export interface PickInput {
  lineId: string;
  /** quantity taken (the module's display after +/-; what the worker said) */
  quantity: number;
  /** the operator who took it (recorded as the line's and the event's `picker`) */
  operator: string | null;
  via: Via;
  /** the short key, "short product", or an operator's short */
  short?: boolean;
  reason?: string;
  /** the line's zone records quantities above the request (else OVER_PICK) */
  allowOverPick?: boolean;
}

export interface PickResult {
  line: LineRow;
  light: LightRow | undefined;
  orderCompleted: boolean;
  waveCompleted: boolean;
}

export function commitPick(db: Db, outbox: Outbox, p: PickInput, now = new Date()): PickResult {
  const at = now.toISOString();
  const l = getLine(db, p.lineId);
  if (!l) throw new PicklineError('LINE_NOT_FOUND', `no line ${p.lineId}`);
  if (l.status !== 'open' && l.status !== 'lit') {
    throw new PicklineError('LINE_CLOSED', `line ${p.lineId} is ${l.status}`);
  }
  if (!Number.isInteger(p.quantity) || p.quantity < 0) {
    throw new PicklineError('INVALID_REQUEST', 'quantity must be a non-negative integer', [
      { path: '/quantity', message: 'must be a non-negative integer' },
    ]);
  }
  if (p.short === true && p.quantity >= l.quantity) {
    throw new PicklineError(
      'SHORT_NOT_BELOW_REQUEST',
      `line ${l.id}: a short of ${p.quantity} is not below the requested ${l.quantity}`,
      [{ path: '/quantity', message: `must be below ${l.quantity} for a short` }],
    );
  }
  if (p.quantity > l.quantity && !p.allowOverPick) {
    throw new PicklineError(
      'OVER_PICK',
      `line ${l.id}: ${p.quantity} is above the requested ${l.quantity}`,
      [{ path: '/quantity', message: `must be at most ${l.quantity} (the requested quantity)` }],
    );
  }
  const short = p.short === true || p.quantity < l.quantity;
  const status = short ? 'short' : 'picked';
  const reason = short ? (p.reason ?? (p.short ? 'short-key' : 'quantity')) : null;
  stmt(
    db,
    'UPDATE lines SET status = ?, picked = ?, picker = ?, via = ?, reason = ?, flag = NULL, updated_at = ? WHERE id = ?',
  ).run(status, p.quantity, p.operator, p.via, reason, at, l.id);
  stmt(db, 'INSERT INTO line_history (line_id, status, at, detail) VALUES (?, ?, ?, ?)').run(
    l.id,
    status,
    at,
    JSON.stringify({ picked: p.quantity, picker: p.operator, via: p.via, reason }),
  );
  const light = deleteLightOfLine(db, l.id);
  const o = getOrder(db, l.order_id)!;
  const data: Record<string, unknown> = {
    waveId: l.wave_id,
    orderId: l.order_id,
    lineId: l.id,
    location: l.location ?? o.cubby,
    sku: l.sku,
    requested: l.quantity,
    picked: p.quantity,
    picker: p.operator,
    via: p.via,
  };
  if (o.put_wall) data.putWall = o.put_wall;
  if (short) data.reason = reason;
  outbox.append(short ? 'line.shorted' : 'line.picked', data, now);

  const openInOrder = count(
    db,
    "SELECT COUNT(*) AS n FROM lines WHERE order_id = ? AND status IN ('open','lit')",
    l.order_id,
  );
  let orderCompleted = false;
  if (openInOrder === 0 && o.status !== 'cancelled') {
    orderCompleted = true;
    stmt(db, "UPDATE orders SET status = 'completed', updated_at = ? WHERE id = ?").run(at, o.id);
    for (const s of stmt(db, 'SELECT zone FROM zone_sessions WHERE order_id = ?').all(o.id) as {
      zone: string;
    }[]) {
      deleteSession(db, s.zone, o.id, at);
    }
    const t = totals(db, 'order_id', o.id);
    outbox.append(
      'order.completed',
      {
        waveId: o.wave_id,
        orderId: o.id,
        container: o.container,
        putWall: o.put_wall,
        cubby: o.cubby,
        ...t,
        ...orderCompletion(db, o.id, at),
      },
      now,
    );
  }
  let waveCompleted = false;
  // A wave's lines are all closed exactly when none of its orders is open or
  // active (an order completes with its last open line; a cancel closes both),
  // so only an order's completion can complete its wave, and the question is
  // one lookup in the open-orders index (migration 7), not a count of the
  // wave's lines at every pick.
  const openInWave =
    orderCompleted &&
    stmt(db, "SELECT 1 FROM orders WHERE wave_id = ? AND status IN ('open','active') LIMIT 1").get(
      l.wave_id,
    ) === undefined
      ? 0
      : 1;
  const wave = stmt(db, 'SELECT status FROM waves WHERE id = ?').get(l.wave_id) as {
    status: string;
  };
  if (openInWave === 0 && wave.status !== 'cancelled' && wave.status !== 'completed') {
    waveCompleted = true;
    stmt(db, "UPDATE waves SET status = 'completed', updated_at = ? WHERE id = ?").run(
      at,
      l.wave_id,
    );
    outbox.append(
      'wave.completed',
      {
        waveId: l.wave_id,
        ...totals(db, 'wave_id', l.wave_id),
        ...waveCompletion(db, l.wave_id, at),
      },
      now,
    );
  } else if (wave.status === 'accepted') {
    stmt(db, "UPDATE waves SET status = 'active', updated_at = ? WHERE id = ?").run(at, l.wave_id);
  }
  return { line: getLine(db, l.id)!, light, orderCompleted, waveCompleted };
}

function count(db: Db, sql: string, arg: string): number {
  return (stmt(db, sql).get(arg) as { n: number }).n;
}

function totals(db: Db, col: 'order_id' | 'wave_id', id: string): Record<string, number> {
  const rows = stmt(
    db,
    `SELECT status, COUNT(*) AS n, SUM(picked) AS q FROM lines WHERE ${col} = ? GROUP BY status`,
  ).all(id) as {
    status: string;
    n: number;
    q: number;
  }[];
  const out = { lines: 0, picked: 0, shorted: 0, cancelled: 0, units: 0 };
  for (const r of rows) {
    out.lines += r.n;
    out.units += r.q ?? 0;
    if (r.status === 'picked') out.picked += r.n;
    if (r.status === 'short') out.shorted += r.n;
    if (r.status === 'cancelled') out.cancelled += r.n;
  }
  return out;
}
