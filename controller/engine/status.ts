/**
 * Read models of the floor for the API: a zone's operators (`picker` in the
 * answers, CONTRACTS.md §1), orders and lit modules.
 */

import { type ModuleAddress, moduleKey } from '../../device-drivers/types.ts';
import { PicklineError } from '../../kernel/errors.ts';
import type { Site } from '../site.ts';
import { type Db, stmt } from '../store/db.ts';
import { type LightRow, sessions } from './repo.ts';

export interface ZoneStatus {
  zone: string;
  name: string;
  mode: string;
  locations: number;
  sessions: {
    orderId: string;
    picker: string;
    color: string;
    startedAt: string;
    /** whole seconds since the session started */
    ageSeconds: number;
  }[];
  lit: {
    lineId: string;
    location: string | null;
    bus: string;
    address: ModuleAddress;
    quantity: number | null;
    color: string | null;
    picker: string | null;
  }[];
}

export function zoneStatus(db: Db, site: Site, zoneId: string, now = Date.now()): ZoneStatus {
  const zone = site.zones.get(zoneId);
  if (!zone) throw new PicklineError('ZONE_NOT_FOUND', `no zone ${zoneId}`);
  const lit = stmt(db, 'SELECT * FROM lights WHERE zone = ? ORDER BY bus, address').all(
    zone.id,
  ) as LightRow[];
  return {
    zone: zone.id,
    name: zone.name,
    mode: zone.mode,
    locations: zone.locations.length,
    sessions: sessions(db, zone.id).map((s) => ({
      orderId: s.order_id,
      picker: s.picker,
      color: s.color,
      startedAt: s.started_at,
      ageSeconds: Math.max(0, Math.floor((now - Date.parse(s.started_at)) / 1000)),
    })),
    lit: lit.map((r) => ({
      lineId: r.line_id,
      location: site.byModule.get(moduleKey(r))?.id ?? null,
      bus: r.bus,
      address: r.address,
      quantity: r.display,
      color: r.color,
      picker: r.picker,
    })),
  };
}
