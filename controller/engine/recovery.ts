/**
 * Recovery after a restart (ARCHITECTURE.md "Persistence and recovery"): the
 * `lights` table is the desired state of the floor. Sessions of orders that
 * closed meanwhile end; exactly the modules of the table are lit again (a row
 * whose line is no longer lit is dropped first), every other configured
 * module goes dark.
 */
import type { Logger } from 'pino';
import { moduleKey } from '../../device-drivers/types.ts';
import type { Site } from '../site.ts';
import { type Store, stmt } from '../store/db.ts';
import type { Lighting, LightOutcome } from './lighting.ts';
import { allLights, line as getLine } from './repo.ts';
import { endClosedSessions } from './sessions.ts';

export interface RecoveryDeps {
  store: Store;
  site: Site;
  lighting: Lighting;
  logger: Logger;
}

/** Ends the sessions of orders that are no longer open (left by older versions). */
export function endStaleSessions(d: RecoveryDeps): void {
  const { store } = d;
  const ended = store.tx(() => endClosedSessions(store.db));
  if (ended > 0) d.logger.info({ ended }, 'sessions of closed orders ended');
}

/** Re-lights exactly the modules of the `lights` table; every other module goes dark. */
export async function restoreFloor(d: RecoveryDeps): Promise<void> {
  const { store, site, lighting } = d;
  const rows = store.tx(() => {
    const db = store.db;
    for (const r of allLights(db)) {
      const l = getLine(db, r.line_id);
      if (l?.status !== 'lit')
        stmt(db, 'DELETE FROM lights WHERE bus = ? AND address = ?').run(r.bus, r.address);
    }
    return allLights(db);
  });
  const lit = new Set(rows.map(moduleKey));
  const ops: Promise<LightOutcome>[] = rows.map((r) => lighting.apply(r));
  for (const [bus, addresses] of site.addressesByBus()) {
    for (const a of addresses)
      if (!lit.has(moduleKey({ bus, address: a }))) ops.push(lighting.clear(bus, a));
  }
  const out = await Promise.all(ops);
  d.logger.info({ relit: rows.length, failed: out.filter((o) => !o.ok).length }, 'floor restored');
}
