/**
 * Task assignment in voice zones (CONTRACTS.md §3): the engine decides what a
 * voice operator does next, so the dialog only talks and listens. An operator
 * works one order of the zone at a time, held as a zone session (colour
 * `none`), so two operators never get the same order. Lines come in location
 * order (aisle, slot, location id); skipped lines come after the others, in
 * the order they were skipped. Decisions run inside the caller's `store.tx()`.
 */
import { PicklineError } from '../../kernel/errors.ts';
import type { Site, Zone } from '../site.ts';
import { type Db, stmt } from '../store/db.ts';
import type { LineRow, OrderRow } from '../waves/repo.ts';
import {
  deleteSession,
  line as getLine,
  insertSession,
  markActive,
  type SessionRow,
} from './repo.ts';

/** A voice session holds an order for an operator; it has no lamp colour. */
export const VOICE_COLOR = 'none';

export interface VoiceTask {
  zone: string;
  operator: string;
  waveId: string;
  orderId: string;
  container: string | null;
  lineId: string;
  sku: string;
  description: string | null;
  quantity: number;
  location: string;
  aisle: string | null;
  slot: string | null;
  checkDigits: string | null;
  /** the operator skipped this line before (it came round again) */
  skipped: boolean;
  /** open lines and units of the order in this zone, this line included */
  left: { lines: number; units: number };
}

type TaskLine = LineRow & {
  skipped_at: string | null;
  aisle: string | null;
  slot: string | null;
  check_digits: string | null;
};

/** The voice zone `zoneId`, or ZONE_NOT_FOUND / BAD_REQUEST. */
export function voiceZone(site: Site, zoneId: string): Zone {
  const zone = site.zones.get(zoneId);
  if (!zone) throw new PicklineError('ZONE_NOT_FOUND', `no zone ${zoneId}`);
  if (zone.mode !== 'voice')
    throw new PicklineError(
      'BAD_REQUEST',
      `zone ${zoneId} is a ${zone.mode} zone: tasks are assigned in voice zones`,
    );
  return zone;
}

/** The line the operator holds in the zone (resume after a drop or restart); null when none. */
export function currentTask(db: Db, zone: Zone, operator: string): VoiceTask | null {
  for (const s of operatorSessions(db, zone.id, operator)) {
    const t = taskOf(db, zone, s.order_id, operator);
    if (t) return t;
  }
  return null;
}

/**
 * The operator's current task in the zone, else the next open order of the
 * zone in work order (CONTRACTS.md §7: late, at-risk, priority, dueAt,
 * arrival) assigned to them; null when the zone has nothing for them.
 */
export function nextTask(db: Db, zone: Zone, operator: string, now: string): VoiceTask | null {
  for (const s of operatorSessions(db, zone.id, operator)) {
    const t = taskOf(db, zone, s.order_id, operator);
    if (t) return t;
    deleteSession(db, zone.id, s.order_id, now); // nothing left for it here
  }
  const order = nextFreeOrder(db, zone.id);
  if (!order) return null;
  insertSession(db, {
    zone: zone.id,
    order_id: order.id,
    picker: operator,
    color: VOICE_COLOR,
    started_at: now,
  });
  markActive(db, order.id, order.wave_id, now);
  return taskOf(db, zone, order.id, operator);
}

/**
 * The operator passes over an open line of their task ("skip slot"): it goes
 * to the end of the order's lines in the zone. Returns the task now due.
 */
export function skipLine(
  db: Db,
  site: Site,
  lineId: string,
  operator: string,
  now: string,
): VoiceTask | null {
  const { zone } = assignedLine(db, site, lineId, operator);
  stmt(db, 'UPDATE lines SET skipped_at = ?, updated_at = ? WHERE id = ?').run(now, now, lineId);
  stmt(db, 'INSERT INTO line_history (line_id, status, at, detail) VALUES (?, ?, ?, ?)').run(
    lineId,
    'open',
    now,
    JSON.stringify({ skipped: true, picker: operator, via: 'voice' }),
  );
  return nextTask(db, zone, operator, now);
}

/**
 * An open line of a voice zone whose order is the operator's task there;
 * LINE_NOT_FOUND, LINE_CLOSED, BAD_REQUEST (not a voice line) or
 * TASK_NOT_ASSIGNED otherwise.
 */
