/**
 * Migration 7: indexes for the next work and for wave completion.
 *
 * Frozen once released: this text is what the release runs, byte for byte.
 * Never edit it; a change of schema is a new migration (../migrations.ts).
 */
import type { Migration } from './migration.ts';

export const M0007: Migration = {
  version: 7,
  name: 'indexes for the next work and wave completion',
  sql: `
      -- an operator's sessions in a zone (voice next task, resume): without it
      -- every voice answer read all sessions of the zone (1,000 workers: 1,000 rows)
      CREATE INDEX zone_sessions_picker ON zone_sessions(zone, picker);
      -- the open orders of a wave in intake order: the next order to assign is
      -- the first one, and a wave is complete when it has none (before: every
      -- pick counted the wave's open lines, every next task sorted all orders)
      CREATE INDEX orders_open_wave ON orders(wave_id, idx) WHERE status IN ('open','active');
    `,
};
