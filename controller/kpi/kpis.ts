/**
 * Distribution KPIs over a time window [from, to), computed in SQL over the
 * stored history (issue 11; indexes: store migration 5).
 *
 * Definitions (docs/kpis.md):
 * - a pick is a closed line (status picked or short), timed by its closing time;
 * - a short is a line closed with status short (fewer than requested);
 * - a correction is a line picked with a quantity other than the requested one
 *   (the picker changed the display with +/- and confirmed; over-picks included);
 *   a line counts once: a quantity corrected down is a short;
 * - pick accuracy is (corrections + shorts) per 1,000 picks;
 * - a perfect order is a completed order with no short and no correction;
 * - order cycle time runs from the wave's acceptance to the order's completion;
 * - scan → zone done runs from the scan (or voice task) that started the
 *   order's session in a zone to the end of that session;
 * - device errors are device.offline events, per bus.
 * Rates per hour divide by the hours of the window; "per active hour" divides
 * by the number of clock hours (UTC) in which there was at least one pick.
 */
import { type Db, stmt } from '../store/db.ts';

export interface KpiWindow {
  from: string;
  to: string;
}

export interface PickCounts {
  picks: number;
  units: number;
  shorts: number;
  corrections: number;
  activeHours: number;
}

export interface PickerKpi extends PickCounts {
  picker: string | null;
  perActiveHour: number;
}

export interface ZoneKpi extends PickCounts {
  zone: string | null;
  perActiveHour: number;
}

export interface Durations {
  count: number;
  avgSeconds: number | null;
  minSeconds: number | null;
  maxSeconds: number | null;
}

export interface Kpis {
  window: KpiWindow & { hours: number };
  picks: PickCounts & {
    perHour: number;
    perActiveHour: number;
    shortRate: number;
    errorsPer1000: number;
  };
  hourly: { hour: string; picks: number; shorts: number }[];
  pickers: PickerKpi[];
  zones: ZoneKpi[];
  orders: {
    completed: number;
    perfect: number;
    perfectRate: number | null;
    cycle: Durations;
  };
  zoneVisits: (Durations & { zone: string | null })[];
  devices: { bus: string; offline: number; modules: number; perHour: number }[];
}

const CLOSED = "status IN ('picked','short')";
const IN_WINDOW = `${CLOSED} AND updated_at >= @from AND updated_at < @to`;
const counts = (t = '') => `COUNT(*) AS picks, COALESCE(SUM(${t}picked), 0) AS units,
  COALESCE(SUM(${t}status = 'short'), 0) AS shorts,
  COALESCE(SUM(${t}status = 'picked' AND ${t}picked <> ${t}quantity), 0) AS corrections,
  COUNT(DISTINCT substr(${t}updated_at, 1, 13)) AS activeHours`;
const COUNTS = counts();
const SECONDS = (a: string, b: string) => `(julianday(${b}) - julianday(${a})) * 86400.0`;
const DURATIONS = (a: string, b: string) => `COUNT(*) AS count,
  AVG(${SECONDS(a, b)}) AS avgSeconds, MIN(${SECONDS(a, b)}) AS minSeconds,
  MAX(${SECONDS(a, b)}) AS maxSeconds`;

/** The SQL of each KPI, named (bench/kpi.ts times them one by one). */
export const KPI_SQL = {
  picks: `SELECT ${COUNTS} FROM lines INDEXED BY lines_closed WHERE ${IN_WINDOW}`,
  hourly: `SELECT substr(updated_at, 1, 13) || ':00:00Z' AS hour, COUNT(*) AS picks,
      SUM(status = 'short') AS shorts
    FROM lines INDEXED BY lines_closed WHERE ${IN_WINDOW} GROUP BY 1 ORDER BY 1`,
  pickers: `SELECT picker, ${COUNTS} FROM lines INDEXED BY lines_closed WHERE ${IN_WINDOW}
    GROUP BY picker ORDER BY picks DESC, picker`,
  // a put line has no location of its own: it counts in the zone of its cubby
  zones: `SELECT loc.zone AS zone, ${counts('l.')}
    FROM lines l INDEXED BY lines_closed
      LEFT JOIN orders o ON l.location IS NULL AND o.id = l.order_id
      LEFT JOIN locations loc ON loc.id = COALESCE(l.location, o.cubby)
    WHERE l.${CLOSED} AND l.updated_at >= @from AND l.updated_at < @to
    GROUP BY loc.zone ORDER BY picks DESC, zone`,
  orders: `SELECT COUNT(*) AS completed,
      COALESCE(SUM(NOT EXISTS (SELECT 1 FROM lines l WHERE l.order_id = o.id
        AND (l.status = 'short' OR (l.status = 'picked' AND l.picked <> l.quantity)))), 0) AS perfect,
      ${DURATIONS('w.created_at', 'o.updated_at')}
    FROM orders o INDEXED BY orders_completed JOIN waves w ON w.id = o.wave_id
    WHERE o.status = 'completed' AND o.updated_at >= @from AND o.updated_at < @to`,
  zoneVisits: `SELECT zone, ${DURATIONS('started_at', 'done_at')}
    FROM zone_visits WHERE done_at >= @from AND done_at < @to GROUP BY zone ORDER BY zone`,
  devices: `SELECT json_extract(data, '$.bus') AS bus, COUNT(*) AS offline,
      COUNT(DISTINCT json_extract(data, '$.address')) AS modules
    FROM events WHERE type = 'device.offline' AND occurred_at >= @from AND occurred_at < @to
    GROUP BY 1 ORDER BY 1`,
} as const;

