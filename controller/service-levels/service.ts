/**
 * Service levels (CONTRACTS.md §7): due times, projected finish and risk of
 * every open order, their events, and the PATCH of due times and priorities.
 *
 * Projection: an open order finishes in a zone when the lines ahead of it in
 * the zone's work order (work-order.ts) and its own are picked at the zone's
 * rate: lines closed there in the last 15 minutes ÷ 15, or
 * `serviceLevels.defaultLinesPerMinute` when none closed. Its `projectedAt` is
 * its latest zone. The queue is the work order without its at-risk step
 * (late, priority, due, arrival; repo.ts says why).
 *
 * Evaluation (on every pick its zone only, on PATCH and new wave every zone,
 * coalesced, and every zone each `serviceLevels.evaluateSeconds`) reads each zone's queue as one index
 * range with a running sum in SQL (repo.ts `riskyInZone`), returning only the
 * orders at risk there and those flagged before, and yields to the event loop
 * between zones; it writes only the orders whose risk changed. Alerts go out
 * at most once per order or wave, state and dueAt (`sla_alerts`), so a
 * restart re-sends nothing; a PATCH of dueAt allows them again.
 *
 * Longer than 350 lines: the evaluation cycle (projection per zone, risk
 * changes, alerts once, the PATCH path that re-evaluates) shares one schedule
 * and its state; split by step it would pass that state between files.
 */
import type { Logger } from 'pino';
import type { Outbox, PicklineEvent } from '../events/outbox.ts';
import { causes, type ExceptionDesk } from '../exceptions/desk.ts';
import type { Site } from '../site.ts';
import { type Store, stmt } from '../store/db.ts';
import { patchOrder, patchWave } from './patch.ts';
import { ZoneRates } from './rates.ts';
import {
  alertOnce,
  flaggedOrders,
  listOpenOrders,
  orderQueue,
  orderRisk,
  riskCounts,
  riskyInZone,
  setOrderRisk,
  setWaveRisk,
  waveQueue,
  waveRiskRow,
  waveWork,
} from './repo.ts';
import { RISKS, type Risk } from './work-order.ts';

export interface ServiceLevelConfig {
  atRiskLeadMinutes?: number;
  defaultLinesPerMinute?: number;
  evaluateSeconds?: number;
}

export interface ServiceLevelsDeps {
  store: Store;
  outbox: Outbox;
  site: Site;
  exceptions: ExceptionDesk;
  config?: ServiceLevelConfig;
  logger?: Logger;
  /** the clock (tests) */
  now?: () => number;
}

export interface EvaluationStats {
  /** wall time of the whole evaluation, yields included */
  ms: number;
  /** the longest synchronous slice (one zone's query, or the writes) */
  maxSliceMs: number;
  /** orders returned by the zone queries (at risk somewhere, or flagged before) */
  candidates: number;
  changed: number;
}

export interface OrderProjection {
  projectedAt: string | null;
  openLines: number;
  zones: string[];
}

/** What GET /orders answers per order (CONTRACTS.md §7). */
export interface OrderRiskView {
  orderId: string;
  waveId: string;
  dueAt: string | null;
  projectedAt: string | null;
  risk: Risk;
  openLines: number;
  zones: string[];
}

export class ServiceLevels {
  readonly #d: ServiceLevelsDeps;
  readonly #leadMs: number;
  readonly #everyMs: number;
  readonly #rates: ZoneRates;
  /** orders and waves whose dueAt was patched since the last evaluation: their alerts may go again */
  readonly #dirty = new Set<string>();
  readonly #dirtyWaves = new Set<string>();
  #timer: NodeJS.Timeout | null = null;
  #unsubscribe: (() => void) | null = null;
  #running: Promise<EvaluationStats> | null = null;
  #again = false;
  #pendingAll = false;
  readonly #pendingZones = new Set<string>();
  /** not started, or stopped: nothing evaluates on its own */
  #stopped = true;
  /** stopped: an evaluation under way ends early (an unstarted service evaluates when asked) */
  #halted = false;
  /** the last evaluation (bench, status) */
  last: EvaluationStats | null = null;

