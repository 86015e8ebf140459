/**
 * Versioned schema migrations, applied in order at start inside one
 * transaction each. Never edit a released migration: append a new one.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
  /**
   * Rebuilds a table other tables reference: run with foreign keys off (they
   * cannot be switched inside a transaction), then `foreign_key_check` must
   * find nothing before the commit (the SQLite "ALTER TABLE" procedure).
   */
  rebuildsReferencedTables?: boolean;
}

/**
 * An address column (config/module-ref.ts): a Modbus unit number stays an
 * INTEGER value (NUMERIC affinity keeps 7 a number, so events and views read
 * it back as a JSON number), an MQTT module id is TEXT and starts with a letter.
 */
const ADDRESS_CHECK = `CHECK (typeof(address) = 'integer' OR (typeof(address) = 'text' AND address GLOB '[A-Za-z]*'))`;

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'core: locations, waves, orders, lines, history, outbox',
    sql: `
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      INSERT INTO meta (key, value) VALUES ('store_id', lower(hex(randomblob(3))));
      CREATE TABLE locations (
        id TEXT PRIMARY KEY,
        zone TEXT NOT NULL,
        zone_mode TEXT NOT NULL CHECK (zone_mode IN ('pick','put','voice')),
        bus TEXT,
        address INTEGER,
        check_digits TEXT,
        aisle TEXT,
        slot TEXT,
        active INTEGER NOT NULL DEFAULT 1
      );
      CREATE TABLE waves (
        id TEXT PRIMARY KEY,
        priority INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL CHECK (status IN ('accepted','active','completed','cancelled')),
        body_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE orders (
        id TEXT PRIMARY KEY,
        wave_id TEXT NOT NULL REFERENCES waves(id),
        idx INTEGER NOT NULL,
        container TEXT,
        put_wall TEXT,
        cubby TEXT REFERENCES locations(id),
        status TEXT NOT NULL CHECK (status IN ('open','active','completed','cancelled')),
        updated_at TEXT NOT NULL
      );
      CREATE INDEX orders_wave ON orders(wave_id, idx);
      CREATE INDEX orders_container ON orders(container) WHERE container IS NOT NULL;
      CREATE TABLE lines (
        id TEXT PRIMARY KEY,
        order_id TEXT NOT NULL REFERENCES orders(id),
        wave_id TEXT NOT NULL REFERENCES waves(id),
        idx INTEGER NOT NULL,
        sku TEXT NOT NULL,
        location TEXT REFERENCES locations(id),
        quantity INTEGER NOT NULL CHECK (quantity > 0),
        description TEXT,
        status TEXT NOT NULL CHECK (status IN ('open','lit','picked','short','cancelled')),
        picked INTEGER NOT NULL DEFAULT 0,
        picker TEXT,
        via TEXT,
        reason TEXT,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX lines_order ON lines(order_id, idx);
      CREATE INDEX lines_wave ON lines(wave_id);
      CREATE INDEX lines_open_location ON lines(location) WHERE status IN ('open','lit');
      CREATE INDEX lines_open_sku ON lines(sku) WHERE status IN ('open','lit');
      CREATE TABLE line_history (
        id INTEGER PRIMARY KEY,
        line_id TEXT NOT NULL REFERENCES lines(id),
        status TEXT NOT NULL,
        at TEXT NOT NULL,
        detail TEXT
      );
      CREATE INDEX line_history_line ON line_history(line_id);
      -- The outbox: every event the WMS cares about, in seq order (CONTRACTS.md §1).
      CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id TEXT NOT NULL UNIQUE,
        type TEXT NOT NULL,
        occurred_at TEXT NOT NULL,
        data TEXT NOT NULL
      );
      -- Per-webhook delivery cursor: everything with seq <= delivered_seq was acknowledged (2xx).
      CREATE TABLE webhook_cursors (
        url TEXT PRIMARY KEY,
        delivered_seq INTEGER NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        next_attempt_at TEXT
      );
    `,
  },
  {
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
  },
  {
    version: 3,
    name: 'voice: skipped lines',
    sql: `
      -- When a voice picker last skipped the line: skipped lines come after the
      -- others of the order, in the order they were skipped.
      ALTER TABLE lines ADD COLUMN skipped_at TEXT;
    `,
  },
  {
    version: 4,
    name: 'module addresses: unit numbers or module ids',
    rebuildsReferencedTables: true,
    sql: `
      CREATE TABLE locations_v4 (
        id TEXT PRIMARY KEY,
        zone TEXT NOT NULL,
        zone_mode TEXT NOT NULL CHECK (zone_mode IN ('pick','put','voice')),
        bus TEXT,
        address NUMERIC ${ADDRESS_CHECK.replace('CHECK (', 'CHECK (address IS NULL OR ')},
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
        address NUMERIC NOT NULL ${ADDRESS_CHECK},
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
  },
  {
    version: 5,
    name: 'kpis: zone visits and indexes for the KPI window queries',
    sql: `
      -- One row per order worked in a zone, written when its zone session ends
      -- because nothing is left for it there (scan → zone done, controller/kpi).
      CREATE TABLE zone_visits (
        zone TEXT NOT NULL,
        order_id TEXT NOT NULL,
        picker TEXT NOT NULL,
        started_at TEXT NOT NULL,
        done_at TEXT NOT NULL
      );
      CREATE INDEX zone_visits_done ON zone_visits(done_at, zone, started_at);
      -- Closed lines by closing time, covering the KPI columns (a line is not
      -- updated once picked or shorted, so updated_at is its closing time).
      CREATE INDEX lines_closed ON lines(updated_at, status, picker, location, picked, quantity, order_id)
        WHERE status IN ('picked','short');
      CREATE INDEX orders_completed ON orders(updated_at, wave_id) WHERE status = 'completed';
      CREATE INDEX events_type_at ON events(type, occurred_at);
    `,
  },
];