export type KpiName = keyof typeof KPI_SQL;

const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;
const ratio = (a: number, b: number) => (b > 0 ? round(a / b, 6) : 0);

function durations<T extends Durations>(r: T): T {
  const f = (n: number | null) => (n === null ? null : round(n));
  return {
    ...r,
    avgSeconds: f(r.avgSeconds),
    minSeconds: f(r.minSeconds),
    maxSeconds: f(r.maxSeconds),
  };
}

export function runKpi(db: Db, name: KpiName, w: KpiWindow): unknown[] {
  return stmt(db, KPI_SQL[name]).all(w);
}

/** Every KPI of the window; `from` < `to`, both ISO-8601 UTC (callers validate). */
export function computeKpis(db: Db, w: KpiWindow): Kpis {
  const hours = (Date.parse(w.to) - Date.parse(w.from)) / 3_600_000;
  const p = stmt(db, KPI_SQL.picks).get(w) as PickCounts;
  const perActive = <T extends PickCounts>(r: T) => ({
    ...r,
    perActiveHour: ratio(r.picks, r.activeHours),
  });
  const o = stmt(db, KPI_SQL.orders).get(w) as Durations & { completed: number; perfect: number };
  const { completed, perfect, ...cycle } = o;
  return {
    window: { ...w, hours: round(hours, 6) },
    picks: {
      ...p,
      perHour: ratio(p.picks, hours),
      perActiveHour: ratio(p.picks, p.activeHours),
      shortRate: ratio(p.shorts, p.picks),
      errorsPer1000: p.picks > 0 ? round(((p.corrections + p.shorts) * 1000) / p.picks) : 0,
    },
    hourly: runKpi(db, 'hourly', w) as Kpis['hourly'],
    pickers: (runKpi(db, 'pickers', w) as (PickCounts & { picker: string | null })[]).map(
      perActive,
    ),
    zones: (runKpi(db, 'zones', w) as (PickCounts & { zone: string | null })[]).map(perActive),
    orders: {
      completed,
      perfect,
      perfectRate: completed > 0 ? ratio(perfect, completed) : null,
      cycle: durations({ ...cycle, count: completed }),
    },
    zoneVisits: (runKpi(db, 'zoneVisits', w) as (Durations & { zone: string | null })[]).map(
      durations,
    ),
    devices: (runKpi(db, 'devices', w) as { bus: string; offline: number; modules: number }[]).map(
      (d) => ({ ...d, perHour: ratio(d.offline, hours) }),
    ),
  };
}

const CSV_HEAD = 'section,key,metric,value';

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The KPIs as long-format CSV (section,key,metric,value): one figure a row, for a spreadsheet. */
export function kpisToCsv(k: Kpis): string {
  const rows: unknown[][] = [];
  const add = (section: string, key: string | null, obj: object, skip: string[] = []) => {
    for (const [m, v] of Object.entries(obj)) {
      if (skip.includes(m) || (typeof v === 'object' && v !== null)) continue;
      rows.push([section, key ?? '', m, v]);
    }
  };
  add('window', '', k.window);
  add('picks', '', k.picks);
  for (const h of k.hourly) add('hourly', h.hour, h, ['hour']);
  for (const p of k.pickers) add('picker', p.picker, p, ['picker']);
  for (const z of k.zones) add('zone', z.zone, z, ['zone']);
  add('orders', '', k.orders);
  add('order-cycle', '', k.orders.cycle);
  for (const v of k.zoneVisits) add('scan-to-zone-done', v.zone, v, ['zone']);
  for (const d of k.devices) add('device-errors', d.bus, d, ['bus']);
  return `${[CSV_HEAD, ...rows.map((r) => r.map(csvCell).join(','))].join('\r\n')}\r\n`;
}
