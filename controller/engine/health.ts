/**
 * Module health → events (CONTRACTS.md §1 `device.offline` / `device.online`).
 * The drivers report health changes; this turns them into outbox events and
 * line flags. Its view survives restarts: on start it is seeded from the last
 * device event of each module in the outbox, so a module that was offline and
 * answers again raises device.online, and one still offline is not reported
 * twice. A module that comes back is shown its job again (it may have been
 * power-cycled).
 */

import {
  type HealthChange,
  type LightBus,
  type ModuleAddress,
  moduleKey,
  type Unsubscribe,
} from '../../device-drivers/types.ts';
import type { Outbox } from '../events/outbox.ts';
import type { Site } from '../site.ts';
import { type Db, type Store, stmt } from '../store/db.ts';
import type { Lighting } from './lighting.ts';
import { type LightRow, lightAt, setFlag } from './repo.ts';

/** `bus/address` → online, as the last device event said. */
export function lastKnownHealth(db: Db): Map<string, boolean> {
  const rows = stmt(
    db,
    `SELECT type, data FROM events WHERE type IN ('device.offline', 'device.online') ORDER BY seq`,
  ).all() as { type: string; data: string }[];
  const out = new Map<string, boolean>();
  for (const r of rows) {
    const d = JSON.parse(r.data) as { bus: string; address: ModuleAddress };
    out.set(moduleKey(d), r.type === 'device.online');
  }
  return out;
}

/** Lines of `lineIds` whose flag is device-offline. */
export function offlineFlagged(db: Db, lineIds: string[]): string[] {
  const st = stmt(db, `SELECT flag FROM lines WHERE id = ?`);
  return lineIds.filter(
    (id) => (st.get(id) as { flag: string | null } | undefined)?.flag === 'device-offline',
  );
}

export interface ModuleHealthDeps {
  store: Store;
  outbox: Outbox;
  site: Site;
  buses: Map<string, LightBus>;
  lighting: Lighting;
}

export class ModuleHealth {
  readonly #d: ModuleHealthDeps;
  readonly #online = new Map<string, boolean>();
  #subs: Unsubscribe[] = [];

  constructor(deps: ModuleHealthDeps) {
    this.#d = deps;
  }

  /** Seeds the view from the outbox and subscribes to the buses' health reports. */
  start(): void {
    this.#online.clear();
    for (const [k, online] of lastKnownHealth(this.#d.store.db)) this.#online.set(k, online);
    for (const bus of this.#d.buses.values()) this.#subs.push(bus.onHealth((h) => this.#on(h)));
  }

  stop(): void {
    for (const u of this.#subs) u();
    this.#subs = [];
  }

  /** Lines just lit on a module known to be offline (its bus may be down) carry the flag. */
  flagOffline(rows: LightRow[]): void {
    const down = rows.filter((r) => this.#online.get(moduleKey(r)) === false);
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

  /**
   * device.offline when a module stops answering (also one never seen at
   * start); device.online only when one that was offline comes back, not for
   * every module discovered at start.
   */
  #on(h: HealthChange): void {
    const key = moduleKey(h);
    const before = this.#online.get(key);
    this.#online.set(key, h.online);
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
    const loc = site.byModule.get(key);
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
    if (h.online && row) void this.#d.lighting.apply(row);
  }
}
