/**
 * The pick-to-light / put-to-light engine (ARCHITECTURE.md "The core loop").
 * Key presses become committed picks: the commit happens before the light
 * goes off; a press with a stale job token or for a closed line is ignored
 * and counted. On start the floor is made to match the `lights` table.
 */
import type { Logger } from 'pino';
import type { Color } from '../../config/schema.ts';
import {
  type HealthChange,
  type KeyEvent,
  type LightBus,
  type ModuleAddress,
  moduleKey,
  type Unsubscribe,
} from '../../device-drivers/types.ts';
import { isPicklineError, PicklineError } from '../../kernel/errors.ts';
import type { Outbox } from '../events/outbox.ts';
import type { Site, Zone } from '../site.ts';
import { type Store, stmt } from '../store/db.ts';
import type { LineRow } from '../waves/repo.ts';
import { FloorCommands } from './commands.ts';
import { nextForModule } from './decide.ts';
import { lastKnownHealth, offlineFlagged } from './health.ts';
import { type Hold, Holds, type ModuleHolder } from './holds.ts';
import { Lighting, type LightOutcome } from './lighting.ts';
import { commitPick, type PickResult, type Via } from './picks.ts';
import {
  allLights,
  deleteSession,
  line as getLine,
  order as getOrder,
  type LightRow,
  lightAt,
  openLinesInZone,
  setFlag,
} from './repo.ts';
import { decidePickScan, decidePutScan, type ScanDecision } from './scan.ts';
import { endClosedSessions, endSession } from './sessions.ts';
import { type ZoneStatus, zoneStatus } from './status.ts';

export type { ZoneStatus } from './status.ts';

export interface EngineDeps {
  store: Store;
  outbox: Outbox;
  site: Site;
  buses: Map<string, LightBus>;
  logger: Logger;
  /** how long a zone's done indicator blinks after an order is done there */
  doneFlashMs?: number;
}

export interface ScanResult extends ScanDecision {
  failed: LightOutcome[];
}

export interface SessionView {
  zone: string;
  orderId: string;
  picker: string;
  color: string;
  startedAt: string;
  endedAt: string;
  /** lines that were lit and are open again */
  unlit: string[];
}

export interface EngineStats {
  keyPresses: number;
  picks: number;
  ignoredPresses: number;
  /** presses on a module held for a technician (also in ignoredPresses) */
  heldPresses: number;
  /** module confirms above the request that were refused (zone without over-picks) */
  refusedOverPicks: number;
  lightFailures: number;
}

