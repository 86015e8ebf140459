/**
 * Service-level KPIs over a window [from, to) (docs/kpis.md, CONTRACTS.md §7):
 * the on-time rate (orders completed by their dueAt, among the completed
 * orders that had one) and the exceptions by kind with their time to
 * resolve. Read straight from the orders and the exceptions (store
 * migration 8 indexes completion times and resolution times).
 */
import { type Db, stmt } from '../store/db.ts';

export interface ServiceLevelKpis {
  onTime: { completed: number; withDue: number; onTime: number; rate: number | null };
  exceptions: {
    kind: string;
    opened: number;
    resolved: number;
    avgResolveSeconds: number | null;
    maxResolveSeconds: number | null;
  }[];
}

const round = (n: number | null) => (n === null ? null : Math.round(n * 1000) / 1000);

export function serviceLevelKpis(db: Db, w: { from: string; to: string }): ServiceLevelKpis {
  const o = stmt(
    db,
    `SELECT COUNT(*) AS completed, COALESCE(SUM(on_time IS NOT NULL), 0) AS withDue,
       COALESCE(SUM(on_time = 1), 0) AS onTime
     FROM orders WHERE status = 'completed' AND updated_at >= ? AND updated_at < ?`,
  ).get(w.from, w.to) as { completed: number; withDue: number; onTime: number };
  const opened = stmt(
    db,
    'SELECT kind, COUNT(*) AS n FROM exceptions WHERE opened_at >= ? AND opened_at < ? GROUP BY kind',
  ).all(w.from, w.to) as { kind: string; n: number }[];
  const resolved = stmt(
    db,
    `SELECT kind, COUNT(*) AS n,
       AVG((julianday(resolved_at) - julianday(opened_at)) * 86400.0) AS avg,
       MAX((julianday(resolved_at) - julianday(opened_at)) * 86400.0) AS max
     FROM exceptions WHERE resolved_at >= ? AND resolved_at < ? GROUP BY kind`,
  ).all(w.from, w.to) as { kind: string; n: number; avg: number | null; max: number | null }[];
  const kinds = [...new Set([...opened.map((r) => r.kind), ...resolved.map((r) => r.kind)])].sort();
  return {
    onTime: { ...o, rate: o.withDue > 0 ? round(o.onTime / o.withDue) : null },
    exceptions: kinds.map((kind) => {
      const r = resolved.find((x) => x.kind === kind);
      return {
        kind,
        opened: opened.find((x) => x.kind === kind)?.n ?? 0,
        resolved: r?.n ?? 0,
        avgResolveSeconds: round(r?.avg ?? null),
        maxResolveSeconds: round(r?.max ?? null),
      };
    }),
  };
}
