/**
 * Light decisions, made inside a transaction: which line a module shows, who
 * waits for a busy module, which colour an operator gets. The `lights` table is
 * the one truth of what should be lit; `Lighting` executes it afterwards.
 */

import type { Color } from '../../config/schema.ts';
import { type ModuleAddress, moduleKey } from '../../device-drivers/types.ts';
import { PicklineError } from '../../kernel/errors.ts';
import type { Site, Zone } from '../site.ts';
import { type Db, stmt } from '../store/db.ts';
import type { LineRow } from '../waves/repo.ts';
import {
  insertLight,
  isHeld,
  type LightRow,
  lightAt,
  markActive,
  nextSeq,
  sessions,
  setLineStatus,
} from './repo.ts';

/** The module that shows a line: its location's, or its order's cubby's. */
export function moduleOf(
  site: Site,
  line: LineRow,
  cubby: string | null,
): { bus: string; address: ModuleAddress; zone: string } | null {
  const loc = site.locations.get(line.location ?? cubby ?? '');
  if (!loc || loc.bus === null || loc.address === null) return null;
  return { bus: loc.bus, address: loc.address, zone: loc.zone };
}

/**
 * Lights `line` on its module if the module is free (no lit job, not held
 * for a technician); otherwise flags the line `waiting` (FIFO by updated_at)
 * so it lights when the module frees.
 */
export function lightOrWait(
  db: Db,
  site: Site,
  line: LineRow,
  cubby: string | null,
  who: { operator: string; color: Color },
  now: string,
): LightRow | null {
  const m = moduleOf(site, line, cubby);
  if (!m) return null;
  markActive(db, line.order_id, line.wave_id, now);
  const existing = lightAt(db, m.bus, m.address);
  if (existing || isHeld(db, m.bus, m.address)) {
    if (existing?.line_id === line.id) return existing;
    stmt(
      db,
      "UPDATE lines SET flag = 'waiting', updated_at = ? WHERE id = ? AND flag IS NOT 'waiting'",
    ).run(now, line.id);
    return null;
  }
  const row: LightRow = {
    bus: m.bus,
    address: m.address,
    line_id: line.id,
    zone: m.zone,
    seq: nextSeq(db),
    mode: 'on',
    color: who.color,
    display: line.quantity,
    picker: who.operator,
    lit_at: now,
  };
  insertLight(db, row);
  stmt(db, 'UPDATE lines SET flag = NULL WHERE id = ?').run(line.id);
  setLineStatus(db, line.id, 'lit', now);
  return row;
}

/** After a module went dark: the waiting line that takes it next, if any. */
export function nextForModule(
  db: Db,
  site: Site,
  bus: string,
  address: ModuleAddress,
  now: string,
): LightRow | null {
  const loc = site.byModule.get(moduleKey({ bus, address }));
  if (!loc || lightAt(db, bus, address)) return null;
  const next = stmt(
    db,
    `SELECT l.*, o.cubby AS cubby FROM lines l JOIN orders o ON o.id = l.order_id
       WHERE l.status = 'open' AND l.flag = 'waiting' AND (l.location = ? OR (l.location IS NULL AND o.cubby = ?))
       ORDER BY l.updated_at, l.idx LIMIT 1`,
  ).get(loc.id, loc.id) as (LineRow & { cubby: string | null }) | undefined;
  if (!next) return null;
  const s = stmt(
    db,
    'SELECT picker AS operator, color FROM zone_sessions WHERE zone = ? AND order_id = ?',
  ).get(loc.zone, next.order_id) as { operator: string; color: Color } | undefined;
  if (!s) return null;
  return lightOrWait(db, site, next, next.cubby, s, now);
}

/**
 * The operator's colour in the zone: the one they have, else `prefer` (a
 * scanner's configured colour) when free, else the first free one.
 */
export function colorFor(db: Db, zone: Zone, operator: string, prefer: Color | null = null): Color {
  const active = sessions(db, zone.id);
  const mine = active.find((s) => s.picker === operator);
  if (mine) return mine.color as Color;
  const used = new Set(active.map((s) => s.color));
  if (prefer) {
    if (!used.has(prefer)) return prefer;
    throw new PicklineError(
      'ZONE_BUSY',
      `zone ${zone.id}: colour ${prefer} of ${operator} is in use by another operator; finish or release that order first`,
    );
  }
  const free = zone.colors.find((c) => !used.has(c));
  if (!free) {
    throw new PicklineError(
      'ZONE_BUSY',
      `zone ${zone.id}: every colour is in use (${zone.colors.join(', ')}); finish an order first`,
    );
  }
  return free;
}