export class PickEngine implements ModuleHolder {
  readonly #d: EngineDeps;
  readonly #lighting: Lighting;
  readonly #holds: Holds;
  #subs: Unsubscribe[] = [];
  readonly #stats = {
    keyPresses: 0,
    picks: 0,
    ignoredPresses: 0,
    heldPresses: 0,
    refusedOverPicks: 0,
  };
  readonly #health = new Map<string, boolean>();
  /** the command set every input channel drives (commands.ts) */
  readonly commands: FloorCommands;

  constructor(deps: EngineDeps) {
    this.#d = deps;
    this.commands = new FloorCommands(this, deps.store, deps.site);
    this.#lighting = new Lighting(deps.buses, deps.logger, (b, a) => this.heldFor(b, a) !== null);
    this.#holds = new Holds(deps.store, deps.site, this.#lighting);
  }

  /** Subscribes to the buses (already started) and restores the floor. */
  async start(): Promise<void> {
    this.#holds.start();
    // health as the last device events left it: recomputed from the drivers' first reports
    for (const [k, online] of lastKnownHealth(this.#d.store.db)) this.#health.set(k, online);
    for (const bus of this.#d.buses.values()) {
      this.#subs.push(bus.onKey((e) => void this.#onKey(e)));
      this.#subs.push(bus.onHealth((h) => this.#onHealth(h)));
    }
    const { store } = this.#d;
    const ended = store.tx(() => endClosedSessions(store.db));
    if (ended > 0) this.#d.logger.info({ ended }, 'sessions of closed orders ended');
    await this.recover();
  }

  async stop(): Promise<void> {
    for (const u of this.#subs) u();
    this.#subs = [];
    this.#lighting.stop();
    await this.#lighting.idle();
  }

  /** Re-lights exactly the modules of the `lights` table; every other module goes dark. */
  async recover(): Promise<void> {
    const { store, site } = this.#d;
    const rows = store.tx(() => {
      const db = store.db;
      for (const r of allLights(db)) {
        const l = getLine(db, r.line_id);
        if (l?.status !== 'lit')
          stmt(db, 'DELETE FROM lights WHERE bus = ? AND address = ?').run(r.bus, r.address);
      }
      return allLights(db);
    });
    const lit = new Set(rows.map(moduleKey));
    const ops: Promise<LightOutcome>[] = rows.map((r) => this.#lighting.apply(r));
    for (const [bus, addresses] of site.addressesByBus()) {
      for (const a of addresses)
        if (!lit.has(moduleKey({ bus, address: a }))) ops.push(this.#lighting.clear(bus, a));
    }
    const out = await Promise.all(ops);
    this.#d.logger.info(
      { relit: rows.length, failed: out.filter((o) => !o.ok).length },
      'floor restored',
    );
  }

  /** `color`: the colour to give a picker new to the zone (a scanner's, `commands.ts`). */
  async scan(
    zoneId: string,
    code: string,
    picker: string,
    color: Color | null = null,
  ): Promise<ScanResult> {
    const { store, site } = this.#d;
    const zone = site.zones.get(zoneId);
    if (!zone) throw new PicklineError('ZONE_NOT_FOUND', `no zone ${zoneId}`);
    if (zone.mode === 'voice')
      throw new PicklineError(
        'BAD_REQUEST',
        `zone ${zoneId} is a voice zone: it has no lights to scan at`,
      );
    this.#checkPicker(picker);
    const now = new Date().toISOString();
    const d = store.tx(() =>
      zone.mode === 'put'
        ? decidePutScan(store.db, site, zone, code, picker, now, color)
        : decidePickScan(store.db, site, zone, code, picker, now, color),
    );
    const outcomes = await Promise.all(d.lit.map((r) => this.#lighting.apply(r)));
    this.#flagOffline(d.lit);
    if (d.done) this.#flashDone(zoneId, d.color ?? 'green');
    return { ...d, failed: outcomes.filter((o) => !o.ok) };
  }

  /** Operator fallback (dead module, no light): confirm or short a line from the API. */
  async closeLine(
    lineId: string,
    p: { quantity?: number; picker?: string; short?: boolean; reason?: string; via?: Via },
  ): Promise<PickResult> {
    if (p.picker !== undefined) this.#checkPicker(p.picker);
    const { store } = this.#d;
    const { l, picker } = store.tx(() => {
      const l = getLine(store.db, lineId);
      const lit = stmt(store.db, 'SELECT picker FROM lights WHERE line_id = ?').get(lineId) as
        | { picker: string | null }
        | undefined;
      return { l, picker: lit?.picker ?? null };
    });
    if (!l) throw new PicklineError('LINE_NOT_FOUND', `no line ${lineId}`);
    const quantity = p.quantity ?? (p.short ? 0 : l.quantity);
    return this.#commit(l, {
      quantity,
      picker: p.picker ?? picker,
      via: p.via ?? 'api',
      short: p.short,
      reason: p.reason,
    });
  }

  /** WaveService hook: lines of a cancelled wave go dark; their modules serve waiting lines. */
  onCancelled(_waveId: string, litLines: LineRow[]): void {
    const { store, site } = this.#d;
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
      void (f.next ? this.#lighting.apply(f.next) : this.#lighting.clear(f.row.bus, f.row.address));
  }

  /** Supervisor: ends a stuck session; its lights go off and its lines can be scanned again. */
  async endSession(zoneId: string, orderId: string): Promise<SessionView> {
    const { store, site } = this.#d;
    const now = new Date().toISOString();
    const r = store.tx(() => endSession(store.db, site, zoneId, orderId, now));
    this.#d.logger.info(
      { zone: zoneId, order: orderId, picker: r.session.picker, lights: r.freed.length },
      'session ended by a supervisor',
    );
    await Promise.all(
      r.freed.map((f) =>
        f.next ? this.#lighting.apply(f.next) : this.#lighting.clear(f.row.bus, f.row.address),
      ),
    );
    const s = r.session;
    return {
      zone: s.zone,
      orderId: s.order_id,
      picker: s.picker,
      color: s.color,
      startedAt: s.started_at,
      endedAt: now,
      unlit: r.freed.map((f) => f.row.line_id),
    };
  }

  /** Live state of a zone: active orders with their pickers, lit modules. */
  zoneStatus(zoneId: string): ZoneStatus {
    return zoneStatus(this.#d.store.db, this.#d.site, zoneId);
  }

  stats(): EngineStats {
    return { ...this.#stats, lightFailures: this.#lighting.failures };
  }

  /** Modules lit with a pick job now (the `lights` table). */
  litCount(): number {
    return (stmt(this.#d.store.db, 'SELECT COUNT(*) AS n FROM lights').get() as { n: number }).n;
  }

  /** Takes a module from the engine for a technician task (holds.ts); MODULE_BUSY when it shows a job. */
  hold(bus: string, address: ModuleAddress, purpose: string): Promise<Hold> {
    return this.#holds.acquire(bus, address, purpose);
  }

  heldFor(bus: string, address: ModuleAddress): string | null {
    return this.#holds.heldFor(bus, address);
  }

  /** Resolves when all light commands decided so far were executed (tests, benchmarks). */
  idle(): Promise<void> {
    return this.#lighting.idle();
  }

  async #onKey(e: KeyEvent): Promise<void> {
    this.#stats.keyPresses++;
    if (e.key !== 'confirm' && e.key !== 'short') return; // +/- act on the module's display locally
    if (this.heldFor(e.bus, e.address) !== null) {
      this.#stats.ignoredPresses++;
      this.#stats.heldPresses++;
      this.#d.logger.info({ bus: e.bus, address: e.address }, 'key press ignored: module held');
      return;
    }
    const { store } = this.#d;
    const found = store.tx(() => {
      const row = lightAt(store.db, e.bus, e.address);
      if (!row || row.seq !== e.seq) return null;
      const l = getLine(store.db, row.line_id);
      return l && l.status === 'lit' ? { row, l } : null;
    });
    if (!found) {
      this.#stats.ignoredPresses++;
      this.#d.logger.info(
        { bus: e.bus, address: e.address, seq: e.seq },
        'key press ignored: no lit job with that token',
      );
      return;
    }
    const { row, l } = found;
    const shown = e.display ?? row.display ?? l.quantity;
    // Short key: the display holds what was taken; an unchanged display means none.
    const quantity = e.key === 'short' ? (shown < l.quantity ? shown : 0) : shown;
    try {
      await this.#commit(l, {
        quantity,
        picker: row.picker,
        via: 'light',
        short: e.key === 'short',
        reason: e.key === 'short' ? 'short-key' : undefined,
      });
    } catch (err) {
      if (isPicklineError(err, 'OVER_PICK')) return this.#refuseOverPick(e, l, quantity);
      this.#stats.ignoredPresses++;
      this.#d.logger.warn({ err: (err as Error).message, line: l.id }, 'key press not committed');
    }
  }

  async #commit(
    l: LineRow,
    p: { quantity: number; picker: string | null; via: Via; short?: boolean; reason?: string },
  ): Promise<PickResult> {
    const { store, site, outbox } = this.#d;
    const now = new Date();
    let zoneDone: { zone: string; color: string } | null = null;
    let next: LightRow | null = null;
    const r = store.tx(() => {
      const allowOverPick = this.#zoneOf(l)?.allowOverPick ?? false;
      const res = commitPick(store.db, outbox, { lineId: l.id, ...p, allowOverPick }, now);
      if (res.light) {
        next = nextForModule(store.db, site, res.light.bus, res.light.address, now.toISOString());
        const zone = site.zones.get(res.light.zone);
        if (zone?.mode === 'pick' && openLinesInZone(store.db, l.order_id, zone.id).length === 0) {
          deleteSession(store.db, zone.id, l.order_id, now.toISOString());
          zoneDone = { zone: zone.id, color: res.light.color ?? 'green' };
        }
      }
      // a voice task ends with the order's last line in the zone (voice.ts)
      const vz = this.#zoneOf(l);
      if (vz?.mode === 'voice' && openLinesInZone(store.db, l.order_id, vz.id).length === 0)
        deleteSession(store.db, vz.id, l.order_id, now.toISOString());
      return res;
    });
    this.#stats.picks++;
    // committed: now the light may change
    if (r.light)
      await (next
        ? this.#lighting.apply(next)
        : this.#lighting.clear(r.light.bus, r.light.address));
    if (zoneDone)
      this.#flashDone((zoneDone as { zone: string }).zone, (zoneDone as { color: string }).color);
    return r;
  }

  /** With operators configured, a picker must be one of them (the id is recorded on picks). */
  #checkPicker(picker: string): void {
    const { operators } = this.#d.site;
    if (operators.size > 0 && !operators.has(picker))
      throw new PicklineError('UNKNOWN_OPERATOR', `"${picker}" is not a configured operator`, [
        { path: '/picker', message: 'is not one of the configured operators' },
      ]);
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
    this.#stats.refusedOverPicks++;
    this.#d.logger.warn(
      { bus: e.bus, address: e.address, line: l.id, requested: l.quantity, quantity },
      'over-pick refused: the module shows the request again',
    );
    const { store } = this.#d;
    const row = store.tx(() => lightAt(store.db, e.bus, e.address));
    if (row?.line_id === l.id) void this.#lighting.apply(row);
  }

  #flashDone(zoneId: string, color: string): void {
    const di = this.#d.site.zones.get(zoneId)?.doneIndicator;
    if (!di) return;
    void this.#lighting.flash(
      di.bus,
      di.address,
      { mode: 'blink', color: color as never, display: null, seq: 0 },
      this.#d.doneFlashMs ?? 3000,
    );
  }

  /**
   * device.offline when a module stops answering (also one never seen at
   * start); device.online only when one that was offline comes back, not for
   * every module discovered at start.
   */
  #onHealth(h: HealthChange): void {
    const key = moduleKey(h);
    const before = this.#health.get(key);
    this.#health.set(key, h.online);
    const { store, outbox, site } = this.#d;
    const now = new Date().toISOString();
    if (h.online ? before !== false : before === false) {
      // no news, but a flag left from an earlier run must not outlive the module's return
      if (h.online)
        store.tx(() => {
          const r = lightAt(store.db, h.bus, h.address);
          if (r && offlineFlagged(store.db, [r.line_id]).length > 0)
            setFlag(store.db, [r.line_id], null, now);
        });
      return;
    }
    const loc = site.byModule.get(moduleKey(h));
    const row = store.tx(() => {
      const r = lightAt(store.db, h.bus, h.address);
      if (r) setFlag(store.db, [r.line_id], h.online ? null : 'device-offline', now);
      outbox.append(h.online ? 'device.online' : 'device.offline', {
        bus: h.bus,
        address: h.address,
        location: loc?.id ?? null,
        zone: loc?.zone ?? null,
        litLine: r?.line_id ?? null,
        reason: h.reason ?? null,
      });
      return r;
    });
    // a module that comes back may have lost its state (power cycle): show it again
    if (h.online && row) void this.#lighting.apply(row);
  }

  /** Lines just lit on a module known to be offline (its bus may be down) carry the flag. */
  #flagOffline(rows: LightRow[]): void {
    const down = rows.filter((r) => this.#health.get(moduleKey(r)) === false);
    if (down.length === 0) return;
    const { store } = this.#d;
    const now = new Date().toISOString();
    store.tx(() =>
      setFlag(
        store.db,
        down.map((r) => r.line_id),
        'device-offline',
        now,
      ),
    );
  }
}
