/**
 * Migration 4 (released): module addresses are unit numbers or module ids. An
 * address column (kernel/module-ref.ts): a Modbus unit number stays an INTEGER
 * value (NUMERIC affinity keeps 7 a number, so events and views read it back
 * as a JSON number), an MQTT module id is TEXT and starts with a letter.
 * Rebuilds `locations` and `lights` (the SQLite "ALTER TABLE" procedure).
 *
 * Frozen: this text is what the release ran, byte for byte. Never edit it;
 * a change of schema is a new migration (../migrations.ts).
 */
import type { Migration } from './migration.ts';

export const M0004: Migration = {
  version: 4,
  name: 'module addresses: unit numbers or module ids',
  rebuildsReferencedTables: true,
  sql: `
      CREATE TABLE locations_v4 (
        id TEXT PRIMARY KEY,
        zone TEXT NOT NULL,
        zone_mode TEXT NOT NULL CHECK (zone_mode IN ('pick','put','voice')),
        bus TEXT,
        address NUMERIC CHECK (address IS NULL OR typeof(address) = 'integer' OR (typeof(address) = 'text' AND address GLOB '[A-Za-z]*')),
        check_digits TEXT,
        aisle TEXT,
        slot TEXT,
        active INTEGER NOT NULL DEFAULT 1
      );
      INSERT INTO locations_v4 (id, zone, zone_mode, bus, address, check_digits, aisle, slot, active)
        SELECT id, zone, zone_mode, bus, address, check_digits, aisle, slot, active FROM locations;
      DROP TABLE locations;
      ALTER TABLE locations_v4 RENAME TO locations;
      CREATE TABLE lights_v4 (
        bus TEXT NOT NULL,
        address NUMERIC NOT NULL CHECK (typeof(address) = 'integer' OR (typeof(address) = 'text' AND address GLOB '[A-Za-z]*')),
        line_id TEXT NOT NULL REFERENCES lines(id),
        zone TEXT NOT NULL,
        seq INTEGER NOT NULL,
        mode TEXT NOT NULL,
        color TEXT,
        display INTEGER,
        picker TEXT,
        lit_at TEXT NOT NULL,
        PRIMARY KEY (bus, address)
      );
      INSERT INTO lights_v4 (bus, address, line_id, zone, seq, mode, color, display, picker, lit_at)
        SELECT bus, address, line_id, zone, seq, mode, color, display, picker, lit_at FROM lights;
      DROP TABLE lights;
      ALTER TABLE lights_v4 RENAME TO lights;
      CREATE UNIQUE INDEX lights_line ON lights(line_id);
    `,
};
