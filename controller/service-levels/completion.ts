/**
 * `order.completed` and `wave.completed` carry `dueAt` and `onTime`
 * (CONTRACTS.md §7 "Events"): on time when completed at or before the due
 * time; `onTime` is null without one. The order's verdict is stored
 * (`orders.on_time`) for the on-time KPI. Runs inside the completing
 * transaction (engine/picks.ts).
 */
import { type Db, stmt } from '../store/db.ts';

export function orderCompletion(
  db: Db,
  orderId: string,
  at: string,
): { dueAt: string | null; onTime: boolean | null } {
  const r = stmt(
    db,
    'SELECT COALESCE(o.due_at, w.due_at) AS due FROM orders o JOIN waves w ON w.id = o.wave_id WHERE o.id = ?',
  ).get(orderId) as { due: string | null } | undefined;
  const due = r?.due ?? null;
  const onTime = due === null ? null : Date.parse(at) <= Date.parse(due);
  stmt(db, 'UPDATE orders SET on_time = ? WHERE id = ?').run(
    onTime === null ? null : Number(onTime),
    orderId,
  );
  return { dueAt: due, onTime };
}

export function waveCompletion(
  db: Db,
  waveId: string,
  at: string,
): { dueAt: string | null; onTime: boolean | null } {
  const r = stmt(db, 'SELECT due_at FROM waves WHERE id = ?').get(waveId) as
    | { due_at: string | null }
    | undefined;
  const due = r?.due_at ?? null;
  return { dueAt: due, onTime: due === null ? null : Date.parse(at) <= Date.parse(due) };
}
