/**
 * Migration 5 (released): zone visits and the hourly KPI rollups
 * (controller/kpi/kpis.ts), kept by triggers in the same transaction as the
 * change they count, so a month of history answers from a few thousand rows.
 * The hour is the UTC clock hour 'YYYY-MM-DDTHH' of the closing / completion
 * time; an empty picker or zone is ''. A closed line never changes status
 * again, an order completes once. The history closed before it is rolled up
 * at the end.
 *
 * Frozen: this text is what the release ran, byte for byte. Never edit it;
 * a change of schema is a new migration (../migrations.ts).
 */
import type { Migration } from './migration.ts';

export const M0005: Migration = {
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
  
  CREATE TRIGGER kpi_line_closed_insert AFTER INSERT ON lines
    WHEN NEW.status IN ('picked','short')
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
  END;
  CREATE TRIGGER kpi_line_closed_update AFTER UPDATE OF status ON lines
    WHEN NEW.status IN ('picked','short') AND OLD.status NOT IN ('picked','short')
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
  END;
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

    `,
};