  constructor(d: ServiceLevelsDeps) {
    this.#d = d;
    this.#leadMs = (d.config?.atRiskLeadMinutes ?? 15) * 60_000;
    this.#rates = new ZoneRates(d.config?.defaultLinesPerMinute ?? 2);
    this.#everyMs = (d.config?.evaluateSeconds ?? 30) * 1000;
  }

  #now(): number {
    return this.#d.now?.() ?? Date.now();
  }

  /** Seeds the zone rates from the store, listens to the outbox, evaluates now and on the timer. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#halted = false;
    this.#rates.seed(this.#d.store.db, this.#now());
    this.#unsubscribe = this.#d.outbox.onEvent((e) => this.#onEvent(e));
    this.#timer = setInterval(() => this.schedule(), this.#everyMs);
    this.#timer.unref();
    this.schedule();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#halted = true;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running?.catch(() => {});
  }

  /**
   * Evaluates soon: every zone, or with `zone` only that zone (a pick there
   * changed its queue and its rate, no other). Coalesced: one evaluation runs
   * at a time, one more follows with everything asked meanwhile.
   */
  schedule(zone?: string): void {
    if (this.#stopped) return;
    if (zone === undefined) this.#pendingAll = true;
    else this.#pendingZones.add(zone);
    if (this.#running) {
      this.#again = true;
      return;
    }
    const zones = this.#pendingAll ? undefined : [...this.#pendingZones];
    this.#pendingAll = false;
    this.#pendingZones.clear();
    this.#running = new Promise((r) => setImmediate(r)).then(() => this.evaluate(zones));
    this.#running
      .catch((e) =>
        this.#d.logger?.error({ err: (e as Error).message }, 'service levels: evaluation failed'),
      )
      .finally(() => {
        this.#running = null;
        if (this.#again) {
          this.#again = false;
          if (this.#pendingAll) this.schedule();
          else for (const z of this.#pendingZones) this.schedule(z);
        }
      });
  }

  /** Resolves when no evaluation is running or asked for (tests). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running.catch(() => {});
  }

  /** Lines per minute of a zone now (rolling 15 minutes, else the default). */
  rate(zone: string, now = this.#now()): number {
    return this.#rates.rate(zone, now);
  }

  /**
   * One evaluation: every zone's queue (yielding between zones), or only
   * `zones`', then the writes of the orders whose risk changed, their alerts
   * and exceptions, and their waves', in one transaction.
   */
  async evaluate(zones?: readonly string[]): Promise<EvaluationStats> {
    const started = performance.now();
    let maxSlice = 0;
    const { store, site } = this.#d;
    const now = this.#now();
    const found = new Map<string, { due: number | null; finish: number; rank: number }>();
    for (const zone of zones ?? site.zones.keys()) {
      if (this.#halted || !store.isOpen) break;
      const t0 = performance.now();
      const rows = riskyInZone(store.db, zone, now, 60_000 / this.rate(zone, now), this.#leadMs);
      for (const [id, due, , rank, finish] of rows) {
        const f = found.get(id);
        if (!f) found.set(id, { due, finish, rank });
        else if (finish > f.finish) f.finish = finish;
      }
      maxSlice = Math.max(maxSlice, performance.now() - t0);
      await new Promise((r) => setImmediate(r));
    }
    if (this.#halted || !store.isOpen)
      return { ms: performance.now() - started, maxSliceMs: maxSlice, candidates: 0, changed: 0 };
    const t1 = performance.now();
    const dirty = new Set(this.#dirty);
    const dirtyWaves = new Set(this.#dirtyWaves);
    this.#dirty.clear();
    this.#dirtyWaves.clear();
    const changed = store.tx(() => this.#apply(found, dirty, dirtyWaves, now, zones !== undefined));
    maxSlice = Math.max(maxSlice, performance.now() - t1);
    this.last = {
      ms: performance.now() - started,
      maxSliceMs: maxSlice,
      candidates: found.size,
      changed,
    };
    return this.last;
  }

  #apply(
    found: Map<string, { due: number | null; finish: number; rank: number }>,
    dirty: Set<string>,
    dirtyWaves: Set<string>,
    now: number,
    scoped: boolean,
  ): number {
    const db = this.#d.store.db;
    const at = new Date(now).toISOString();
    const waves = new Set<string>(); // waves of the orders that changed
    let changed = 0;
    // a scoped evaluation saw some zones only: the flagged orders of the others keep their state
    const flagged = new Map(scoped ? [] : flaggedOrders(db).map((o) => [o.id, o]));
    const ids = new Set([...found.keys(), ...flagged.keys(), ...dirty]);
    const riskOf = (due: number | null, finish: number): Risk =>
      due === null
        ? 'on-track'
        : now > due
          ? 'late'
          : finish > due - this.#leadMs
            ? 'at-risk'
            : 'on-track';
    for (const id of ids) {
      const f = found.get(id);
      const was: Risk =
        flagged.get(id)?.risk ??
        (f ? RISKS[f.rank] : scoped ? (orderRisk(db, id)?.risk ?? 'on-track') : 'on-track');
      let risk: Risk = f ? riskOf(f.due, f.finish) : 'on-track';
      // scoped: the order may have lines in zones not read now; its latest zone decides
      if (scoped && risk !== was && f) {
        f.finish = Date.parse(this.projection(id, now).projectedAt ?? '') || f.finish;
        risk = riskOf(f.due, f.finish);
      }
      if (risk === was && !(dirty.has(id) && risk !== 'on-track')) continue;
      const o = stmt(
        db,
        `SELECT o.id, o.wave_id, o.status, COALESCE(o.due_at, w.due_at) AS due_at
           FROM orders o JOIN waves w ON w.id = o.wave_id WHERE o.id = ?`,
      ).get(id) as
        | { id: string; wave_id: string; status: string; due_at: string | null }
        | undefined;
      if (!o || (o.status !== 'open' && o.status !== 'active')) continue;
      if (risk !== was) {
        setOrderRisk(db, id, risk);
        changed++;
      }
      waves.add(o.wave_id);
      this.#orderAlert(o, risk, f?.finish ?? null, at);
    }
    for (const w of dirtyWaves) waves.add(w);
    for (const waveId of waves) this.#waveAlert(waveId, dirtyWaves.has(waveId), at, now);
    return changed;
  }

  #orderAlert(
    o: { id: string; wave_id: string; due_at: string | null },
    risk: Risk,
    finish: number | null,
    at: string,
  ): void {
    const { exceptions } = this.#d;
    const subject = { waveId: o.wave_id, orderId: o.id };
    if (risk !== 'late') exceptions.clear(causes.orderLate(o.id));
    if (risk !== 'at-risk') exceptions.clear(causes.orderAtRisk(o.id));
    if (risk === 'on-track') return;
    const db = this.#d.store.db;
    const work = orderQueue(db, o.id);
    const projectedAt = finish === null ? null : new Date(finish).toISOString();
    const zones = work.map((w) => w.zone);
    if (alertOnce(db, 'order', o.id, risk, o.due_at, at))
      this.#d.outbox.append(risk === 'late' ? 'order.late' : 'order.at_risk', {
        waveId: o.wave_id,
        orderId: o.id,
        dueAt: o.due_at,
        projectedAt,
        openLines: work.reduce((n, w) => n + w.open_lines, 0),
        zones,
      });
    exceptions.raise({
      kind: risk === 'late' ? 'order-late' : 'order-at-risk',
      cause: risk === 'late' ? causes.orderLate(o.id) : causes.orderAtRisk(o.id),
      subject: zones.length === 1 ? { ...subject, zone: zones[0] } : subject,
      message:
        risk === 'late'
          ? `order ${o.id} is past its due time ${o.due_at} with lines open`
          : `order ${o.id} is projected to finish at ${projectedAt}, due ${o.due_at}`,
    });
  }

  #waveAlert(waveId: string, dirty: boolean, at: string, now: number): void {
    const db = this.#d.store.db;
    const w = waveRiskRow(db, waveId);
    if (w.risk !== w.stored) setWaveRisk(db, waveId, w.risk);
    else if (!dirty) return;
    if (w.risk === 'on-track') return;
    if (!alertOnce(db, 'wave', waveId, w.risk, w.due_at, at)) return;
    const work = waveWork(db, waveId);
    let projectedAt: string | null = null;
    for (const p of this.waveProjection(waveId, now).values())
      if (projectedAt === null || p > projectedAt) projectedAt = p;
    this.#d.outbox.append(w.risk === 'late' ? 'wave.late' : 'wave.at_risk', {
      waveId,
      dueAt: w.due_at,
      projectedAt,
      openLines: work.openLines,
      zones: work.zones,
    });
  }

  /** An order's projection now (its queue position in each zone with its open lines). */
  projection(orderId: string, now = this.#now()): OrderProjection {
    const work = orderQueue(this.#d.store.db, orderId);
    let finish = 0;
    for (const w of work)
      finish = Math.max(finish, now + (w.cum * 60_000) / this.rate(w.zone, now));
    return {
      projectedAt: work.length > 0 ? new Date(finish).toISOString() : null,
      openLines: work.reduce((n, w) => n + w.open_lines, 0),
      zones: work.map((w) => w.zone),
    };
  }

  /** orderId → projectedAt of a wave's open orders (one window per zone of the wave). */
  waveProjection(waveId: string, now = this.#now()): Map<string, string> {
    const latest = new Map<string, number>();
    for (const [id, zone, cum] of waveQueue(this.#d.store.db, waveId)) {
      const f = now + (cum * 60_000) / this.rate(zone, now);
      if (f > (latest.get(id) ?? 0)) latest.set(id, f);
    }
    return new Map([...latest].map(([id, f]) => [id, new Date(f).toISOString()]));
  }

  /** GET /orders: open orders by risk (and zone), most urgent first. */
  listOrders(q: { risk?: Risk[]; zone?: string; limit?: number }): OrderRiskView[] {
    const now = this.#now();
    const rows = listOpenOrders(
      this.#d.store.db,
      q.risk && q.risk.length > 0 ? q.risk : RISKS,
      q.zone ?? null,
      q.limit ?? 100,
    );
    return rows.map((r) => {
      const p = this.projection(r.id, now);
      return {
        orderId: r.id,
        waveId: r.wave_id,
        dueAt: r.due_at,
        projectedAt: p.projectedAt,
        risk: r.risk,
        openLines: p.openLines,
        zones: p.zones,
      };
    });
  }

  counts(): { atRisk: number; late: number } {
    return this.#d.store.isOpen ? riskCounts(this.#d.store.db) : { atRisk: 0, late: 0 };
  }

  /**
   * PATCH /waves/{waveId} (CONTRACTS.md §7): the wave's default dueAt and its
   * priority (patch.ts). A new dueAt lets the alerts of the wave and of its
   * orders that follow it go again.
   */
  patchWave(waveId: string, body: unknown, meta: { messageId?: string | null } = {}): void {
    const r = patchWave(this.#d.store, this.#d.outbox, waveId, body, meta, this.#now());
    if (!r.dueChanged) return;
    this.#dirtyWaves.add(waveId);
    for (const id of r.following) this.#dirty.add(id);
  }

  /** PATCH /orders/{orderId}: the order's own dueAt / priority (null: its wave's again). */
  patchOrder(orderId: string, body: unknown, meta: { messageId?: string | null } = {}): void {
    const r = patchOrder(this.#d.store, this.#d.outbox, orderId, body, meta, this.#now());
    if (r.dueChanged) this.#dirty.add(orderId);
  }

  #onEvent(e: PicklineEvent): void {
    switch (e.type) {
      case 'line.picked':
      case 'line.shorted': {
        const loc = this.#d.site.locations.get(String(e.data.location ?? ''));
        if (loc) {
          this.#rates.closed(loc.zone, Date.parse(e.occurredAt));
          this.schedule(loc.zone);
        } else this.schedule();
        return;
      }
      case 'wave.accepted':
      case 'wave.cancelled':
      case 'wave.updated':
      case 'order.updated':
        this.schedule();
        return;
      default:
    }
  }
}
