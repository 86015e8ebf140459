/**
 * SQL of service levels (CONTRACTS.md §7). The work queue of each zone is the
 * `sla_work` table (store migration 8): one row per open order and zone with
 * its open lines and queue key, filled per wave at intake and emptied by a
 * trigger as lines close. The queue key is the work order of work-order.ts
 * without its at-risk step: late, priority, due, arrival. Ranking at-risk
 * orders first would feed the projection back into itself (the orders it
 * flags jump the queue, which puts the ones they passed at risk, which jump
 * back: the flags would flap every evaluation); late depends on the clock
 * only. Callers run writes inside `store.tx()`.
 */
import { type Db, stmt } from '../store/db.ts';
import { RISKS, type Risk } from './work-order.ts';

/** due_key of an order without a due time: after every real one. */
export const NO_DUE_KEY = Number.MAX_SAFE_INTEGER;
/** ISO text → epoch milliseconds in SQL (julianday is exact to well under 1 ms here). */
const MS = (x: string) => `CAST(round((julianday(${x}) - 2440587.5) * 86400000.0) AS INTEGER)`;
const EFFECTIVE_DUE = 'COALESCE(o.due_at, w.due_at)';

/** Queues the open lines of a wave (or of some of its orders) for evaluation; run after intake. */
export function addWaveWork(db: Db, waveId: string): void {
  stmt(
    db,
    `INSERT INTO sla_work (zone, order_id, open_lines, late, risk_rank, priority, due_ms, due_key, arrival)
       SELECT COALESCE(loc.zone, o.put_wall), o.id, COUNT(*), 0, 0, COALESCE(o.priority, w.priority),
         ${MS(EFFECTIVE_DUE)}, COALESCE(${MS(EFFECTIVE_DUE)}, ${NO_DUE_KEY}), o.rowid
       FROM lines l JOIN orders o ON o.id = l.order_id JOIN waves w ON w.id = o.wave_id
         LEFT JOIN locations loc ON loc.id = l.location
       WHERE l.wave_id = ? AND l.status IN ('open','lit') AND COALESCE(loc.zone, o.put_wall) IS NOT NULL
       GROUP BY 1, 2`,
  ).run(waveId);
}

/** Re-reads the work-order key of the wave's orders after a PATCH. */
export function refreshWaveKeys(db: Db, waveId: string): void {
  stmt(
    db,
    `UPDATE sla_work SET (priority, due_ms, due_key) = (
       SELECT COALESCE(o.priority, w.priority), ${MS(EFFECTIVE_DUE)},
         COALESCE(${MS(EFFECTIVE_DUE)}, ${NO_DUE_KEY})
       FROM orders o JOIN waves w ON w.id = o.wave_id WHERE o.id = sla_work.order_id)
     WHERE order_id IN (SELECT id FROM orders WHERE wave_id = ?)`,
  ).run(waveId);
}

export function refreshOrderKeys(db: Db, orderId: string): void {
  stmt(
    db,
    `UPDATE sla_work SET (priority, due_ms, due_key) = (
       SELECT COALESCE(o.priority, w.priority), ${MS(EFFECTIVE_DUE)},
         COALESCE(${MS(EFFECTIVE_DUE)}, ${NO_DUE_KEY})
       FROM orders o JOIN waves w ON w.id = o.wave_id WHERE o.id = sla_work.order_id)
     WHERE order_id = ?`,
  ).run(orderId);
}

/** [orderId, dueMs, openLines, riskRank, finishMs] */
export type QueueRow = [string, number | null, number, number, number];

/**
 * One zone's queue in work order, cumulated: the orders whose finish there
 * (now + the lines ahead of them and their own ÷ the rate) is later than
 * their due time minus the lead, and every order flagged today (so a flagged
 * order that is back on track is seen). One index range, no join.
 */
export function riskyInZone(
  db: Db,
  zone: string,
  nowMs: number,
  msPerLine: number,
  leadMs: number,
): QueueRow[] {
  return stmt(
    db,
    `SELECT order_id, due_ms, open_lines, risk_rank, finish FROM (
       SELECT order_id, due_ms, open_lines, risk_rank,
         ? + SUM(open_lines) OVER (ORDER BY late DESC, priority DESC, due_key, arrival
                                   ROWS UNBOUNDED PRECEDING) * ? AS finish
       FROM sla_work WHERE zone = ?)
     WHERE risk_rank > 0 OR (due_ms IS NOT NULL AND finish > due_ms - ?)`,
  )
    .raw()
    .all(nowMs, msPerLine, zone, leadMs) as QueueRow[];
}

export interface OrderRisk {
  id: string;
  wave_id: string;
  risk: Risk;
  due_at: string | null;
}

/** Open orders flagged at-risk or late now. */
export function flaggedOrders(db: Db): OrderRisk[] {
  return stmt(
    db,
    `SELECT o.id, o.wave_id, o.risk, ${EFFECTIVE_DUE} AS due_at FROM orders o JOIN waves w ON w.id = o.wave_id
       WHERE o.risk <> 'on-track' AND o.status IN ('open','active')`,
  ).all() as OrderRisk[];
}

export function orderRisk(db: Db, orderId: string): OrderRisk | undefined {
  return stmt(
    db,
    `SELECT o.id, o.wave_id, o.risk, ${EFFECTIVE_DUE} AS due_at FROM orders o JOIN waves w ON w.id = o.wave_id
       WHERE o.id = ?`,
  ).get(orderId) as OrderRisk | undefined;
}

