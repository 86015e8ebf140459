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
 * An address column (kernel/module-ref.ts): a Modbus unit number stays an
 * INTEGER value (NUMERIC affinity keeps 7 a number, so events and views read
 * it back as a JSON number), an MQTT module id is TEXT and starts with a letter.
 */
const ADDRESS_CHECK = `CHECK (typeof(address) = 'integer' OR (typeof(address) = 'text' AND address GLOB '[A-Za-z]*'))`;

/**
 * Hourly KPI rollups (controller/kpi/kpis.ts), kept by triggers in the same
 * transaction as the change they count, so a month of history answers from
 * a few thousand rows. The hour is the UTC clock hour 'YYYY-MM-DDTHH' of the
 * closing / completion time; an empty picker or zone is ''. A closed line
 * never changes status again, an order completes once.
 */
const KPI_ROLLUPS = `
  CREATE TABLE kpi_picker_hours (hour TEXT NOT NULL, picker TEXT NOT NULL, picks INTEGER NOT NULL,
    units INTEGER NOT NULL, shorts INTEGER NOT NULL, corrections INTEGER NOT NULL,
    PRIMARY KEY (hour, picker)) WITHOUT ROWID;
  CREATE TABLE kpi_zone_hours (hour TEXT NOT NULL, zone TEXT NOT NULL, picks INTEGER NOT NULL,
    units INTEGER NOT NULL, shorts INTEGER NOT NULL, corrections INTEGER NOT NULL,
    PRIMARY KEY (hour, zone)) WITHOUT ROWID;
  CREATE TABLE kpi_order_hours (hour TEXT PRIMARY KEY, completed INTEGER NOT NULL,
    perfect INTEGER NOT NULL, cycle_sum REAL, cycle_min REAL, cycle_max REAL) WITHOUT ROWID;
  CREATE TABLE kpi_visit_hours (hour TEXT NOT NULL, zone TEXT NOT NULL, visits INTEGER NOT NULL,
    seconds_sum REAL NOT NULL, seconds_min REAL NOT NULL, seconds_max REAL NOT NULL,
    PRIMARY KEY (hour, zone)) WITHOUT ROWID;
  ${['INSERT', 'UPDATE OF status']
    .map(
      (on) => `
  CREATE TRIGGER kpi_line_closed_${on === 'INSERT' ? 'insert' : 'update'} AFTER ${on} ON lines
    WHEN NEW.status IN ('picked','short')${on === 'INSERT' ? '' : " AND OLD.status NOT IN ('picked','short')"}
  BEGIN
    INSERT INTO kpi_picker_hours VALUES (substr(NEW.updated_at, 1, 13), COALESCE(NEW.picker, ''),
      1, NEW.picked, NEW.status = 'short', NEW.status = 'picked' AND NEW.picked <> NEW.quantity)
      ON CONFLICT (hour, picker) DO UPDATE SET picks = picks + 1, units = units + excluded.units,
        shorts = shorts + excluded.shorts, corrections = corrections + excluded.corrections;
    INSERT INTO kpi_zone_hours VALUES (substr(NEW.updated_at, 1, 13),
      COALESCE((SELECT zone FROM locations WHERE id =
        COALESCE(NEW.location, (SELECT cubby FROM orders WHERE id = NEW.order_id))), ''),
      1, NEW.picked, NEW.status = 'short', NEW.status = 'picked' AND NEW.picked <> NEW.quantity)
      ON CONFLICT (hour, zone) DO UPDATE SET picks = picks + 1, units = units + excluded.units,
        shorts = shorts + excluded.shorts, corrections = corrections + excluded.corrections;
  END;`,
    )
    .join('')}
  CREATE TRIGGER kpi_order_completed AFTER UPDATE OF status ON orders
    WHEN NEW.status = 'completed' AND OLD.status <> 'completed'
  BEGIN
    INSERT INTO kpi_order_hours
      SELECT substr(NEW.updated_at, 1, 13), 1,
        NOT EXISTS (SELECT 1 FROM lines WHERE order_id = NEW.id
          AND (status = 'short' OR (status = 'picked' AND picked <> quantity))),
        c, c, c
      FROM (SELECT (julianday(NEW.updated_at) - julianday(created_at)) * 86400.0 AS c
            FROM waves WHERE id = NEW.wave_id) WHERE true
      ON CONFLICT (hour) DO UPDATE SET completed = completed + 1, perfect = perfect + excluded.perfect,
        cycle_sum = cycle_sum + excluded.cycle_sum, cycle_min = min(cycle_min, excluded.cycle_min),
        cycle_max = max(cycle_max, excluded.cycle_max);
  END;
  CREATE TRIGGER kpi_zone_visit AFTER INSERT ON zone_visits
  BEGIN
    INSERT INTO kpi_visit_hours
      SELECT substr(NEW.done_at, 1, 13), NEW.zone, 1, s, s, s
      FROM (SELECT (julianday(NEW.done_at) - julianday(NEW.started_at)) * 86400.0 AS s) WHERE true
      ON CONFLICT (hour, zone) DO UPDATE SET visits = visits + 1,
        seconds_sum = seconds_sum + excluded.seconds_sum,
        seconds_min = min(seconds_min, excluded.seconds_min),
        seconds_max = max(seconds_max, excluded.seconds_max);
  END;
  -- history closed before this migration
  INSERT INTO kpi_picker_hours
    SELECT substr(updated_at, 1, 13), COALESCE(picker, ''), COUNT(*), SUM(picked),
      SUM(status = 'short'), SUM(status = 'picked' AND picked <> quantity)
    FROM lines WHERE status IN ('picked','short') GROUP BY 1, 2;
  INSERT INTO kpi_zone_hours
    SELECT substr(l.updated_at, 1, 13), COALESCE(loc.zone, ''), COUNT(*), SUM(l.picked),
      SUM(l.status = 'short'), SUM(l.status = 'picked' AND l.picked <> l.quantity)
    FROM lines l LEFT JOIN orders o ON o.id = l.order_id
      LEFT JOIN locations loc ON loc.id = COALESCE(l.location, o.cubby)
    WHERE l.status IN ('picked','short') GROUP BY 1, 2;
  INSERT INTO kpi_order_hours
    SELECT substr(o.updated_at, 1, 13), COUNT(*),
      SUM(NOT EXISTS (SELECT 1 FROM lines l WHERE l.order_id = o.id
        AND (l.status = 'short' OR (l.status = 'picked' AND l.picked <> l.quantity)))),
      SUM(c), MIN(c), MAX(c)
    FROM (SELECT o.*, (julianday(o.updated_at) - julianday(w.created_at)) * 86400.0 AS c
          FROM orders o JOIN waves w ON w.id = o.wave_id WHERE o.status = 'completed') o
    GROUP BY 1;
`;

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
    name: 'kpis: zone visits and hourly KPI rollups',
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
      CREATE INDEX zone_visits_done ON zone_visits(done_at);
      CREATE INDEX events_type_at ON events(type, occurred_at);
      ${KPI_ROLLUPS}
    `,
  },
  {
    version: 6,
    name: 'message bus: relay cursors',
    sql: `
      -- One row per relay of the outbox to a message broker (CONTRACTS.md §6):
      -- every event with seq <= delivered_seq was confirmed by the broker.
      CREATE TABLE relay_cursors (
        name TEXT PRIMARY KEY,
        delivered_seq INTEGER NOT NULL DEFAULT 0
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 7,
    name: 'service levels and exceptions',
    // Self-contained literal SQL (no shared constants), CONTRACTS.md §7.
    sql: `
      -- Due times and priorities (CONTRACTS.md §7 "Due times"): ISO-8601 UTC text;
      -- an order's own value, NULL = its wave's.
      ALTER TABLE waves ADD COLUMN due_at TEXT;
      ALTER TABLE waves ADD COLUMN risk TEXT NOT NULL DEFAULT 'on-track';
      ALTER TABLE orders ADD COLUMN due_at TEXT;
      ALTER TABLE orders ADD COLUMN priority INTEGER;
      ALTER TABLE orders ADD COLUMN risk TEXT NOT NULL DEFAULT 'on-track';
      -- 1 completed by its due time, 0 after it, NULL without one
      ALTER TABLE orders ADD COLUMN on_time INTEGER;
      CREATE INDEX orders_flagged ON orders(risk) WHERE risk <> 'on-track';
      -- The work queue of every zone (controller/service-levels/): one row per
      -- open order and zone with its open lines and its queue key (late first,
      -- priority, due, arrival), kept by the intake (INSERT ... SELECT per wave)
      -- and the trigger below, so an evaluation reads one index range per zone
      -- instead of every line. risk_rank: 0 on-track, 1 at-risk, 2 late.
      CREATE TABLE sla_work (
        zone TEXT NOT NULL,
        order_id TEXT NOT NULL,
        open_lines INTEGER NOT NULL,
        late INTEGER NOT NULL DEFAULT 0,
        risk_rank INTEGER NOT NULL DEFAULT 0,
        priority INTEGER NOT NULL,
        due_ms INTEGER,
        due_key INTEGER NOT NULL,
        arrival INTEGER NOT NULL,
        PRIMARY KEY (zone, order_id)
      ) WITHOUT ROWID;
      CREATE INDEX sla_work_queue ON sla_work(zone, late DESC, priority DESC, due_key, arrival,
        open_lines, due_ms, risk_rank, order_id);
      CREATE INDEX sla_work_order ON sla_work(order_id);
      CREATE TRIGGER sla_work_line_closed AFTER UPDATE OF status ON lines
        WHEN OLD.status IN ('open','lit') AND NEW.status NOT IN ('open','lit')
      BEGIN
        UPDATE sla_work SET open_lines = open_lines - 1
          WHERE order_id = NEW.order_id AND zone = COALESCE(
            (SELECT zone FROM locations WHERE id = NEW.location),
            (SELECT put_wall FROM orders WHERE id = NEW.order_id));
        DELETE FROM sla_work WHERE order_id = NEW.order_id AND open_lines <= 0;
      END;
      INSERT INTO sla_work (zone, order_id, open_lines, late, risk_rank, priority, due_ms, due_key, arrival)
        SELECT COALESCE(loc.zone, o.put_wall), o.id, COUNT(*), 0, 0, w.priority, NULL,
          9007199254740991, o.rowid
        FROM lines l JOIN orders o ON o.id = l.order_id JOIN waves w ON w.id = o.wave_id
          LEFT JOIN locations loc ON loc.id = l.location
        WHERE l.status IN ('open','lit') AND COALESCE(loc.zone, o.put_wall) IS NOT NULL
        GROUP BY 1, 2;
      -- Alerts sent (CONTRACTS.md §7 "Events"): at most one per order or wave,
      -- state and due time ('' when none); a restart re-sends nothing.
      CREATE TABLE sla_alerts (
        subject TEXT NOT NULL CHECK (subject IN ('order','wave')),
        id TEXT NOT NULL,
        state TEXT NOT NULL,
        due_at TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (subject, id, state, due_at)
      ) WITHOUT ROWID;
      -- The exceptions desk (CONTRACTS.md §7 "Exceptions"): one open per cause.
      CREATE TABLE exceptions (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        severity TEXT NOT NULL CHECK (severity IN ('info','warning','critical')),
        cause TEXT NOT NULL,
        opened_at TEXT NOT NULL,
        subject TEXT NOT NULL,
        zone TEXT,
        message TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('open','acknowledged','resolved')),
        acknowledged_by TEXT,
        acknowledged_at TEXT,
        resolved_by TEXT,
        resolved_at TEXT,
        note TEXT
      );
      CREATE UNIQUE INDEX exceptions_open_cause ON exceptions(cause) WHERE status <> 'resolved';
      CREATE INDEX exceptions_status ON exceptions(status, seq);
      CREATE INDEX exceptions_resolved ON exceptions(resolved_at) WHERE resolved_at IS NOT NULL;
      CREATE INDEX exceptions_opened ON exceptions(opened_at);
      -- the on-time KPI: orders by completion time
      CREATE INDEX orders_completed_at ON orders(updated_at) WHERE status = 'completed';
    `,
  },
];
