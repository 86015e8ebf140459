/**
 * The pick rules (ARCHITECTURE.md "The core loop"): a scan lights an order's
 * lines (pick zone) or the cubbies needing a SKU (put wall); a key press, a
 * REST fallback or a voice answer closes a line through the one commit path,
 * which records the pick before the light changes; a session ended by a
 * supervisor or a cancelled wave frees its modules for the waiting lines.
 * Callers are the floor commands (commands.ts): they check who acts and
 * translate each channel's input; nothing here reads a request.
 */
import type { Logger } from 'pino';
import type { Color } from '../../config/schema.ts';
import type { KeyEvent, ModuleAddress } from '../../device-drivers/types.ts';
import { isPicklineError, PicklineError } from '../../kernel/errors.ts';
import type { Outbox } from '../events/outbox.ts';
import type { Site, Zone } from '../site.ts';
import { type Store, stmt } from '../store/db.ts';
import type { LineRow } from '../waves/repo.ts';
import { nextForModule } from './decide.ts';
import type { ModuleHealth } from './health.ts';
import type { Lighting, LightOutcome } from './lighting.ts';
import { commitPick, type PickResult, type Via } from './picks.ts';
import {
  deleteSession,
  line as getLine,
  order as getOrder,
  type LightRow,
  lightAt,
  openLinesInZone,
} from './repo.ts';
import { decidePickScan, decidePutScan, type ScanDecision } from './scan.ts';
import { endSession } from './sessions.ts';

export interface ScanResult extends ScanDecision {
  failed: LightOutcome[];
}

export interface SessionView {
  zone: string;
  orderId: string;
  operator: string;
  color: string;
  startedAt: string;
  endedAt: string;
  /** lines that were lit and are open again */
  unlit: string[];
}

/** A line closed by an operator (REST fallback, voice), not by its module's key. */
export interface CloseLine {
  /** taken; defaults to the request (confirm) or 0 (short) */
  quantity?: number;
  /** who; null: the operator the line was lit for */
  operator: string | null;
  via: Via;
  short?: boolean;
  reason?: string;
}

/** What became of a key press (the key input channel counts and logs these). */
export type PressOutcome = 'local' | 'held' | 'stale' | 'picked' | 'over-pick' | 'failed';

export interface PickingDeps {
  store: Store;
  outbox: Outbox;
  site: Site;
  lighting: Lighting;
  health: ModuleHealth;
  /** the technician task holding a module, null when none (holds.ts) */
  heldFor: (bus: string, address: ModuleAddress) => string | null;
  logger: Logger;
  /** how long a zone's done indicator blinks after an order is done there */
  doneFlashMs?: number;
}

export class Picking {
  readonly #d: PickingDeps;
  readonly counters = {
    keyPresses: 0,
    picks: 0,
    ignoredPresses: 0,
    /** presses on a module held for a technician (also in ignoredPresses) */
    heldPresses: 0,
    /** module confirms above the request that were refused (zone without over-picks) */
    refusedOverPicks: 0,
  };

  constructor(deps: PickingDeps) {
    this.#d = deps;
  }

  /**
   * A scan at a pick zone or put wall (the commands checked the zone's mode and
   * the operator). `color`: the colour to give an operator new to the zone (a scanner's).
   */
  async scan(zone: Zone, code: string, operator: string, color: Color | null): Promise<ScanResult> {
    const { store, site } = this.#d;
    const now = new Date().toISOString();
    const d = store.tx(() =>
      zone.mode === 'put'
        ? decidePutScan(store.db, site, zone, code, operator, now, color)
        : decidePickScan(store.db, site, zone, code, operator, now, color),
    );
    const outcomes = await Promise.all(d.lit.map((r) => this.#d.lighting.apply(r)));
    this.#d.health.flagOffline(d.lit);
    if (d.done) this.#flashDone(zone.id, d.color ?? 'green');
    return { ...d, failed: outcomes.filter((o) => !o.ok) };
  }

  /** Confirms or shorts a line without its module's key. */
  async close(lineId: string, p: CloseLine): Promise<PickResult> {
    const { store } = this.#d;
    const { l, litFor } = store.tx(() => {
      const l = getLine(store.db, lineId);
      const lit = stmt(store.db, 'SELECT picker FROM lights WHERE line_id = ?').get(lineId) as
        | { picker: string | null }
        | undefined;
      return { l, litFor: lit?.picker ?? null };
    });
    if (!l) throw new PicklineError('LINE_NOT_FOUND', `no line ${lineId}`);
    return this.#commit(l, {
      quantity: p.quantity ?? (p.short ? 0 : l.quantity),
      operator: p.operator ?? litFor,
      via: p.via,
      short: p.short,
      reason: p.reason,
    });
  }

