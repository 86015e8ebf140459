/**
 * Migration 2 (released): what the engine keeps: lit modules (their desired state), zone
 * sessions, line flags.
 *
 * Frozen: this text is what the release ran, byte for byte. Never edit it;
 * a change of schema is a new migration (../migrations.ts).
 */
import type { Migration } from './migration.ts';

export const M0002: Migration = {
  version: 2,
  name: 'engine: lit modules, zone sessions, line flags',
  sql: `
      -- Desired state of every lit module (ARCHITECTURE.md "Persistence and
      -- recovery"): re-applied on start, so exactly these modules light again.
      CREATE TABLE lights (
        bus TEXT NOT NULL,
        address INTEGER NOT NULL,
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
      CREATE UNIQUE INDEX lights_line ON lights(line_id);
      -- An order being worked in a zone by a picker with a colour.
      CREATE TABLE zone_sessions (
        zone TEXT NOT NULL,
        order_id TEXT NOT NULL REFERENCES orders(id),
        picker TEXT NOT NULL,
        color TEXT NOT NULL,
        started_at TEXT NOT NULL,
        PRIMARY KEY (zone, order_id)
      );
      -- 'device-offline' while the line's module does not answer
      ALTER TABLE lines ADD COLUMN flag TEXT;
      INSERT INTO meta (key, value) VALUES ('job_seq', '0');
    `,
};
