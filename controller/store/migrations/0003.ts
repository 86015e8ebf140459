/**
 * Migration 3 (released): skipped voice lines.
 *
 * Frozen: this text is what the release ran, byte for byte. Never edit it;
 * a change of schema is a new migration (../migrations.ts).
 */
import type { Migration } from './migration.ts';

export const M0003: Migration = {
  version: 3,
  name: 'voice: skipped lines',
  sql: `
      -- When a voice picker last skipped the line: skipped lines come after the
      -- others of the order, in the order they were skipped.
      ALTER TABLE lines ADD COLUMN skipped_at TEXT;
    `,
};
