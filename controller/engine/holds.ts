/**
 * Technician holds (README "Technician tasks"): the engine is the one writer
 * to the floor, so identify, walk test and re-address take a module from it
 * and give it back. A hold is refused while the module shows a job (a row in
 * `lights`) or a done indicator, or is held already. While it is held:
 * - the light decisions (decide.ts) treat it as busy: a line for it stays
 *   `waiting`, so the floor still equals the `lights` table;
 * - `Lighting` skips commands for it (recover, done flashes);
 * - no key press on it commits a pick (picking.ts ignores and counts them).
 * On release the waiting line that comes first lights on it, else it is cleared.
 * Holds live in a TEMP table (read by `isHeld` in repo.ts): the SQL decisions
 * see them, a restart drops them.
 */

import { type ModuleAddress, moduleKey } from '../../device-drivers/types.ts';
import { PicklineError } from '../../kernel/errors.ts';
import type { Site } from '../site.ts';
import { type Store, stmt } from '../store/db.ts';
import { nextForModule } from './decide.ts';
import type { Lighting } from './lighting.ts';
import { lightAt } from './repo.ts';

export interface Hold {
  readonly bus: string;
  readonly address: ModuleAddress;
  readonly purpose: string;
  /** Gives the module back to the engine; idempotent, never throws. */
  release(): Promise<void>;
}

/** What technician operations need from the floor: the floor commands offer it (commands.ts). */
export interface ModuleHolder {
  hold(bus: string, address: ModuleAddress, purpose: string): Promise<Hold>;
  heldFor(bus: string, address: ModuleAddress): string | null;
}

export class Holds {
  readonly #store: Store;
  readonly #site: Site;
  readonly #lighting: Lighting;
  readonly #held = new Map<string, string>();

  constructor(store: Store, site: Site, lighting: Lighting) {
    this.#store = store;
    this.#site = site;
    this.#lighting = lighting;
  }

  start(): void {
    this.#store.db.exec(`CREATE TEMP TABLE IF NOT EXISTS module_holds (
      bus TEXT NOT NULL, address INTEGER NOT NULL, purpose TEXT NOT NULL, since TEXT NOT NULL,
      PRIMARY KEY (bus, address))`);
    this.#store.db.exec('DELETE FROM temp.module_holds');
    this.#held.clear();
  }

  heldFor(bus: string, address: ModuleAddress): string | null {
    return this.#held.get(moduleKey({ bus, address })) ?? null;
  }

  async acquire(bus: string, address: ModuleAddress, purpose: string): Promise<Hold> {
    const key = moduleKey({ bus, address });
    const name = this.#site.moduleName(bus, address) ?? moduleKey({ bus, address });
    this.#store.tx(() => {
      const db = this.#store.db;
      const held = this.#held.get(key);
      if (held) throw busy(`${name} is held for ${held}`);
      const row = lightAt(db, bus, address);
      if (row) throw busy(`${name} shows a pick job (line ${row.line_id})`);
      if (this.#lighting.flashing(bus, address)) throw busy(`${name} shows a done indicator`);
      stmt(
        db,
        'INSERT INTO temp.module_holds (bus, address, purpose, since) VALUES (?, ?, ?, ?)',
      ).run(bus, address, purpose, new Date().toISOString());
      this.#held.set(key, purpose);
    });
    // a command decided before the hold finishes first; later ones are skipped
    await this.#lighting.settled(bus, address);
    let released: Promise<void> | null = null;
    return {
      bus,
      address,
      purpose,
      release: () => {
        released ??= this.#release(bus, address);
        return released;
      },
    };
  }

  async #release(bus: string, address: ModuleAddress): Promise<void> {
    const store = this.#store;
    if (!store.isOpen) return; // stopping: a restart drops holds anyway
    const row = store.tx(() => {
      stmt(store.db, 'DELETE FROM temp.module_holds WHERE bus = ? AND address = ?').run(
        bus,
        address,
      );
      this.#held.delete(moduleKey({ bus, address }));
      return (
        lightAt(store.db, bus, address) ??
        nextForModule(store.db, this.#site, bus, address, new Date().toISOString())
      );
    });
    if (row) await this.#lighting.apply(row);
    else if (this.#site.moduleName(bus, address) !== null) await this.#lighting.clear(bus, address);
  }
}

function busy(message: string): PicklineError {
  return new PicklineError('MODULE_BUSY', message);
}
