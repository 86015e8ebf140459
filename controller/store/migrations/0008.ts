/**
 * Migration 8: service levels and exceptions (docs/CONTRACTS.md §7).
 *
 * Frozen once released: this text is what the release runs, byte for byte.
 * Never edit it; a change of schema is a new migration (../migrations.ts).
 */
import type { Migration } from './migration.ts';

export const M0008: Migration = {
  version: 8,
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
    -- the next work of a zone in work order (late, at-risk, priority, due,
    -- arrival): the voice next task walks it and takes the first free order
    CREATE INDEX sla_work_next ON sla_work(zone, risk_rank DESC, priority DESC, due_key, arrival);
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
};