export function setOrderRisk(db: Db, orderId: string, risk: Risk): void {
  stmt(db, 'UPDATE orders SET risk = ? WHERE id = ?').run(risk, orderId);
  stmt(db, 'UPDATE sla_work SET risk_rank = ?, late = ? WHERE order_id = ?').run(
    RISKS.indexOf(risk),
    risk === 'late' ? 1 : 0,
    orderId,
  );
}

/** The wave's risk from its open orders' (the worst), with what its alert carries. */
export function waveRiskRow(
  db: Db,
  waveId: string,
): { risk: Risk; stored: Risk; due_at: string | null } {
  const r = stmt(
    db,
    `SELECT w.risk AS stored, w.due_at AS due_at,
       (SELECT MAX(CASE o.risk WHEN 'late' THEN 2 WHEN 'at-risk' THEN 1 ELSE 0 END) FROM orders o
          WHERE o.wave_id = w.id AND o.status IN ('open','active')) AS rank
     FROM waves w WHERE w.id = ?`,
  ).get(waveId) as { stored: Risk; due_at: string | null; rank: number | null };
  return { risk: RISKS[r.rank ?? 0], stored: r.stored, due_at: r.due_at };
}

export function setWaveRisk(db: Db, waveId: string, risk: Risk): void {
  stmt(db, 'UPDATE waves SET risk = ? WHERE id = ?').run(risk, waveId);
}

/** Records an alert; false when it was already sent (CONTRACTS.md §7 "Events": once per state and dueAt). */
export function alertOnce(
  db: Db,
  subject: 'order' | 'wave',
  id: string,
  state: Risk,
  dueAt: string | null,
  at: string,
): boolean {
  return (
    stmt(
      db,
      'INSERT OR IGNORE INTO sla_alerts (subject, id, state, due_at, at) VALUES (?, ?, ?, ?, ?)',
    ).run(subject, id, state, dueAt ?? '', at).changes === 1
  );
}

/** Per zone of an order: its open lines there and the lines ahead of it and its own (its queue position). */
export function orderQueue(
  db: Db,
  orderId: string,
): { zone: string; open_lines: number; cum: number }[] {
  return stmt(
    db,
    `SELECT s.zone, s.open_lines, (SELECT SUM(q.open_lines) FROM sla_work q WHERE q.zone = s.zone
        AND (q.late > s.late OR (q.late = s.late AND (q.priority > s.priority
          OR (q.priority = s.priority AND (q.due_key < s.due_key
            OR (q.due_key = s.due_key AND q.arrival <= s.arrival))))))) AS cum
     FROM sla_work s WHERE s.order_id = ? ORDER BY s.zone`,
  ).all(orderId) as { zone: string; open_lines: number; cum: number }[];
}

/** [orderId, zone, cum] for the wave's open orders: their queue position in each zone they have lines in. */
export function waveQueue(db: Db, waveId: string): [string, string, number][] {
  return stmt(
    db,
    `SELECT order_id, zone, cum FROM (
       SELECT zone, order_id, SUM(open_lines) OVER (PARTITION BY zone
           ORDER BY late DESC, priority DESC, due_key, arrival ROWS UNBOUNDED PRECEDING) AS cum
       FROM sla_work WHERE zone IN (SELECT DISTINCT zone FROM sla_work
         WHERE order_id IN (SELECT id FROM orders WHERE wave_id = ?)))
     WHERE order_id IN (SELECT id FROM orders WHERE wave_id = ?)`,
  )
    .raw()
    .all(waveId, waveId) as [string, string, number][];
}

/** Zones of a wave with open lines, and their count. */
export function waveWork(db: Db, waveId: string): { zones: string[]; openLines: number } {
  const rows = stmt(
    db,
    `SELECT zone, SUM(open_lines) AS n FROM sla_work
       WHERE order_id IN (SELECT id FROM orders WHERE wave_id = ?) GROUP BY zone ORDER BY zone`,
  ).all(waveId) as { zone: string; n: number }[];
  return { zones: rows.map((r) => r.zone), openLines: rows.reduce((n, r) => n + r.n, 0) };
}

export interface ListedOrder {
  id: string;
  wave_id: string;
  risk: Risk;
  due_at: string | null;
}

/** Open orders with one of `risks`, with work in `zone` when given: most urgent first. */
export function listOpenOrders(
  db: Db,
  risks: readonly Risk[],
  zone: string | null,
  limit: number,
): ListedOrder[] {
  return db
    .prepare(
      `SELECT o.id, o.wave_id, o.risk, ${EFFECTIVE_DUE} AS due_at
         FROM orders o JOIN waves w ON w.id = o.wave_id
         WHERE o.status IN ('open','active') AND o.risk IN (${risks.map(() => '?').join(',')})
           ${zone === null ? '' : 'AND EXISTS (SELECT 1 FROM sla_work s WHERE s.order_id = o.id AND s.zone = ?)'}
         ORDER BY CASE o.risk WHEN 'late' THEN 2 WHEN 'at-risk' THEN 1 ELSE 0 END DESC,
           ${EFFECTIVE_DUE} IS NULL, ${EFFECTIVE_DUE}, w.created_at, w.rowid, o.idx
         LIMIT ?`,
    )
    .all(...risks, ...(zone === null ? [] : [zone]), limit) as ListedOrder[];
}

/** Counts of open orders at risk and late (the Prometheus gauges). */
export function riskCounts(db: Db): { atRisk: number; late: number } {
  const rows = stmt(
    db,
    `SELECT risk, COUNT(*) AS n FROM orders WHERE risk <> 'on-track' AND status IN ('open','active') GROUP BY risk`,
  ).all() as { risk: Risk; n: number }[];
  return {
    atRisk: rows.find((r) => r.risk === 'at-risk')?.n ?? 0,
    late: rows.find((r) => r.risk === 'late')?.n ?? 0,
  };
}
