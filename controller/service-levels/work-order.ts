/**
 * The work order (CONTRACTS.md §7 "Work order"): wherever the controller
 * chooses the next work (voice tasks, put-wall cubbies, later cart batches)
 * it takes late orders first, then at-risk ones, then higher `priority`,
 * then earlier `dueAt` (orders without one last), then arrival (wave intake
 * order, then the order's place in its wave). Pure: the SQL fragments below
 * say the same for queries, and test/service-levels/work-order.test.ts holds
 * the engine's choices to `compareWork`.
 */

export const RISKS = ['on-track', 'at-risk', 'late'] as const;
export type Risk = (typeof RISKS)[number];

/** 0 on-track, 1 at-risk, 2 late: the higher comes first. */
export function riskRank(r: Risk): number {
  return RISKS.indexOf(r);
}

export interface WorkKey {
  risk: Risk;
  /** the order's effective priority (its own, else its wave's) */
  priority: number;
  /** effective due time as ISO UTC text, null when none */
  dueAt: string | null;
  /** arrival: smaller came first */
  arrival: number;
}

/** Negative when `a` is worked before `b`. */
export function compareWork(a: WorkKey, b: WorkKey): number {
  return (
    riskRank(b.risk) - riskRank(a.risk) ||
    b.priority - a.priority ||
    compareDue(a.dueAt, b.dueAt) ||
    a.arrival - b.arrival
  );
}

function compareDue(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  const d = Date.parse(a) - Date.parse(b);
  return d < 0 ? -1 : d > 0 ? 1 : 0;
}

/** The first of `keys` in work order (undefined for none). */
export function firstInWorkOrder<T extends WorkKey>(keys: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const k of keys) if (best === undefined || compareWork(k, best) < 0) best = k;
  return best;
}

/**
 * ORDER BY terms over `orders o JOIN waves w` (due times are stored as
 * same-length ISO UTC text, so text order is time order); arrival is the
 * wave's intake (created_at, rowid) and the order's index in it.
 */
export const WORK_ORDER_SQL = `CASE o.risk WHEN 'late' THEN 2 WHEN 'at-risk' THEN 1 ELSE 0 END DESC,
  COALESCE(o.priority, w.priority) DESC, COALESCE(o.due_at, w.due_at) IS NULL,
  COALESCE(o.due_at, w.due_at), w.created_at, w.rowid, o.idx`;
