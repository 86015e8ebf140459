/**
 * Migration 6 (released): the message bus relay cursors.
 *
 * Frozen: this text is what the release ran, byte for byte. Never edit it;
 * a change of schema is a new migration (../migrations.ts).
 */
import type { Migration } from './migration.ts';

export const M0006: Migration = {
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
};
