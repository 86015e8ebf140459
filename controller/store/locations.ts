/**
 * Keeps the `locations` table in step with the site config at start. The
 * config is the truth; rows of locations that left the config stay (lines
 * reference them) but are marked inactive.
 */
import type { Site } from '../site.ts';
import type { Store } from './db.ts';

export function syncLocations(store: Store, site: Site): void {
  store.tx(() => {
    const db = store.db;
    db.prepare('UPDATE locations SET active = 0').run();
    const up = db.prepare(
      `INSERT INTO locations (id, zone, zone_mode, bus, address, check_digits, aisle, slot, active)
       VALUES (@id, @zone, @mode, @bus, @address, @checkDigits, @aisle, @slot, 1)
       ON CONFLICT(id) DO UPDATE SET zone = excluded.zone, zone_mode = excluded.zone_mode, bus = excluded.bus,
         address = excluded.address, check_digits = excluded.check_digits, aisle = excluded.aisle,
         slot = excluded.slot, active = 1`,
    );
    for (const l of site.locations.values()) up.run(l);
  });
}
