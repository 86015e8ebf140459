/**
 * SQL of the pick engine: lit modules, zone sessions, and the commit of a
 * pick with its events. Writes run inside `store.tx()` of the caller.
 */

import type { ModuleAddress } from '../../device-drivers/types.ts';
import { type Db, stmt } from '../store/db.ts';
import type { LineRow, OrderRow } from '../waves/repo.ts';

export interface LightRow {
  bus: string;
  address: ModuleAddress;
  line_id: string;
  zone: string;
  seq: number;
  mode: string;
  color: string | null;
  display: number | null;
  picker: string | null;
  lit_at: string;
}

export interface SessionRow {
  zone: string;
  order_id: string;
  picker: string;
  color: string;
  started_at: string;
}

/** Next job token, 1–65535 (CONTRACTS.md §4 JOB_SEQ is a 16-bit register). */
export function nextSeq(db: Db): number {
  const cur = Number(
    (stmt(db, "SELECT value FROM meta WHERE key = 'job_seq'").get() as { value: string }).value,
  );
  const next = (cur % 65535) + 1;
  stmt(db, "UPDATE meta SET value = ? WHERE key = 'job_seq'").run(String(next));
  return next;
}

export function lightAt(db: Db, bus: string, address: ModuleAddress): LightRow | undefined {
  return stmt(db, 'SELECT * FROM lights WHERE bus = ? AND address = ?').get(bus, address) as
    | LightRow
    | undefined;
}

export function allLights(db: Db): LightRow[] {
  return stmt(db, 'SELECT * FROM lights ORDER BY bus, address').all() as LightRow[];
}

export function insertLight(db: Db, l: LightRow): void {
  stmt(
    db,
    `INSERT INTO lights (bus, address, line_id, zone, seq, mode, color, display, picker, lit_at)
     VALUES (@bus, @address, @line_id, @zone, @seq, @mode, @color, @display, @picker, @lit_at)`,
  ).run(l);
}

export function deleteLightOfLine(db: Db, lineId: string): LightRow | undefined {
  const row = stmt(db, 'SELECT * FROM lights WHERE line_id = ?').get(lineId) as
    | LightRow
    | undefined;
  if (row) stmt(db, 'DELETE FROM lights WHERE line_id = ?').run(lineId);
  return row;
}

export function line(db: Db, lineId: string): LineRow | undefined {
  return stmt(db, 'SELECT * FROM lines WHERE id = ?').get(lineId) as LineRow | undefined;
}

export function order(db: Db, orderId: string): OrderRow | undefined {
  return stmt(db, 'SELECT * FROM orders WHERE id = ?').get(orderId) as OrderRow | undefined;
}

export function setLineStatus(db: Db, lineId: string, status: 'open' | 'lit', now: string): void {
  stmt(db, 'UPDATE lines SET status = ?, updated_at = ? WHERE id = ?').run(status, now, lineId);
  stmt(db, 'INSERT INTO line_history (line_id, status, at) VALUES (?, ?, ?)').run(
    lineId,
    status,
    now,
  );
}

export function markActive(db: Db, orderId: string, waveId: string, now: string): void {
  stmt(
    db,
    "UPDATE orders SET status = 'active', updated_at = ? WHERE id = ? AND status = 'open'",
  ).run(now, orderId);
  stmt(
    db,
    "UPDATE waves SET status = 'active', updated_at = ? WHERE id = ? AND status = 'accepted'",
  ).run(now, waveId);
}

export function sessions(db: Db, zone?: string): SessionRow[] {
  return (
    zone
      ? stmt(db, 'SELECT * FROM zone_sessions WHERE zone = ? ORDER BY started_at').all(zone)
      : stmt(db, 'SELECT * FROM zone_sessions ORDER BY started_at').all()
  ) as SessionRow[];
}

export function insertSession(db: Db, s: SessionRow): void {
  stmt(
    db,
    'INSERT INTO zone_sessions (zone, order_id, picker, color, started_at) VALUES (@zone, @order_id, @picker, @color, @started_at)',
  ).run(s);
}

/**
 * Ends the order's session in the zone: nothing is left for it there. The
 * visit is kept in zone_visits (scan → zone done KPI, controller/kpi).
 */
export function deleteSession(
  db: Db,
  zone: string,
  orderId: string,
  now = new Date().toISOString(),
): void {
  stmt(
    db,
    `INSERT INTO zone_visits (zone, order_id, picker, started_at, done_at)
       SELECT zone, order_id, picker, started_at, ? FROM zone_sessions WHERE zone = ? AND order_id = ?`,
  ).run(now, zone, orderId);
  stmt(db, 'DELETE FROM zone_sessions WHERE zone = ? AND order_id = ?').run(zone, orderId);
}

/** Open (not yet lit, not closed) lines of an order at the locations of a zone. */
export function openLinesInZone(db: Db, orderId: string, zone: string): LineRow[] {
  return stmt(
    db,
    `SELECT l.* FROM lines l JOIN locations loc ON loc.id = l.location
       WHERE l.order_id = ? AND loc.zone = ? AND l.status IN ('open','lit') ORDER BY l.idx`,
  ).all(orderId, zone) as LineRow[];
}

export function setFlag(db: Db, lineIds: string[], flag: string | null, now: string): void {
  const st = stmt(db, 'UPDATE lines SET flag = ?, updated_at = ? WHERE id = ?');
  for (const id of lineIds) st.run(flag, now, id);
}

/** A technician holds the module (holds.ts): the light decisions treat it as busy. */
export function isHeld(db: Db, bus: string, address: ModuleAddress): boolean {
  return (
    stmt(db, 'SELECT 1 FROM temp.module_holds WHERE bus = ? AND address = ?').get(bus, address) !==
    undefined
  );
}
