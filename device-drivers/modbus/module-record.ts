/**
 * What a Modbus bus remembers about one module (one unit address): the
 * Modbus-only fields (event baseline, poll and sweep times, identity, status
 * faults) beside views of the shared job gate and health tracker, which own
 * the wanted state and the health of every module.
 */

import { copyCounters, newTally } from '../common/counters.ts';
import type { HealthTracker } from '../common/health.ts';
import type { JobGate } from '../common/job-gate.ts';
import type { LightState, ModuleIdentity, ModuleInfo } from '../types.ts';
import type { EventBaseline } from './codec.ts';
import type { PlannedModule } from './planner.ts';

export class ModuleRecord implements PlannedModule {
  baseline: EventBaseline = null;
  lastPollAt = Number.NEGATIVE_INFINITY;
  /** 0: the first sweep runs right after start */
  nextHealthAt = 0;
  identity: ModuleIdentity | undefined;
  faults: string[] = [];
  readonly counters = newTally();

  /** `hasKeys`: the profile has keys to read (capabilities.keys not empty) */
  constructor(
    readonly address: number,
    private readonly jobs: JobGate,
    private readonly health: HealthTracker,
    private readonly hasKeys = true,
  ) {}

  /** the state the controller last asked for; its seq is the current job token */
  get wanted(): LightState | null {
    return this.jobs.wanted(this.address);
  }

  /** null = not heard from since start */
  get online(): boolean | null {
    return this.health.of(this.address).online;
  }

  get lit(): boolean {
    const w = this.wanted;
    return w !== null && w.mode !== 'off';
  }

  /** Lit with a job (seq ≠ 0) on a module with keys: only then can a press be taken. */
  get awaitsKeys(): boolean {
    return this.hasKeys && this.lit && this.wanted!.seq !== 0;
  }

  info(bus: string): ModuleInfo {
    const w = this.wanted;
    const h = this.health.of(this.address);
    return {
      bus,
      address: this.address,
      online: h.online === true,
      state: w ? { ...w } : null,
      lastSeenAt: h.lastSeenAt,
      lastError: h.lastError,
      ...(this.identity ? { identity: { ...this.identity } } : {}),
      faults: [...this.faults],
      counters: copyCounters(this.counters),
    };
  }
}