export function assignedLine(
  db: Db,
  site: Site,
  lineId: string,
  operator: string,
): { line: LineRow; zone: Zone } {
  const l = getLine(db, lineId);
  if (!l) throw new PicklineError('LINE_NOT_FOUND', `no line ${lineId}`);
  if (l.status !== 'open') throw new PicklineError('LINE_CLOSED', `line ${lineId} is ${l.status}`);
  const zone = site.zones.get(site.locations.get(l.location ?? '')?.zone ?? '');
  if (zone?.mode !== 'voice')
    throw new PicklineError('BAD_REQUEST', `line ${lineId} is not in a voice zone`);
  const s = stmt(db, 'SELECT picker FROM zone_sessions WHERE zone = ? AND order_id = ?').get(
    zone.id,
    l.order_id,
  ) as { picker: string } | undefined;
  if (s?.picker !== operator)
    throw new PicklineError(
      'TASK_NOT_ASSIGNED',
      `order ${l.order_id} is not ${operator}'s task in zone ${zone.id}${s ? ` (it is ${s.picker}'s)` : ''}`,
    );
  return { line: l, zone };
}

function operatorSessions(db: Db, zone: string, operator: string): SessionRow[] {
  return stmt(
    db,
    'SELECT * FROM zone_sessions WHERE zone = ? AND picker = ? ORDER BY started_at, rowid',
  ).all(zone, operator) as SessionRow[];
}

function taskOf(db: Db, zone: Zone, orderId: string, operator: string): VoiceTask | null {
  const lines = stmt(
    db,
    `SELECT l.*, loc.aisle AS aisle, loc.slot AS slot, loc.check_digits AS check_digits
       FROM lines l JOIN locations loc ON loc.id = l.location
       WHERE l.order_id = ? AND loc.zone = ? AND l.status = 'open'
       ORDER BY l.skipped_at IS NOT NULL, l.skipped_at, loc.aisle, loc.slot, loc.id, l.idx`,
  ).all(orderId, zone.id) as TaskLine[];
  const l = lines[0];
  if (!l) return null;
  const o = stmt(db, 'SELECT container FROM orders WHERE id = ?').get(orderId) as {
    container: string | null;
  };
  return {
    zone: zone.id,
    operator,
    waveId: l.wave_id,
    orderId,
    container: o.container,
    lineId: l.id,
    sku: l.sku,
    description: l.description,
    quantity: l.quantity,
    location: l.location ?? '',
    aisle: l.aisle,
    slot: l.slot,
    checkDigits: l.check_digits,
    skipped: l.skipped_at !== null,
    left: { lines: lines.length, units: lines.reduce((n, x) => n + x.quantity, 0) },
  };
}

/**
 * Voice + light (issue 10): the order a voice-led operator works next in a
 * pick zone, by its lights: the order the operator already has a session for
 * there, else the next open order with open lines in the zone and no session
 * (in work order, CONTRACTS.md §7); null when none.
 */
export function nextLightOrder(db: Db, zone: Zone, operator: string): string | null {
  const mine = stmt(
    db,
    `SELECT s.order_id FROM zone_sessions s
       WHERE s.zone = ? AND s.picker = ?
         AND EXISTS (SELECT 1 FROM lines l JOIN locations loc ON loc.id = l.location
                       WHERE l.order_id = s.order_id AND loc.zone = s.zone AND l.status IN ('open','lit'))
       ORDER BY s.started_at, s.rowid LIMIT 1`,
  ).get(zone.id, operator) as { order_id: string } | undefined;
  if (mine) return mine.order_id;
  return nextFreeOrder(db, zone.id)?.id ?? null;
}

/**
 * The first order with open lines in the zone that nobody works there, in
 * work order (CONTRACTS.md §7: late, at-risk, priority, due time, arrival).
 * The zone's work queue (`sla_work`, one row per open order and zone, with
 * the work-order key) is walked through its `sla_work_next` index in that
 * order, so the answer is the first free row, found without sorting every
 * open order of the zone. Arrival is the order's rowid: waves and their
 * orders are inserted in intake order.
 */
function nextFreeOrder(db: Db, zone: string): OrderRow | undefined {
  return stmt(
    db,
    `SELECT o.* FROM sla_work q JOIN orders o ON o.id = q.order_id
       WHERE q.zone = ? AND o.status IN ('open','active') AND o.put_wall IS NULL
         AND NOT EXISTS (SELECT 1 FROM zone_sessions s WHERE s.zone = q.zone AND s.order_id = q.order_id)
         AND EXISTS (SELECT 1 FROM lines l JOIN locations loc ON loc.id = l.location
                       WHERE l.order_id = q.order_id AND loc.zone = q.zone AND l.status = 'open')
       ORDER BY q.risk_rank DESC, q.priority DESC, q.due_key, q.arrival LIMIT 1`,
  ).get(zone) as OrderRow | undefined;
}