  /**
   * A module key: confirm or short the job the module shows, if the press
   * carries its job token. ±keys act on the module's display locally; a press
   * on a held module, with an old token or for a closed line changes nothing.
   */
  async press(e: KeyEvent): Promise<PressOutcome> {
    const c = this.counters;
    c.keyPresses++;
    if (e.key !== 'confirm' && e.key !== 'short') return 'local';
    const { store, logger } = this.#d;
    if (this.#d.heldFor(e.bus, e.address) !== null) {
      c.ignoredPresses++;
      c.heldPresses++;
      logger.info({ bus: e.bus, address: e.address }, 'key press ignored: module held');
      return 'held';
    }
    const found = store.tx(() => {
      const row = lightAt(store.db, e.bus, e.address);
      if (!row || row.seq !== e.seq) return null;
      const l = getLine(store.db, row.line_id);
      return l && l.status === 'lit' ? { row, l } : null;
    });
    if (!found) {
      c.ignoredPresses++;
      logger.info(
        { bus: e.bus, address: e.address, seq: e.seq },
        'key press ignored: no lit job with that token',
      );
      return 'stale';
    }
    const { row, l } = found;
    const shown = e.display ?? row.display ?? l.quantity;
    // Short key: the display holds what was taken; an unchanged display means none.
    const quantity = e.key === 'short' ? (shown < l.quantity ? shown : 0) : shown;
    try {
      await this.#commit(l, {
        quantity,
        operator: row.picker,
        via: 'light',
        short: e.key === 'short',
        reason: e.key === 'short' ? 'short-key' : undefined,
      });
      return 'picked';
    } catch (err) {
      if (isPicklineError(err, 'OVER_PICK')) {
        this.#refuseOverPick(e, l, quantity);
        return 'over-pick';
      }
      c.ignoredPresses++;
      logger.warn({ err: (err as Error).message, line: l.id }, 'key press not committed');
      return 'failed';
    }
  }

  /** Ends a stuck session: its lights go off and its lines can be scanned again. */
  async endSession(zoneId: string, orderId: string): Promise<SessionView> {
    const { store, site, lighting } = this.#d;
    const now = new Date().toISOString();
    const r = store.tx(() => endSession(store.db, site, zoneId, orderId, now));
    this.#d.logger.info(
      { zone: zoneId, order: orderId, operator: r.session.picker, lights: r.freed.length },
      'session ended by a supervisor',
    );
    await Promise.all(
      r.freed.map((f) =>
        f.next ? lighting.apply(f.next) : lighting.clear(f.row.bus, f.row.address),
      ),
    );
    const s = r.session;
    return {
      zone: s.zone,
      orderId: s.order_id,
      operator: s.picker,
      color: s.color,
      startedAt: s.started_at,
      endedAt: now,
      unlit: r.freed.map((f) => f.row.line_id),
    };
  }

  /** Lines of a cancelled wave go dark; their modules serve waiting lines. */
  waveCancelled(litLines: LineRow[]): void {
    const { store, site, lighting } = this.#d;
    const now = new Date().toISOString();
    const freed = store.tx(() =>
      litLines.flatMap((l) => {
        const row = stmt(store.db, 'SELECT * FROM lights WHERE line_id = ?').get(l.id) as
          | LightRow
          | undefined;
        if (!row) return [];
        stmt(store.db, 'DELETE FROM lights WHERE line_id = ?').run(l.id);
        return [{ row, next: nextForModule(store.db, site, row.bus, row.address, now) }];
      }),
    );
    for (const f of freed)
      void (f.next ? lighting.apply(f.next) : lighting.clear(f.row.bus, f.row.address));
  }

  /** The one commit path: the pick is stored, then the light changes. */
  async #commit(
    l: LineRow,
    p: { quantity: number; operator: string | null; via: Via; short?: boolean; reason?: string },
  ): Promise<PickResult> {
    const { store, site, outbox, lighting } = this.#d;
    const now = new Date();
    let zoneDone: { zone: string; color: string } | null = null;
    let next: LightRow | null = null;
    const r = store.tx(() => {
      const zone = this.#zoneOf(l);
      const allowOverPick = zone?.allowOverPick ?? false;
      const res = commitPick(store.db, outbox, { lineId: l.id, ...p, allowOverPick }, now);
      if (res.light) {
        next = nextForModule(store.db, site, res.light.bus, res.light.address, now.toISOString());
        const lz = site.zones.get(res.light.zone);
        if (lz?.mode === 'pick' && openLinesInZone(store.db, l.order_id, lz.id).length === 0) {
          deleteSession(store.db, lz.id, l.order_id, now.toISOString());
          zoneDone = { zone: lz.id, color: res.light.color ?? 'green' };
        }
      }
      // a voice task ends with the order's last line in the zone (voice.ts)
      if (zone?.mode === 'voice' && openLinesInZone(store.db, l.order_id, zone.id).length === 0)
        deleteSession(store.db, zone.id, l.order_id, now.toISOString());
      return res;
    });
    this.counters.picks++;
    // committed: now the light may change
    if (r.light) await (next ? lighting.apply(next) : lighting.clear(r.light.bus, r.light.address));
    const done = zoneDone as { zone: string; color: string } | null;
    if (done) this.#flashDone(done.zone, done.color);
    return r;
  }

  /** The zone a line is picked in: its location's, or its put wall. */
  #zoneOf(l: LineRow): Zone | undefined {
    const { site, store } = this.#d;
    const zoneId = l.location
      ? site.locations.get(l.location)?.zone
      : getOrder(store.db, l.order_id)?.put_wall;
    return zoneId ? site.zones.get(zoneId) : undefined;
  }

  /**
   * A confirm above the request in a zone without over-picks: nothing is
   * recorded; the module is shown its job again (the request on the display).
   */
  #refuseOverPick(e: KeyEvent, l: LineRow, quantity: number): void {
    this.counters.refusedOverPicks++;
    this.#d.logger.warn(
      { bus: e.bus, address: e.address, line: l.id, requested: l.quantity, quantity },
      'over-pick refused: the module shows the request again',
    );
    const { store } = this.#d;
    const row = store.tx(() => lightAt(store.db, e.bus, e.address));
    if (row?.line_id === l.id) void this.#d.lighting.apply(row);
  }

  #flashDone(zoneId: string, color: string): void {
    const di = this.#d.site.zones.get(zoneId)?.doneIndicator;
    if (!di) return;
    void this.#d.lighting.flash(
      di.bus,
      di.address,
      { mode: 'blink', color: color as never, display: null, seq: 0 },
      this.#d.doneFlashMs ?? 3000,
    );
  }
}
