/**
 * Migration 1 (released): the core tables: locations, waves, orders, lines, their history, the
 * outbox and the webhook cursors.
 *
 * Frozen: this text is what the release ran, byte for byte. Never edit it;
 * a change of schema is a new migration (../migrations.ts).
 */
import type { Migration } from './migration.ts';

export const M0001: Migration = {
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
};
