/**
 * Zone scans (CONTRACTS.md §1 "Zone scans"). Pick zone: the scanned container
 * or orderId starts that order; all its open lines in the zone light at once
 * in the operator's colour. Put wall: the scanned SKU lights the cubbies of the
 * orders that need it, in work order (CONTRACTS.md §7); an order without a
 * cubby gets a free one, so the wall fills in that order.
 */

import type { Color } from '../../config/schema.ts';
import { PicklineError } from '../../kernel/errors.ts';
import { WORK_ORDER_SQL } from '../service-levels/work-order.ts';
import type { Site, Zone } from '../site.ts';
import { type Db, stmt } from '../store/db.ts';
import type { LineRow, OrderRow } from '../waves/repo.ts';
import { colorFor, lightOrWait } from './decide.ts';
import { insertSession, type LightRow, openLinesInZone } from './repo.ts';

export interface ScanDecision {
  zone: string;
  mode: 'pick' | 'put';
  /** who the lines are lit for (the session's operator when the order has one) */
  operator: string;
  color: string | null;
  orders: { orderId: string; container: string | null; cubby: string | null }[];
  lit: LightRow[];
  waiting: { lineId: string; location: string | null }[];
  /** pick zone: the order has nothing (left) to pick here */
  done: boolean;
}

export function decidePickScan(
  db: Db,
  site: Site,
  zone: Zone,
  code: string,
  operator: string,
  now: string,
  prefer: Color | null = null,
): ScanDecision {
  const order = stmt(
    db,
    `SELECT o.* FROM orders o JOIN waves w ON w.id = o.wave_id
       WHERE (o.container = ? OR o.id = ?) AND o.put_wall IS NULL AND o.status IN ('open','active')
       ORDER BY w.priority DESC, w.created_at, o.idx LIMIT 1`,
  ).get(code, code) as OrderRow | undefined;
  if (!order)
    throw new PicklineError('SCAN_NOT_MATCHED', `no open order with container or id "${code}"`);
  const base = {
    zone: zone.id,
    mode: 'pick' as const,
    operator,
    orders: [{ orderId: order.id, container: order.container, cubby: null }],
  };
  const lines = openLinesInZone(db, order.id, zone.id);
  if (lines.length === 0) return { ...base, color: null, lit: [], waiting: [], done: true };
  const session = stmt(db, 'SELECT * FROM zone_sessions WHERE zone = ? AND order_id = ?').get(
    zone.id,
    order.id,
  ) as { picker: string; color: string } | undefined;
  const who = session
    ? { operator: session.picker, color: session.color as never }
    : { operator, color: colorFor(db, zone, operator, prefer) };
  if (!session)
    insertSession(db, {
      zone: zone.id,
      order_id: order.id,
      picker: operator,
      color: who.color,
      started_at: now,
    });
  const lit: LightRow[] = [];
  const waiting: ScanDecision['waiting'] = [];
  for (const l of lines) {
    const row = lightOrWait(db, site, l, null, who, now);
    if (row) lit.push(row);
    else waiting.push({ lineId: l.id, location: l.location });
  }
  return { ...base, operator: who.operator, color: who.color, lit, waiting, done: false };
}

export function decidePutScan(
  db: Db,
  site: Site,
  zone: Zone,
  sku: string,
  operator: string,
  now: string,
  prefer: Color | null = null,
): ScanDecision {
  const rows = stmt(
    db,
    `SELECT l.*, o.cubby AS cubby FROM lines l JOIN orders o ON o.id = l.order_id JOIN waves w ON w.id = o.wave_id
       WHERE l.sku = ? AND l.status = 'open' AND (l.flag IS NULL OR l.flag != 'waiting')
         AND o.put_wall = ? AND o.status IN ('open','active')
       ORDER BY ${WORK_ORDER_SQL}, l.idx`,
  ).all(sku, zone.id) as (LineRow & { cubby: string | null })[];
  if (rows.length === 0)
    throw new PicklineError('SCAN_NOT_MATCHED', `no order at put wall ${zone.id} needs "${sku}"`);
  const color = colorFor(db, zone, operator, prefer);
  const seen = new Set<string>();
  const decision: ScanDecision = {
    zone: zone.id,
    mode: 'put',
    operator,
    color,
    orders: [],
    lit: [],
    waiting: [],
    done: false,
  };
  for (const l of rows) {
    if (seen.has(l.order_id)) continue; // one line per order and scan: one item goes to one cubby
    seen.add(l.order_id);
    const cubby = l.cubby ?? assignCubby(db, zone, l.order_id, now);
    decision.orders.push({ orderId: l.order_id, container: null, cubby });
    if (!cubby) {
      decision.waiting.push({ lineId: l.id, location: null });
      continue;
    }
    const has = stmt(db, 'SELECT 1 FROM zone_sessions WHERE zone = ? AND order_id = ?').get(
      zone.id,
      l.order_id,
    );
    if (!has)
      insertSession(db, {
        zone: zone.id,
        order_id: l.order_id,
        picker: operator,
        color,
        started_at: now,
      });
    const row = lightOrWait(db, site, l, cubby, { operator, color }, now);
    if (row) decision.lit.push(row);
    else decision.waiting.push({ lineId: l.id, location: cubby });
  }
  return decision;
}

/** A cubby no open or active order holds; null when the wall is full. */
function assignCubby(db: Db, zone: Zone, orderId: string, now: string): string | null {
  const taken = new Set(
    (
      stmt(
        db,
        "SELECT cubby FROM orders WHERE put_wall = ? AND cubby IS NOT NULL AND status IN ('open','active')",
      ).all(zone.id) as { cubby: string }[]
    ).map((r) => r.cubby),
  );
  const free = zone.locations.find((l) => !taken.has(l.id));
  if (!free) return null;
  stmt(db, 'UPDATE orders SET cubby = ?, updated_at = ? WHERE id = ?').run(free.id, now, orderId);
  return free.id;
}
