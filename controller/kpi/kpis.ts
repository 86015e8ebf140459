/**
 * Distribution KPIs over a time window [from, to), computed in SQL over the
 * stored history (docs/kpis.md "KPIs"; indexes: store migration 5).
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
 * The figures are kept per UTC clock hour (hourly rollups, store migration 5):
 * a window is widened to whole hours. Rates per hour divide by the hours of
 * the window; "per active hour" divides by the number of clock hours in which
 * there was at least one pick (for a picker or zone: one of theirs).
 */
import { type ServiceLevelKpis, serviceLevelKpis } from '../service-levels/kpis.ts';
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
  /** on-time rate and exceptions by kind (CONTRACTS.md §7, service-levels/kpis.ts) */
  serviceLevels: ServiceLevelKpis;
}

const HOURS = 'hour >= @fromHour AND hour < @toHour';
const SUMS = `COALESCE(SUM(picks), 0) AS picks, COALESCE(SUM(units), 0) AS units,
  COALESCE(SUM(shorts), 0) AS shorts, COALESCE(SUM(corrections), 0) AS corrections`;
const durations = (n: string, sum: string, min: string, max: string) =>
  `COALESCE(SUM(${n}), 0) AS count, SUM(${sum}) / SUM(${n}) AS avgSeconds,
   MIN(${min}) AS minSeconds, MAX(${max}) AS maxSeconds`;

/**
 * The SQL of each KPI, named (bench/kpi.ts times them one by one). Picks,
 * orders and zone visits read the hourly rollups of store migration 5;
 * device errors read the events.
 */
export const KPI_SQL = {
  picks: `SELECT ${SUMS}, COUNT(DISTINCT hour) AS activeHours FROM kpi_zone_hours WHERE ${HOURS}`,
  hourly: `SELECT hour || ':00:00Z' AS hour, SUM(picks) AS picks, SUM(shorts) AS shorts
    FROM kpi_zone_hours WHERE ${HOURS} GROUP BY 1 ORDER BY 1`,
  pickers: `SELECT NULLIF(picker, '') AS picker, ${SUMS}, COUNT(*) AS activeHours
    FROM kpi_picker_hours WHERE ${HOURS} GROUP BY picker ORDER BY picks DESC, picker`,
  zones: `SELECT NULLIF(zone, '') AS zone, ${SUMS}, COUNT(*) AS activeHours
    FROM kpi_zone_hours WHERE ${HOURS} GROUP BY zone ORDER BY picks DESC, zone`,
  orders: `SELECT COALESCE(SUM(perfect), 0) AS perfect,
      ${durations('completed', 'cycle_sum', 'cycle_min', 'cycle_max')}
    FROM kpi_order_hours WHERE ${HOURS}`,
  zoneVisits: `SELECT zone, ${durations('visits', 'seconds_sum', 'seconds_min', 'seconds_max')}
    FROM kpi_visit_hours WHERE ${HOURS} GROUP BY zone ORDER BY zone`,
  devices: `SELECT json_extract(data, '$.bus') AS bus, COUNT(*) AS offline,
      COUNT(DISTINCT json_extract(data, '$.address')) AS modules
    FROM events WHERE type = 'device.offline' AND occurred_at >= @from AND occurred_at < @to
    GROUP BY 1 ORDER BY 1`,
} as const;

export type KpiName = keyof typeof KPI_SQL;

const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;
const ratio = (a: number, b: number) => (b > 0 ? round(a / b, 6) : 0);

function rounded<T extends Durations>(r: T): T {
  const f = (n: number | null) => (n === null ? null : round(n));
  return {
    ...r,
    avgSeconds: f(r.avgSeconds),
    minSeconds: f(r.minSeconds),
    maxSeconds: f(r.maxSeconds),
  };
}

const HOUR_MS = 3_600_000;

/**
 * The KPIs are kept per UTC clock hour: the window widens to whole hours
 * (`from` down, `to` up to the next hour). Both ISO-8601, from before to.
 */
export function hourWindow(w: KpiWindow): KpiWindow {
  const from = Math.floor(Date.parse(w.from) / HOUR_MS) * HOUR_MS;
  const to = Math.ceil(Date.parse(w.to) / HOUR_MS) * HOUR_MS;
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}

const params = (w: KpiWindow) => ({
  ...w,
  fromHour: w.from.slice(0, 13),
  toHour: w.to.slice(0, 13),
});

/** One KPI query over the window (already whole hours: hourWindow). */
export function runKpi(db: Db, name: KpiName, w: KpiWindow): unknown[] {
  return stmt(db, KPI_SQL[name]).all(params(w));
}

/** Every KPI of the window; `from` < `to`, both ISO-8601 UTC (callers validate). */
export function computeKpis(db: Db, asked: KpiWindow): Kpis {
  const w = hourWindow(asked);
  const hours = (Date.parse(w.to) - Date.parse(w.from)) / HOUR_MS;
  const p = stmt(db, KPI_SQL.picks).get(params(w)) as PickCounts;
  const perActive = <T extends PickCounts>(r: T) => ({
    ...r,
    perActiveHour: ratio(r.picks, r.activeHours),
  });
  const { perfect, ...cycle } = stmt(db, KPI_SQL.orders).get(params(w)) as Durations & {
    perfect: number;
  };
  const completed = cycle.count;
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
      cycle: rounded(cycle),
    },
    zoneVisits: (runKpi(db, 'zoneVisits', w) as (Durations & { zone: string | null })[]).map(
      rounded,
    ),
    devices: (runKpi(db, 'devices', w) as { bus: string; offline: number; modules: number }[]).map(
      (d) => ({ ...d, perHour: ratio(d.offline, hours) }),
    ),
    serviceLevels: serviceLevelKpis(db, w),
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
  add('on-time', '', k.serviceLevels.onTime);
  for (const x of k.serviceLevels.exceptions) add('exceptions', x.kind, x, ['kind']);
  return `${[CSV_HEAD, ...rows.map((r) => r.map(csvCell).join(','))].join('\r\n')}\r\n`;
}
