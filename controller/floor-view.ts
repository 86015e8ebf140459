/**
 * What the floor view page draws (contract-extensions.md §1 "floor view"): every zone with its locations
 * as racks, lit bins with colour, quantity and picker, lines waiting for a
 * busy module, the done indicator, and modules that do not answer.
 */

import type { ModuleInfo, TechnicianBus } from '../device-drivers/types.ts';
import { type ModuleAddress, moduleKey } from '../kernel/module-ref.ts';
import { zoneStatus } from './engine/status.ts';
import type { Site } from './site.ts';
import { type Db, stmt } from './store/db.ts';

export interface FloorBin {
  id: string;
  bus: string | null;
  address: ModuleAddress | null;
  aisle: string | null;
  slot: string | null;
  /** null: no module (voice location) or the bus does not know it */
  online: boolean | null;
  lit: {
    lineId: string;
    quantity: number | null;
    color: string | null;
    picker: string | null;
  } | null;
  /** open lines waiting for this location's module */
  waiting: number;
}

export interface FloorZone {
  zone: string;
  name: string;
  mode: string;
  /**
   * Orders in progress, with their start (ISO-8601 UTC): the page computes
   * ages itself, so the view changes only when the floor does (no stream
   * event per second of age).
   */
  sessions: { orderId: string; picker: string; color: string; startedAt: string }[];
  done: { bus: string; address: ModuleAddress; online: boolean | null; showing: boolean } | null;
  bins: FloorBin[];
}

export interface FloorView {
  /** a simulated floor is attached: clicking a bin presses its key */
  simulated: boolean;
  zones: FloorZone[];
}

export function floorView(
  d: { db: Db; site: Site; buses: ReadonlyMap<string, TechnicianBus> },
  simulated: boolean,
): FloorView {
  const mods = new Map<string, ModuleInfo>();
  for (const b of d.buses.values()) for (const m of b.modules()) mods.set(moduleKey(m), m);
  const waiting = new Map<string, number>();
  for (const r of stmt(
    d.db,
    `SELECT COALESCE(l.location, o.cubby) AS loc, COUNT(*) AS n FROM lines l JOIN orders o ON o.id = l.order_id
       WHERE l.status = 'open' AND l.flag = 'waiting' GROUP BY 1`,
  ).all() as { loc: string; n: number }[])
    waiting.set(r.loc, r.n);
  const online = (bus: string | null, address: ModuleAddress | null) =>
    bus === null || address === null
      ? null
      : (mods.get(moduleKey({ bus, address }))?.online ?? null);
  const zones: FloorZone[] = [];
  for (const z of d.site.zones.values()) {
    const st = zoneStatus(d.db, d.site, z.id);
    const lit = new Map(st.lit.map((l) => [l.location, l]));
    const di = z.doneIndicator;
    const diInfo = di ? mods.get(moduleKey(di)) : undefined;
    zones.push({
      zone: z.id,
      name: z.name,
      mode: z.mode,
      sessions: st.sessions.map(({ orderId, picker, color, startedAt }) => ({
        orderId,
        picker,
        color,
        startedAt,
      })),
      done: di
        ? {
            ...di,
            online: diInfo?.online ?? null,
            showing: diInfo?.state != null && diInfo.state.mode !== 'off',
          }
        : null,
      bins: z.locations.map((l) => {
        const x = lit.get(l.id);
        return {
          id: l.id,
          bus: l.bus,
          address: l.address,
          aisle: l.aisle,
          slot: l.slot,
          online: online(l.bus, l.address),
          lit: x
            ? { lineId: x.lineId, quantity: x.quantity, color: x.color, picker: x.picker }
            : null,
          waiting: waiting.get(l.id) ?? 0,
        };
      }),
    });
  }
  return { simulated, zones };
}
