/**
 * Ending zone sessions. A session holds an operator's colour in a zone while an
 * order is worked there; it ends when the order is done in the zone, when
 * the order closes (completed, cancelled), or when a supervisor ends a stuck
 * one. Decisions run inside the caller's `store.tx()`.
 */
import { PicklineError } from '../../kernel/errors.ts';
import type { Site } from '../site.ts';
import { type Db, stmt } from '../store/db.ts';
import { nextForModule } from './decide.ts';
import { type LightRow, type SessionRow, setLineStatus } from './repo.ts';

/** Sessions of orders that are no longer open or active (left by older versions). */
export function endClosedSessions(db: Db): number {
  return stmt(
    db,
    "DELETE FROM zone_sessions WHERE order_id NOT IN (SELECT id FROM orders WHERE status IN ('open','active'))",
  ).run().changes;
}

export interface EndedSession {
  session: SessionRow;
  /** modules the order held in the zone, with the waiting line each shows next */
  freed: { row: LightRow; next: LightRow | null }[];
}

/**
 * Ends the order's session in the zone: its lit lines there go dark and back
 * to `open` (a new scan lights them again), its waiting lines stop waiting,
 * and the modules it held serve the next waiting line.
 */
export function endSession(
  db: Db,
  site: Site,
  zoneId: string,
  orderId: string,
  now: string,
): EndedSession {
  if (!site.zones.has(zoneId)) throw new PicklineError('ZONE_NOT_FOUND', `no zone ${zoneId}`);
  const session = stmt(db, 'SELECT * FROM zone_sessions WHERE zone = ? AND order_id = ?').get(
    zoneId,
    orderId,
  ) as SessionRow | undefined;
  if (!session)
    throw new PicklineError(
      'SESSION_NOT_FOUND',
      `order ${orderId} has no session in zone ${zoneId}`,
    );
  stmt(db, 'DELETE FROM zone_sessions WHERE zone = ? AND order_id = ?').run(zoneId, orderId);
  const held = stmt(
    db,
    `SELECT g.* FROM lights g JOIN lines l ON l.id = g.line_id
       WHERE l.order_id = ? AND g.zone = ? ORDER BY g.bus, g.address`,
  ).all(orderId, zoneId) as LightRow[];
  for (const row of held) {
    stmt(db, 'DELETE FROM lights WHERE bus = ? AND address = ?').run(row.bus, row.address);
    setLineStatus(db, row.line_id, 'open', now);
  }
  stmt(
    db,
    `UPDATE lines SET flag = NULL, updated_at = ? WHERE order_id = ? AND flag = 'waiting'
       AND (location IN (SELECT id FROM locations WHERE zone = ?)
         OR (location IS NULL AND (SELECT put_wall FROM orders WHERE id = ?) = ?))`,
  ).run(now, orderId, zoneId, orderId, zoneId);
  const freed = held.map((row) => ({
    row,
    next: nextForModule(db, site, row.bus, row.address, now),
  }));
  return { session, freed };
}
