/**
 * Module health the engine remembers across restarts: the last device.offline
 * / device.online event of each module in the outbox (CONTRACTS.md §1). On
 * start it seeds the engine's view, so a module that was offline and answers
 * again raises device.online, and one still offline is not reported twice.
 */

import { type ModuleAddress, moduleKey } from '../../device-drivers/types.ts';
import { type Db, stmt } from '../store/db.ts';

/** `bus/address` → online, as the last device event said. */
export function lastKnownHealth(db: Db): Map<string, boolean> {
  const rows = stmt(
    db,
    `SELECT type, data FROM events WHERE type IN ('device.offline', 'device.online') ORDER BY seq`,
  ).all() as { type: string; data: string }[];
  const out = new Map<string, boolean>();
  for (const r of rows) {
    const d = JSON.parse(r.data) as { bus: string; address: ModuleAddress };
    out.set(moduleKey(d), r.type === 'device.online');
  }
  return out;
}

/** Lines of `lineIds` whose flag is device-offline. */
export function offlineFlagged(db: Db, lineIds: string[]): string[] {
  const st = stmt(db, `SELECT flag FROM lines WHERE id = ?`);
  return lineIds.filter(
    (id) => (st.get(id) as { flag: string | null } | undefined)?.flag === 'device-offline',
  );
}
