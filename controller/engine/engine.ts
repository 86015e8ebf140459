/**
 * The pick engine's parts and their lifecycle (ARCHITECTURE.md "The core
 * loop"): lighting (sends light decisions in order), technician holds, module
 * health → events, and the pick rules. It offers no floor action itself: the
 * composition root builds the floor commands (commands.ts) from these parts,
 * and every input channel drives those. On start the floor is made to match
 * the `lights` table (recovery.ts).
 */
import type { Logger } from 'pino';
import type { LightBus } from '../../device-drivers/types.ts';
import type { Outbox } from '../events/outbox.ts';
import type { Site } from '../site.ts';
import { type Store, stmt } from '../store/db.ts';
import { ModuleHealth } from './health.ts';
import { Holds } from './holds.ts';
import { Lighting } from './lighting.ts';
import { Picking } from './picking.ts';
import { endStaleSessions, type RecoveryDeps, restoreFloor } from './recovery.ts';

export type { ScanResult, SessionView } from './picking.ts';
export type { ZoneStatus } from './status.ts';

export interface EngineDeps {
  store: Store;
  outbox: Outbox;
  site: Site;
  buses: Map<string, LightBus>;
  logger: Logger;
  /** how long a zone's done indicator blinks after an order is done there */
  doneFlashMs?: number;
}

export interface EngineStats {
  keyPresses: number;
  picks: number;
  ignoredPresses: number;
  /** presses on a module held for a technician (also in ignoredPresses) */
  heldPresses: number;
  /** module confirms above the request that were refused (zone without over-picks) */
  refusedOverPicks: number;
  lightFailures: number;
}

export class PickEngine {
  readonly #d: EngineDeps;
  readonly #lighting: Lighting;
  readonly #health: ModuleHealth;
  /** modules lent to technicians (holds.ts) */
  readonly holds: Holds;
  /** the pick rules the floor commands call (picking.ts) */
  readonly picking: Picking;

  constructor(deps: EngineDeps) {
    this.#d = deps;
    const { store, outbox, site, buses, logger } = deps;
    this.#lighting = new Lighting(buses, logger, (b, a) => this.holds.heldFor(b, a) !== null);
    this.holds = new Holds(store, site, this.#lighting);
    this.#health = new ModuleHealth({ store, outbox, site, buses, lighting: this.#lighting });
    this.picking = new Picking({
      store,
      outbox,
      site,
      lighting: this.#lighting,
      health: this.#health,
      heldFor: (b, a) => this.holds.heldFor(b, a),
      logger,
      doneFlashMs: deps.doneFlashMs,
    });
  }

  /** Subscribes to the buses' health (already started) and restores the floor. */
  async start(): Promise<void> {
    this.holds.start();
    this.#health.start();
    endStaleSessions(this.#recovery());
    await this.recover();
  }

  async stop(): Promise<void> {
    this.#health.stop();
    this.#lighting.stop();
    await this.#lighting.idle();
  }

  /** Re-lights exactly the modules of the `lights` table; every other module goes dark. */
  recover(): Promise<void> {
    return restoreFloor(this.#recovery());
  }

  stats(): EngineStats {
    return { ...this.picking.counters, lightFailures: this.#lighting.failures };
  }

  /** Modules lit with a pick job now (the `lights` table). */
  litCount(): number {
    return (stmt(this.#d.store.db, 'SELECT COUNT(*) AS n FROM lights').get() as { n: number }).n;
  }

  /** Resolves when all light commands decided so far were executed (tests, benchmarks). */
  idle(): Promise<void> {
    return this.#lighting.idle();
  }

  #recovery(): RecoveryDeps {
    const { store, site, logger } = this.#d;
    return { store, site, lighting: this.#lighting, logger };
  }
}
